"""f-divergence generators, their Fenchel conjugates (derived by sympy), the paper's tables, and
the optimal critics T* = f'(p/q)."""
from __future__ import annotations


import numpy as np
import sympy as sp


__all__ = ["fenchel_conjugate", "conjugate_domain", "F_GENERATORS", "PAPER_CONJUGATES", "OUTPUT_ACTIVATIONS", "f_generator", "optimal_critic"]


# --------------------------------------------------------------------------- f-divergences
def conjugate_domain(f, u, t=None):
    """The open interval of t where sup_{u>0} [t·u − f(u)] is attained: the range of f' on u > 0."""
    up = sp.Symbol("u_", positive=True)
    fp = sp.diff(f.subs(u, up), up)
    return sp.Interval.open(sp.limit(fp, up, 0, "+"), sp.limit(fp, up, sp.oo))


def fenchel_conjugate(f, u, t):
    """The Fenchel (convex) conjugate f*(t) = sup_{u > 0} [t·u − f(u)], derived by sympy.

    ``f`` is a sympy expression in the symbol ``u`` of a differentiable, strictly convex
    function; the supremum is over u > 0 whatever assumptions ``u`` carries.  Inside the range
    (a, b) of f' the supremum is reached where f'(u) = t.  Outside it the supremum is a limit:
    for t ≤ a it is −f(0⁺) (approached as u → 0), and for t ≥ b it is +∞ unless the limit is
    finite.  The result is a ``Piecewise`` in ``t`` when those outer pieces exist, else the
    plain expression.
    """
    if not isinstance(f, sp.Expr):
        raise TypeError(f"f must be a sympy expression, got {type(f).__name__}")
    if not isinstance(u, sp.Symbol) or not isinstance(t, sp.Symbol):
        raise TypeError("u and t must be sympy symbols")
    up = sp.Symbol("u_", positive=True)
    fu = f.subs(u, up)
    fp = sp.diff(fu, up)
    dom = conjugate_domain(f, u)
    t1 = fp.subs(up, 1)                        # f'(1) lies inside the range of f'
    # a symbol that lives inside the domain, so that sympy simplifies roots and logs correctly
    s_ = sp.Symbol("s_", positive=True)
    if dom.start.is_finite:
        t_in = dom.start + s_
    elif dom.end.is_finite:
        t_in = dom.end - s_
    else:
        t_in = sp.Symbol("t_", real=True)
    roots = sp.solve(sp.Eq(fp, t_in), up)
    if not roots:
        raise ValueError(f"no stationary point of t*u - f(u) for u > 0 found for f = {f}")
    # the branch of the solution that gives u = 1 at t = f'(1)
    pick = None
    for r in roots:
        val = r.subs(s_, sp.solve(sp.Eq(t_in, t1), s_)[0]) if s_ in r.free_symbols else r.subs(t_in, t1)
        if sp.simplify(val - 1) == 0:
            pick = r
            break
    if pick is None:
        pick = roots[0]
    value = sp.simplify(t_in * pick - fu.subs(up, pick))
    value = sp.simplify(sp.logcombine(sp.powsimp(value, force=True), force=True))
    if s_ in value.free_symbols:
        value = value.subs(s_, (t - dom.start) if dom.start.is_finite else (dom.end - t))
    else:
        value = value.subs(sp.Symbol("t_", real=True), t)
    forms = [sp.simplify(value), sp.simplify(sp.expand_log(value, force=True)),
             sp.simplify(sp.expand_log(sp.expand(value), force=True)),
             -sp.log(sp.factor(sp.simplify(sp.exp(-value))))]
    value = min(forms, key=sp.count_ops)
    inside = sp.And(*([t > dom.start] if dom.start.is_finite else []),
                    *([t < dom.end] if dom.end.is_finite else []))
    pieces = [(value, inside)]
    if dom.start.is_finite:
        pieces.append((-sp.limit(fu, up, 0, "+"), t <= dom.start))
    if dom.end.is_finite:
        edge = sp.limit(dom.end * up - fu, up, sp.oo)
        if edge.is_finite:
            pieces.append((edge, sp.Eq(t, dom.end)))
        pieces.append((sp.oo, True))
    return value if len(pieces) == 1 else sp.Piecewise(*pieces)


_u = sp.Symbol("u", positive=True)
_t = sp.Symbol("t", real=True)
_v = sp.Symbol("v", real=True)

#: Generator functions f(u) of the f-divergences D_f(P‖Q) = ∫ q f(p/q) used by f-GAN
#: (Nowozin, Cseke & Tomioka 2016, Table 1).  Note: with the "js" generator
#: f(u) = u log u − (u+1) log((1+u)/2), D_f = 2·JS in this book's ½-convention.
F_GENERATORS = {
    "kl": _u * sp.log(_u),
    "reverse_kl": -sp.log(_u),
    "pearson": (_u - 1) ** 2,
    "neyman": (1 - _u) ** 2 / _u,
    "hellinger": (sp.sqrt(_u) - 1) ** 2,
    "js": -(_u + 1) * sp.log((1 + _u) / 2) + _u * sp.log(_u),
    "gan": _u * sp.log(_u) - (_u + 1) * sp.log(_u + 1),
}

#: The conjugates f*(t) as the paper's Table 2 prints them (in t), for comparison with
#: ``fenchel_conjugate``; and the output activations g_f(v) that map a network's raw output
#: v into the domain of f*.
PAPER_CONJUGATES = {
    "kl": sp.exp(_t - 1),
    "reverse_kl": -1 - sp.log(-_t),
    "pearson": _t ** 2 / 4 + _t,
    "neyman": 2 - 2 * sp.sqrt(1 - _t),
    "hellinger": _t / (1 - _t),
    "js": -sp.log(2 - sp.exp(_t)),
    "gan": -sp.log(1 - sp.exp(_t)),
}
OUTPUT_ACTIVATIONS = {
    "kl": _v,
    "reverse_kl": -sp.exp(-_v),
    "pearson": _v,
    "neyman": 1 - sp.exp(-_v),
    "hellinger": 1 - sp.exp(-_v),
    "js": sp.log(2) - sp.log(1 + sp.exp(-_v)),
    "gan": -sp.log(1 + sp.exp(-_v)),
}


def f_generator(name):
    """The generator function f(u) (a sympy expression in u > 0) of a named f-divergence."""
    if name not in F_GENERATORS:
        raise ValueError(f"name must be one of {sorted(F_GENERATORS)}, got {name!r}")
    return F_GENERATORS[name]


def optimal_critic(name):
    """T*(x) = f'(p(x)/q(x)) as a numpy function of the two densities: the variational
    function at which the f-divergence lower bound is tight."""
    fprime = sp.lambdify(_u, sp.diff(f_generator(name), _u), "numpy")

    def t_star(p_x, q_x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return fprime(np.asarray(p_x, float) / np.asarray(q_x, float))
    return t_star


