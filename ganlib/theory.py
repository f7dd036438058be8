"""The truth that learned models are checked against.

Two kinds of truth live here:

* numerical divergences between 1-D distributions from ``ganlib.data`` (``kl``, ``js``,
  ``tv``, ``w1``, ``pearson_chi2``, ``f_divergence``), computed by adaptive quadrature
  (``scipy.integrate.quad``) over the supports, split where the densities change shape;
* symbolic derivations (sympy) that the chapters display step by step.

Conventions: natural logarithms (nats) throughout, and the Jensen–Shannon divergence *with*
its ½ factors, JS(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q), so that 0 ≤ JS ≤ log 2.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import sympy as sp
from scipy import integrate

from . import _lang
from ._checks import check_positive
from .data import Distribution1D

__all__ = ["kl", "js", "tv", "w1", "pearson_chi2", "f_divergence", "minimax_value",
           "optimal_discriminator", "Derivation", "proposition1", "virtual_training_criterion",
           "criterion_on_pieces", "fenchel_conjugate", "conjugate_domain", "F_GENERATORS",
           "PAPER_CONJUGATES", "OUTPUT_ACTIVATIONS", "f_generator", "optimal_critic",
           "conjugate_derivation", "w1_primal", "w1_dual", "parallel_lines_derivation",
           "lsgan_criterion", "lsgan_derivation", "nonsaturating_derivation",
           "expected_log_d", "w1_points", "w1_points_dual", "lipschitz_extension",
           "LipschitzExtension", "ls_gan_nonparametric", "NonparametricLoss"]

_QUAD = dict(limit=500, epsabs=1e-11, epsrel=1e-9)


# --------------------------------------------------------------------------- numerics
def _check_pair(p, q):
    for name, d in (("p", p), ("q", q)):
        if not isinstance(d, Distribution1D):
            raise TypeError(f"{name} must be a 1-D distribution from ganlib.data "
                            f"(gaussian, uniform, mixture), got {type(d).__name__}")


def _covers(outer, inner):
    """Is every interval of ``inner`` inside the union of ``outer``?"""
    return all(any(lo >= a and hi <= b for a, b in outer) for lo, hi in inner)


def _cuts(*dists):
    pts = set()
    for d in dists:
        for b in d.breakpoints():
            pts.add(b)
        for comp in getattr(d, "components", [d]):
            if hasattr(comp, "std"):  # Gaussians: resolve the peak and the shoulders
                pts.update(comp.mu + k * comp.std for k in (-8, -3, -1, 1, 3, 8))
    return sorted(p for p in pts if math.isfinite(p))


class QuadratureWarning(RuntimeWarning):
    """A quadrature could not reach its tolerance: the message gives scipy's error estimate."""


def _integrate(fn, intervals, cuts):
    """∫ fn over a union of intervals, split at ``cuts``; infinite ends allowed.  A piece on
    which scipy's quad cannot reach its tolerance is retried with more subintervals; if its
    error estimate is still large, a :class:`QuadratureWarning` says so (never hidden)."""
    total, lost = 0.0, []
    for lo, hi in intervals:
        edges = [lo] + [c for c in cuts if lo < c < hi] + [hi]
        for a, b in zip(edges[:-1], edges[1:]):
            if a == b:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("error", integrate.IntegrationWarning)
                try:
                    val, _ = integrate.quad(fn, a, b, **_QUAD)
                except integrate.IntegrationWarning as first:
                    warnings.simplefilter("ignore", integrate.IntegrationWarning)
                    val, err = integrate.quad(fn, a, b, limit=2000)
                    if not err <= max(1.5e-8, 1e-6 * abs(val)):      # quad's own default target
                        lost.append((err, a, b, str(first).strip().splitlines()[0]))
            total += val
    if lost:
        err, a, b, why = max(lost)
        warnings.warn(f"quadrature lost accuracy on {len(lost)} piece(s) of the integral: error "
                      f"estimate up to {err:.2g} (on [{a:.4g}, {b:.4g}]: {why})",
                      QuadratureWarning, stacklevel=3)
    return total


def _density_terms(p, q, x):
    lp, lq = p.logpdf(x), q.logpdf(x)
    return lp, lq, np.exp(lp), np.exp(lq)


def kl(p, q):
    """KL(P‖Q) = ∫ p log(p/q); +inf when P puts mass where Q has none."""
    _check_pair(p, q)
    if not _covers(q.support, p.support):
        return math.inf

    def fn(x):
        lp, lq, pp, _ = _density_terms(p, q, x)
        return pp * (lp - lq) if pp > 0 else 0.0
    return max(_integrate(fn, p.support, _cuts(p, q)), 0.0)


def js(p, q):
    """JS(P‖Q) = ½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2, in nats; in [0, log 2]."""
    _check_pair(p, q)

    def fn(x):
        lp, lq, pp, qq = _density_terms(p, q, x)
        lm = np.logaddexp(lp, lq) - math.log(2)
        out = 0.0
        if pp > 0:
            out += 0.5 * pp * (lp - lm)
        if qq > 0:
            out += 0.5 * qq * (lq - lm)
        return out
    from .data import _union
    val = _integrate(fn, _union(p.support + q.support), _cuts(p, q))
    return min(max(val, 0.0), math.log(2))


def tv(p, q):
    """Total variation sup_A |P(A) − Q(A)| = ½∫|p − q|; in [0, 1]."""
    _check_pair(p, q)
    from .data import _union

    def fn(x):
        return abs(p.pdf(x) - q.pdf(x))
    return min(0.5 * _integrate(fn, _union(p.support + q.support), _cuts(p, q)), 1.0)


def w1(p, q):
    """Earth-Mover distance in 1-D: W1(P, Q) = ∫|F_P(x) − F_Q(x)| dx."""
    _check_pair(p, q)
    ends = [e for iv in p.support + q.support for e in iv]
    hull = [(min(ends), max(ends))]

    def fn(x):
        return abs(float(p.cdf(x)) - float(q.cdf(x)))
    return _integrate(fn, hull, _cuts(p, q))


def pearson_chi2(p, q):
    """Pearson χ²(P‖Q) = ∫ (p − q)²/q; +inf when P puts mass where Q has none."""
    _check_pair(p, q)
    if not _covers(q.support, p.support):
        return math.inf

    def fn(x):
        lp, lq, _, qq = _density_terms(p, q, x)
        if qq == 0:
            return 0.0
        return qq * np.expm1(min(lp - lq, 700.0)) ** 2
    return _integrate(fn, q.support, _cuts(p, q))


def _as_function(f):
    """A generator function f(u) given as a sympy expression in one symbol, or a callable."""
    if isinstance(f, sp.Lambda):
        (u,), expr = f.signature, f.expr
    elif isinstance(f, sp.Expr):
        free = sorted(f.free_symbols, key=str)
        if len(free) != 1:
            raise ValueError(f"f must be a sympy expression in exactly one symbol, got {f}")
        u, expr = free[0], f
    elif callable(f):
        return f, None, None
    else:
        raise TypeError(f"f must be a sympy expression in u or a callable, got {type(f).__name__}")
    upos = sp.Symbol("u", positive=True)
    expr = expr.subs(u, upos)
    return sp.lambdify(upos, expr, "math"), expr, upos


def f_divergence(p, q, f):
    """D_f(P‖Q) = ∫ q f(p/q) for convex f with f(1) = 0.

    ``f`` is a sympy expression in one symbol u (or a ``sympy.Lambda``), or a Python callable.
    Where q = 0 < p the integrand's limit p·f'(∞), f'(∞) = lim f(u)/u, is added (this needs
    ``f`` as a sympy expression); where p = 0 < q the limit f(0⁺) is used.
    """
    _check_pair(p, q)
    fn_f, expr, u = _as_function(f)
    outside = 1.0 - sum(float(p.cdf(b) - p.cdf(a)) for a, b in q.support)
    if outside > 1e-12 and expr is None:
        raise ValueError("P has mass outside Q's support: pass f as a sympy expression so "
                         "that f'(inf) = lim f(u)/u can be taken")
    if expr is not None:
        f0 = float(sp.limit(expr, u, 0, "+"))
    else:
        with np.errstate(all="ignore"):
            f0 = float(fn_f(1e-300))  # f(0+) for a callable

    def fn(x):
        lp, lq, pp, qq = _density_terms(p, q, x)
        if lq == -np.inf:
            return 0.0
        if lp == -np.inf:
            return qq * f0
        # u = p/q from log densities, so that far tails do not round p to 0 (f(0) may be ∞)
        return qq * fn_f(math.exp(min(max(lp - lq, -700.0), 700.0)))
    total = _integrate(fn, q.support, _cuts(p, q))
    if outside > 1e-12:
        slope = sp.limit(expr / u, u, sp.oo)
        total += outside * float(slope) if slope.is_finite else math.inf
    return total


def minimax_value(p, q, d=None):
    """V(D, G) = E_p[log D] + E_q[log(1 − D)] by quadrature; ``d`` defaults to D* = p/(p+q)."""
    _check_pair(p, q)
    from .data import _union

    def fn(x):
        lp, lq, pp, qq = _density_terms(p, q, x)
        if d is None:
            ld = lp - np.logaddexp(lp, lq)
            l1 = lq - np.logaddexp(lp, lq)
        else:
            dx = float(np.asarray(d(np.array([x]))).ravel()[0])
            ld, l1 = math.log(dx) if dx > 0 else -math.inf, math.log1p(-dx) if dx < 1 else -math.inf
        return (pp * ld if pp > 0 else 0.0) + (qq * l1 if qq > 0 else 0.0)
    return _integrate(fn, _union(p.support + q.support), _cuts(p, q))


def d_star_minimax(p_x, q_x):
    """Goodfellow et al. (2014), Proposition 1: D*(x) = p(x) / (p(x) + q(x)) from the two
    densities at x (½ where both vanish)."""
    p_x, q_x = np.asarray(p_x, float), np.asarray(q_x, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p_x + q_x > 0, p_x / (p_x + q_x), 0.5)


def d_star_least_squares(p_x, q_x, a, b):
    """Mao et al. (2017), Proposition 1: D*(x) = (b·p(x) + a·q(x)) / (p(x) + q(x)) for the
    labels a (fake) and b (real); (a + b)/2 where both densities vanish."""
    p_x, q_x = np.asarray(p_x, float), np.asarray(q_x, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p_x + q_x > 0, (b * p_x + a * q_x) / (p_x + q_x), (a + b) / 2)


def optimal_discriminator(p, q, objective=None):
    """The discriminator that maximises the objective pointwise, as a function of x (numpy).

    For the minimax objective (the default) D*(x) = p(x) / (p(x) + q(x)); any objective with a
    method ``optimal_discriminator(p_x, q_x)`` supplies its own formula (each calls one of the
    formulas here: this module never imports the objectives it checks). A formula must depend on
    the densities through their ratio only: it is called with both rescaled, from log densities.
    """
    _check_pair(p, q)
    rule = d_star_minimax if objective is None else getattr(objective, "optimal_discriminator", None)
    if rule is None:
        raise TypeError(f"{type(objective).__name__} has no optimal_discriminator(p_x, q_x)")

    def d_star(x):
        # every rule is a function of the ratio p/q only, so both densities may be rescaled by
        # the larger of them: in log space nothing underflows in the tails, where both pdfs are 0
        # in floating point but their ratio is not 1
        x = np.asarray(x, dtype=float)
        lp, lq = p.logpdf(x), q.logpdf(x)
        top = np.maximum(lp, lq)
        outside = np.isneginf(top)                     # outside both supports: the rule's own value
        with np.errstate(invalid="ignore"):
            top = np.where(outside, 0.0, top)
            p_x, q_x = np.exp(lp - top), np.exp(lq - top)
        return rule(p_x, q_x)
    return d_star


# --------------------------------------------------------------------------- symbolic
class Derivation:
    """Named steps of a sympy derivation; ``show()`` typesets them with captions."""

    def __init__(self, title):
        self.title = title
        self.steps = []  # (key, caption dict, latex string)
        self.values = {}

    def add(self, key, en, zh, latex, value=None):
        self.steps.append((key, {"en": en, "zh": zh}, latex))
        self.values[key] = value
        return value

    def __getitem__(self, key):
        return self.values[key]

    def _repr_markdown_(self):
        lang = _lang.get()
        return "\n\n".join(f"**{i}.** {cap[lang]}\n\n$$\n{tex}\n$$"
                           for i, (_, cap, tex) in enumerate(self.steps, 1))

    def show(self):
        from IPython.display import Markdown, display
        display(Markdown(self._repr_markdown_()))


def proposition1():
    """Goodfellow et al. (2014), Proposition 1: the pointwise maximiser of a·log y + b·log(1−y)."""
    a, b = sp.symbols("a b", positive=True)
    y = sp.Symbol("y", positive=True)
    d = Derivation("proposition1")
    f = d.add("objective", "For a fixed $x$, with $a = p_{data}(x)$ and $b = p_g(x)$, the value $y = D(x)$ maximises",
              "固定 $x$，记 $a = p_{data}(x)$，$b = p_g(x)$，$y = D(x)$ 要使下式最大",
              r"f(y) = " + sp.latex(a * sp.log(y) + b * sp.log(1 - y)),
              a * sp.log(y) + b * sp.log(1 - y))
    df = sp.together(sp.diff(f, y))
    d.add("derivative", "Its derivative", "求导",
          r"f'(y) = " + sp.latex(sp.diff(f, y)) + " = " + sp.latex(df), df)
    (y_star,) = sp.solve(sp.Eq(sp.diff(f, y), 0), y)
    d.add("critical_point", "The only critical point in $(0, 1)$", "$(0, 1)$ 内唯一的驻点",
          r"y^* = " + sp.latex(y_star), y_star)
    d2 = sp.diff(f, y, 2)
    d2_at = sp.factor(sp.simplify(d2.subs(y, y_star)))
    d.add("second_derivative", "The second derivative is negative on all of $(0, 1)$, so $y^*$ is the maximum",
          "二阶导数在整个 $(0, 1)$ 上为负，所以 $y^*$ 是最大值点",
          r"f''(y) = " + sp.latex(d2) + r" < 0, \qquad f''(y^*) = " + sp.latex(d2_at), d2_at)
    p, q = sp.symbols("p_{data} p_g", positive=True)
    d.add("optimal_d", "Substituting $a = p_{data}(x)$, $b = p_g(x)$", "代回 $a = p_{data}(x)$，$b = p_g(x)$",
          r"D^*_G(x) = " + sp.latex(y_star.subs({a: p, b: q})), y_star.subs({a: p, b: q}))
    return d


def virtual_training_criterion():
    """C(G) = max_D V(D, G) = −log 4 + 2·JS(p_data‖p_g), derived pointwise in sympy."""
    p, q = sp.symbols("p_{data} p_g", positive=True)
    m = (p + q) / 2
    d = Derivation("virtual_training_criterion")
    dstar = p / (p + q)
    integrand = p * sp.log(dstar) + q * sp.log(1 - dstar)
    d.add("substitute", "Put $D^*$ into the integrand of $V(D, G)$", "把 $D^*$ 代入 $V(D, G)$ 的被积函数",
          r"p_{data}\log D^* + p_g \log(1-D^*) = " + sp.latex(sp.simplify(integrand)),
          integrand)
    rewritten = (-(p + q) * sp.log(2) + p * sp.log(p / m) + q * sp.log(q / m))
    diff = sp.simplify(sp.expand_log(integrand - rewritten, force=True))
    d.add("rewrite", "Multiply and divide by 2 inside each log: the difference simplifies to",
          "在每个对数里乘以 2 再除以 2：两种写法之差化简为",
          r"\Big[\text{integrand}\Big] - \Big[-(p_{data}+p_g)\log 2 + p_{data}\log\frac{p_{data}}{m}"
          r" + p_g\log\frac{p_g}{m}\Big] = " + sp.latex(diff) + r",\quad m = \tfrac{p_{data}+p_g}{2}",
          diff)
    d.add("integrate", "Integrate over $x$: $\\int (p_{data} + p_g)\\,dx = 2$, and each remaining term is a KL divergence",
          "对 $x$ 积分：$\\int (p_{data} + p_g)\\,dx = 2$，其余两项各是一个 KL 散度",
          r"C(G) = -2\log 2 + \mathrm{KL}(p_{data}\,\|\,m) + \mathrm{KL}(p_g\,\|\,m)"
          r" = -\log 4 + 2\,\mathrm{JS}(p_{data}\,\|\,p_g)",
          -sp.log(4))
    d.add("minimum", "$\\mathrm{JS} \\ge 0$, with equality if and only if $p_g = p_{data}$, so the global minimum is",
          "$\\mathrm{JS} \\ge 0$，当且仅当 $p_g = p_{data}$ 时取等号，所以全局最小值为",
          r"C^* = -\log 4 \approx " + f"{float(-sp.log(4)):.4f}", -sp.log(4))
    return d


def criterion_on_pieces(pieces, x=None):
    """Exact C(G) and JS for piecewise densities, by sympy.

    ``pieces`` is a list of ``(lo, hi, p_expr, q_expr)``: on [lo, hi] the densities are the
    given sympy expressions in ``x`` (a symbol; default ``sympy.Symbol('x')``).  Returns
    ``(C, JS)``, both exact, with C = ∫ p log D* + q log(1 − D*).
    """
    x = x or sp.Symbol("x")
    C = JS = sp.Integer(0)
    for lo, hi, pe, qe in pieces:
        pe, qe = sp.sympify(pe), sp.sympify(qe)
        me = (pe + qe) / 2
        c_int = (0 if pe == 0 else pe * sp.log(pe / (pe + qe))) + (0 if qe == 0 else qe * sp.log(qe / (pe + qe)))
        j_int = ((0 if pe == 0 else pe * sp.log(pe / me)) + (0 if qe == 0 else qe * sp.log(qe / me))) / 2
        C += sp.integrate(c_int, (x, lo, hi))
        JS += sp.integrate(j_int, (x, lo, hi))
    return sp.expand_log(sp.simplify(C), force=True), sp.expand_log(sp.simplify(JS), force=True)


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


def conjugate_derivation(f, u, t):
    """The steps of f*(t) = sup_{u>0} [t·u − f(u)] for a differentiable strictly convex f."""
    up = sp.Symbol("u", positive=True)
    fu = f.subs(u, up)
    d = Derivation("conjugate")
    d.add("objective", "The conjugate is a supremum over $u > 0$",
          "共轭函数是对 $u > 0$ 取上确界", r"f^*(t) = \sup_{u > 0}\; " + sp.latex(t * up - fu), t * up - fu)
    grad = sp.simplify(t - sp.diff(fu, up))
    d.add("stationary", "Set the derivative in $u$ to zero", "令对 $u$ 的导数为零",
          sp.latex(grad) + " = 0", grad)
    fstar = fenchel_conjugate(f, u, t)
    inside = fstar.args[0][0] if isinstance(fstar, sp.Piecewise) else fstar
    dom = conjugate_domain(f, u)
    d.add("result", "Substitute the maximiser back; the supremum is attained for $t$ in the range of $f'$",
          "把最大值点代回；当 $t$ 位于 $f'$ 的值域内时上确界可以取到",
          r"f^*(t) = " + sp.latex(inside) + r", \qquad t \in " + sp.latex(dom), fstar)
    return d


# --------------------------------------------------------------------------- optimal transport
def _check_discrete(x, a, name_x, name_a):
    x, a = np.asarray(x, float).ravel(), np.asarray(a, float).ravel()
    if x.shape != a.shape or x.size == 0:
        raise ValueError(f"{name_x} and {name_a} must be non-empty and of the same length")
    if np.any(a < 0) or not math.isclose(a.sum(), 1.0, rel_tol=1e-9):
        raise ValueError(f"{name_a} must be non-negative weights that sum to 1")
    return x, a


def w1_primal(x, a, y, b):
    """W1 between discrete distributions Σ a_i δ(x_i) and Σ b_j δ(y_j) on the line, as the
    optimal-transport linear program min_γ Σ γ_ij |x_i − y_j| over couplings γ (scipy linprog).
    Returns ``(value, plan)`` with ``plan[i, j]`` the mass moved from x_i to y_j."""
    from scipy.optimize import linprog
    x, a = _check_discrete(x, a, "x", "a")
    y, b = _check_discrete(y, b, "y", "b")
    n, m = len(x), len(y)
    cost = np.abs(x[:, None] - y[None, :]).ravel()
    rows = np.zeros((n, n * m))
    cols = np.zeros((m, n * m))
    for i in range(n):
        rows[i, i * m:(i + 1) * m] = 1
    for j in range(m):
        cols[j, j::m] = 1
    res = linprog(cost, A_eq=np.vstack([rows, cols]), b_eq=np.concatenate([a, b]),
                  bounds=(0, None), method="highs")
    if not res.success:  # pragma: no cover - a feasible bounded LP always solves
        raise RuntimeError(res.message)
    return float(res.fun), res.x.reshape(n, m)


def w1_dual(x, a, y, b):
    """Kantorovich–Rubinstein: W1 = max_f Σ a_i f(x_i) − Σ b_j f(y_j) over 1-Lipschitz f,
    as a linear program on the union of the support points (scipy linprog).
    Returns ``(value, points, f)`` with f(points) normalised so that f(points[0]) = 0."""
    from scipy.optimize import linprog
    x, a = _check_discrete(x, a, "x", "a")
    y, b = _check_discrete(y, b, "y", "b")
    z = np.unique(np.concatenate([x, y]))
    w = np.zeros(len(z))
    np.add.at(w, np.searchsorted(z, x), a)
    np.add.at(w, np.searchsorted(z, y), -b)
    k = len(z)
    A, rhs = [], []
    for i in range(k):
        for j in range(k):
            if i != j:                        # f_i − f_j ≤ |z_i − z_j|
                row = np.zeros(k)
                row[i], row[j] = 1, -1
                A.append(row)
                rhs.append(abs(z[i] - z[j]))
    bounds = [(0, 0)] + [(None, None)] * (k - 1)
    res = linprog(-w, A_ub=np.array(A), b_ub=np.array(rhs), bounds=bounds, method="highs")
    if not res.success:  # pragma: no cover
        raise RuntimeError(res.message)
    return float(-res.fun), z, res.x


def _points(x, name):
    """Samples as a float array [n, d] (a 1-D array is n points on the line)."""
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers") from None
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [n] or [n, d], got {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    return x


def _check_clouds(x, y):
    x, y = _points(x, "x"), _points(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must be point sets of the same shape [n, d], got "
                         f"{x.shape} and {y.shape}")
    return x, y


def w1_points(x, y):
    """Exact W1 between the empirical distributions of two equal-size point sets in R^d
    (Euclidean cost, weight 1/n each).  An optimal coupling of two uniform n-point measures
    can be taken to be a permutation (Birkhoff), so it is an assignment problem (scipy's
    ``linear_sum_assignment``).  Returns ``(value, perm)``: x[i] is moved to y[perm[i]]."""
    from scipy.optimize import linear_sum_assignment
    x, y = _check_clouds(x, y)
    cost = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean()), cols


def w1_points_dual(x, y):
    """The Kantorovich–Rubinstein side of :func:`w1_points`: max (1/n)Σ f(x_i) − (1/n)Σ f(y_j)
    over functions that are 1-Lipschitz on the 2n points (a linear program, scipy linprog).
    Returns ``(value, f_x, f_y)``; extend f to the whole space with
    :func:`lipschitz_extension`."""
    from scipy.optimize import linprog
    x, y = _check_clouds(x, y)
    pts, n = np.vstack([x, y]), len(x)
    k = len(pts)
    dist = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=-1)
    i, j = np.nonzero(~np.eye(k, dtype=bool))
    A = np.zeros((len(i), k))
    A[np.arange(len(i)), i], A[np.arange(len(i)), j] = 1.0, -1.0     # f_i − f_j ≤ ‖p_i − p_j‖
    c = np.concatenate([-np.ones(n), np.ones(n)]) / n
    bounds = [(0, 0)] + [(None, None)] * (k - 1)                     # f is defined up to a constant
    res = linprog(c, A_ub=A, b_ub=dist[i, j], bounds=bounds, method="highs")
    if not res.success:  # pragma: no cover - bounded and feasible
        raise RuntimeError(res.message)
    return float(-res.fun), res.x[:n], res.x[n:]


class LipschitzExtension:
    """f(u) = min_i (values_i + k·‖u − points_i‖): the largest k-Lipschitz function that takes
    ``values`` at ``points`` (McShane–Whitney); ``lower(u)`` = max_i (values_i − k·‖u − points_i‖)
    is the smallest.  The norm is Euclidean (``ord=2``) or L1 (``ord=1``).  ``grad(u)`` is the
    gradient of f, defined wherever the minimum is attained by one point that u does not
    coincide with."""

    def __init__(self, points, values, k, ord=2):
        self.points, self.values, self.k, self.ord = points, values, k, ord

    def _diffs(self, u):
        u = np.asarray(u, float).reshape(-1, self.points.shape[1])
        diff = u[:, None, :] - self.points[None, :, :]
        return diff, np.linalg.norm(diff, ord=self.ord, axis=-1)

    def __call__(self, u):
        _, d = self._diffs(u)
        return (self.values[None, :] + self.k * d).min(axis=1)

    def lower(self, u):
        _, d = self._diffs(u)
        return (self.values[None, :] - self.k * d).max(axis=1)

    def grad(self, u):
        diff, d = self._diffs(u)
        i = (self.values[None, :] + self.k * d).argmin(axis=1)
        diff = diff[np.arange(len(i)), i]
        if self.ord == 1:
            return self.k * np.sign(diff)
        return self.k * diff / np.maximum(np.linalg.norm(diff, axis=1, keepdims=True), 1e-300)


def lipschitz_extension(points, values, k=1.0, ord=2):
    """Extend ``values`` given at ``points`` ([n, d] or [n]) to a k-Lipschitz function on R^d
    (see :class:`LipschitzExtension`), for the Euclidean (``ord=2``) or L1 (``ord=1``) norm.
    The values must be k-Lipschitz on the points."""
    points = np.asarray(points, float)
    points = points[:, None] if points.ndim == 1 else points
    values = np.asarray(values, float).ravel()
    if points.ndim != 2 or len(points) != len(values) or len(values) == 0:
        raise ValueError(f"points ([n, d]) and values ([n]) must match, got {points.shape} "
                         f"and {values.shape}")
    k = check_positive(k, "k")
    if ord not in (1, 2):
        raise ValueError(f"ord must be 1 or 2, got {ord!r}")
    gaps = np.abs(values[:, None] - values[None, :])
    dist = np.linalg.norm(points[:, None, :] - points[None, :, :], ord=ord, axis=-1)
    if np.any(gaps > k * dist + 1e-9 * (1 + np.abs(values).max())):
        raise ValueError(f"values are not {k:g}-Lipschitz on the points: no such extension")
    return LipschitzExtension(points, values, k, ord)


def parallel_lines_derivation():
    """The WGAN paper's Example 1, P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0, 1], in sympy."""
    th = sp.Symbol("theta", real=True)
    z = sp.Symbol("z")
    d = Derivation("parallel_lines")
    w = sp.Abs(th) * sp.integrate(1, (z, 0, 1))
    d.add("w1", "Move every point $(0, z)$ straight across to $(\\theta, z)$; no plan can do better, "
          "since $W_1 \\ge |\\mathbb{E}_{P_0}[x_1] - \\mathbb{E}_{P_\\theta}[x_1]| = |\\theta|$",
          "把每个点 $(0, z)$ 水平移到 $(\\theta, z)$；没有哪个方案能更好，因为 "
          "$W_1 \\ge |\\mathbb{E}_{P_0}[x_1] - \\mathbb{E}_{P_\\theta}[x_1]| = |\\theta|$",
          r"W(P_0, P_\theta) = \int_0^1 |\theta|\, dz = " + sp.latex(w), w)
    # for θ ≠ 0 the two lines are disjoint: on line 0, p0 = 1, pθ = 0, m = 1/2 (densities in z)
    kl_pm = sp.integrate(1 * sp.log(1 / sp.Rational(1, 2)), (z, 0, 1))
    js = sp.simplify((kl_pm + kl_pm) / 2)
    d.add("js", "For $\\theta \\neq 0$ the lines are disjoint; on each line $M$ has half the "
          "density, so each KL term is $\\log 2$",
          "当 $\\theta \\neq 0$ 时两条线不相交；在每条线上 $M$ 的密度只有一半，所以每个 KL 项都是 $\\log 2$",
          r"\mathrm{JS}(P_0 \,\|\, P_\theta) = \tfrac12 \int_0^1 1\cdot\log\frac{1}{1/2}\,dz"
          r" + \tfrac12 \int_0^1 1\cdot\log\frac{1}{1/2}\,dz = " + sp.latex(js), js)
    # KL: on line 0, p0 = 1 against a density eps of P_theta that tends to 0
    eps = sp.Symbol("epsilon", positive=True)
    kl = sp.limit(sp.integrate(1 * sp.log(1 / eps), (z, 0, 1)), eps, 0, "+")
    d.add("kl", "$P_0$ puts all its mass where $P_\\theta$ has none",
          "$P_0$ 的全部质量都落在 $P_\\theta$ 没有质量的地方",
          r"\mathrm{KL}(P_0 \,\|\, P_\theta) = \lim_{\epsilon \to 0^+} \int_0^1 1\cdot\log\frac{1}{\epsilon}\,dz = "
          + sp.latex(kl), kl)
    # TV = ½ ∫ |p0 − pθ| over both lines: |1 − 0| on line 0 and |0 − 1| on line θ
    tv = sp.Rational(1, 2) * (sp.integrate(1, (z, 0, 1)) + sp.integrate(1, (z, 0, 1)))
    d.add("tv", "The set $A = \\{0\\} \\times [0, 1]$ has $P_0(A) = 1$, $P_\\theta(A) = 0$",
          "集合 $A = \\{0\\} \\times [0, 1]$ 满足 $P_0(A) = 1$，$P_\\theta(A) = 0$",
          r"\delta(P_0, P_\theta) = \sup_A |P_0(A) - P_\theta(A)| = \tfrac12\int |p_0 - p_\theta| = "
          + sp.latex(tv), tv)
    d.add("zero", "At $\\theta = 0$ the distributions coincide and all four are $0$: only $W$ is "
          "continuous in $\\theta$",
          "当 $\\theta = 0$ 时两个分布重合，四个量都为 $0$：只有 $W$ 关于 $\\theta$ 连续",
          r"W = \mathrm{JS} = \mathrm{KL} = \delta = 0 \quad (\theta = 0)", w.subs(th, 0))
    return d


# --------------------------------------------------------------------------- LSGAN
def lsgan_criterion(p, q, a=-1.0, b=1.0, c=0.0, d=None):
    """2C(G) = E_p[(D − c)²] + E_q[(D − c)²] by quadrature, for LSGAN with labels a, b, c.

    ``p`` is the data, ``q`` the generator's distribution; ``d`` (a function of x) defaults to
    D* = (b·p + a·q)/(p + q).  For b − c = 1, b − a = 2 this is ∫ (p − q)²/(p + q).
    """
    _check_pair(p, q)
    from .data import _union

    def fn(x):
        pp, qq = float(p.pdf(x)), float(q.pdf(x))
        if pp + qq == 0:
            return 0.0
        dx = (b * pp + a * qq) / (pp + qq) if d is None else float(np.asarray(d(np.array([x]))).ravel()[0])
        return (pp + qq) * (dx - c) ** 2
    return _integrate(fn, _union(p.support + q.support), _cuts(p, q))


def lsgan_derivation():
    """Mao et al. (2017), Section 3.2: the optimal D of LSGAN and 2C(G) as a χ² divergence."""
    a, b, c = sp.symbols("a b c", real=True)
    p, q = sp.symbols("p_d p_g", positive=True)
    y = sp.Symbol("y", real=True)
    d = Derivation("lsgan")
    f = sp.Rational(1, 2) * p * (y - b) ** 2 + sp.Rational(1, 2) * q * (y - a) ** 2
    d.add("objective", "For a fixed $x$, write $p_d = p_{data}(x)$, $p_g = p_g(x)$, $y = D(x)$: D minimises the integrand",
          "固定 $x$，记 $p_d = p_{data}(x)$，$p_g = p_g(x)$，$y = D(x)$：判别器要最小化被积函数",
          r"f(y) = " + sp.latex(f), f)
    df = sp.diff(f, y)
    d.add("derivative", "Its derivative", "求导", r"f'(y) = " + sp.latex(sp.collect(sp.expand(df), y)), df)
    (y_star,) = sp.solve(sp.Eq(df, 0), y)
    d.add("optimal_d", "Setting it to zero; $f''(y) = p_d + p_g > 0$, so this is the minimum",
          "令其为零；$f''(y) = p_d + p_g > 0$，所以这是最小值点",
          r"D^*(x) = " + sp.latex(y_star) + r", \qquad f''(y) = " + sp.latex(sp.diff(f, y, 2)), y_star)
    integrand = p * (y_star - c) ** 2 + q * (y_star - c) ** 2
    combined = sp.factor(sp.simplify(integrand))
    d.add("criterion", r"Add to G's loss the term $\tfrac12\mathbb{E}_{data}[(D(x) - c)^2]$, which does not depend on G, and put $D^*$ in: the integrand of $2C(G)$ is",
          r"给生成器的损失加上与 G 无关的一项 $\tfrac12\mathbb{E}_{data}[(D(x) - c)^2]$，再代入 $D^*$：$2C(G)$ 的被积函数为",
          r"p_d\,(D^* - c)^2 + p_g\,(D^* - c)^2 = " + sp.latex(combined), combined)
    rewritten = ((b - c) * (p + q) - (b - a) * q) ** 2 / (p + q)
    diff = sp.simplify(combined - rewritten)
    d.add("rewrite", "Write the numerator around $p_d + p_g$ (the difference of the two forms simplifies to)",
          "把分子改写成以 $p_d + p_g$ 为中心的形式（两种写法之差化简为）",
          r"2C(G) = \int_{\mathcal X} " + sp.latex(rewritten) + r"\,dx, \qquad \text{difference} = " + sp.latex(diff),
          rewritten)
    chi = sp.factor(sp.simplify(rewritten.subs({c: b - 1, a: b - 2})))
    d.add("chi2", "With $b - c = 1$ and $b - a = 2$ (e.g. $a, b, c = -1, 1, 0$) the labels drop out",
          "取 $b - c = 1$、$b - a = 2$（例如 $a, b, c = -1, 1, 0$），标签全部消去",
          r"2C(G) = \int_{\mathcal X} \frac{\big(2p_g - (p_d + p_g)\big)^2}{p_d + p_g}\,dx = \int_{\mathcal X} "
          + sp.latex(chi) + r"\,dx", chi)
    m = (p + q) / 2
    gap = sp.simplify(chi - 2 * (q - m) ** 2 / m)
    d.add("pearson", r"With $m = (p_d + p_g)/2$ and this book's $\chi^2_{P}(P\,\|\,Q) = \int (p - q)^2/q$, the integrand is $2(p_g - m)^2/m$ (their difference is "
          + f"${sp.latex(gap)}$)",
          r"记 $m = (p_d + p_g)/2$，按本书的约定 $\chi^2_{P}(P\,\|\,Q) = \int (p - q)^2/q$，被积函数等于 $2(p_g - m)^2/m$（两者之差为 "
          + f"${sp.latex(gap)}$）",
          r"2C(G) = \chi^2_{P}\big(2p_g \,\|\, p_d + p_g\big) = 2\,\chi^2_{P}\big(p_g \,\|\, m\big)", gap)
    zero_one = sp.factor(sp.simplify(rewritten.subs({a: 0, b: 1, c: 1})))
    d.add("zero_one", "The 0-1 coding $a, b, c = 0, 1, 1$ has $b - c = 0$ instead: not a divergence, but still smallest at $p_g = p_d$ (value ½)",
          "0-1 编码 $a, b, c = 0, 1, 1$ 的 $b - c = 0$：它不是散度，但仍在 $p_g = p_d$ 时最小（值为 ½）",
          r"2C(G) = \int_{\mathcal X} " + sp.latex(zero_one) + r"\,dx", zero_one)
    return d


# --------------------------------------------------------------------------- WGAN
def nonsaturating_derivation():
    """Arjovsky & Bottou (2017), Theorem 2.5: against the optimal D, the non-saturating loss
    E_{p_g}[−log D*] equals KL(p_g‖p_r) − 2·JS(p_r‖p_g) plus terms whose gradient in the
    generator's parameters vanishes (D* held fixed, as backpropagation does)."""
    p, q = sp.symbols("p_r p_g", positive=True)
    d = Derivation("nonsaturating")
    dstar = p / (p + q)
    ratio = sp.simplify((1 - dstar) / dstar)
    d.add("ratio", r"With $D^* = p_r/(p_r + p_g)$ the density ratio is a function of $D^*$",
          r"由 $D^* = p_r/(p_r + p_g)$，密度比可以用 $D^*$ 表示",
          r"\frac{1 - D^*}{D^*} = " + sp.latex(ratio), ratio)
    kl_gap = sp.simplify(sp.expand_log(q * sp.log(q / p) - q * (sp.log(1 - dstar) - sp.log(dstar)),
                                       force=True))
    d.add("kl", r"So the KL divergence of the generator from the data is an expectation of $D^*$ terms (sympy: the integrands differ by "
          + f"${sp.latex(kl_gap)}$)",
          r"因此生成分布相对数据分布的 KL 散度可以写成关于 $D^*$ 的期望（sympy：两边被积函数之差为 "
          + f"${sp.latex(kl_gap)}$）",
          r"\mathrm{KL}(p_g\,\|\,p_r) = \mathbb{E}_{p_g}\Big[\log\frac{p_g}{p_r}\Big]"
          r" = \mathbb{E}_{p_g}[\log(1 - D^*)] - \mathbb{E}_{p_g}[\log D^*]", kl_gap)
    js_integrand = (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q)))   # 2·JS
    js_gap = sp.simplify(sp.expand_log(p * sp.log(dstar) + q * sp.log(1 - dstar)
                                       - (js_integrand - (p + q) * sp.log(2)), force=True))
    d.add("js", r"and Chapter 1 gave the value of the game at $D^*$ (sympy: the integrands differ by "
          + f"${sp.latex(js_gap)}$)",
          r"而第 1 章给出了博弈在 $D^*$ 处的值（sympy：两边被积函数之差为 " + f"${sp.latex(js_gap)}$）",
          r"\mathbb{E}_{p_r}[\log D^*] + \mathbb{E}_{p_g}[\log(1 - D^*)] = 2\,\mathrm{JS}(p_r\,\|\,p_g) - \log 4", js_gap)
    rhs = (q * sp.log(q / p)                                            # KL integrand
           - (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q)))  # 2·JS integrand
           + (p + q) * sp.log(2)                                         # log 4 = ∫ (p + q) log 2
           + p * sp.log(dstar))                                          # E_{p_r}[log D*]
    lhs = -q * sp.log(dstar)
    gap = sp.simplify(sp.expand_log(lhs - rhs, force=True))
    d.add("identity", r"Eliminating $\mathbb{E}_{p_g}[\log(1 - D^*)]$; sympy checks the integrands agree (difference shown)",
          r"消去 $\mathbb{E}_{p_g}[\log(1 - D^*)]$；sympy 验证两边被积函数一致（下式右端为其差）",
          r"\mathbb{E}_{p_g}[-\log D^*] = \mathrm{KL}(p_g\,\|\,p_r) - 2\,\mathrm{JS}(p_r\,\|\,p_g) + \log 4"
          r" + \mathbb{E}_{p_r}[\log D^*], \qquad \text{difference} = " + sp.latex(gap), gap)
    d_fixed = sp.Symbol("D^*", positive=True)             # D* held fixed, as backpropagation does
    frozen = sp.diff(p * sp.log(d_fixed), q)
    d.add("gradient", r"$\log 4$ is constant and $\mathbb{E}_{p_r}[\log D^*]$ does not involve the generator once $D^*$ is fixed (sympy: $\partial\,(p_r \log D^*)/\partial p_g = "
          + sp.latex(frozen) + r"$), so",
          r"$\log 4$ 是常数；$D^*$ 固定后 $\mathbb{E}_{p_r}[\log D^*]$ 与生成器无关（sympy：$\partial\,(p_r \log D^*)/\partial p_g = "
          + sp.latex(frozen) + r"$），所以",
          r"\nabla_\theta\, \mathbb{E}_{z}\big[-\log D^*(g_\theta(z))\big]"
          r" = \nabla_\theta \Big[\mathrm{KL}(p_{g_\theta}\,\|\,p_r) - 2\,\mathrm{JS}(p_r\,\|\,p_{g_\theta})\Big]", frozen)
    return d


def expected_log_d(weight, p, q):
    """E_{x ~ weight}[log D*(x)] with D* = p/(p + q), by quadrature (1-D distributions).

    With ``weight`` different from q this is the expectation under a moved generator while D*
    stays the one for q, which is what the generator's gradient sees."""
    for name, d in (("weight", weight), ("p", p), ("q", q)):
        if not isinstance(d, Distribution1D):
            raise TypeError(f"{name} must be a 1-D distribution from ganlib.data, got {type(d).__name__}")

    def fn(x):
        w = float(weight.pdf(x))
        if w == 0:
            return 0.0
        lp, lq = p.logpdf(x), q.logpdf(x)
        return w * (lp - np.logaddexp(lp, lq))
    return _integrate(fn, weight.support, _cuts(p, q, weight))


def gp_linear_critic_derivation():
    """The gradient penalty's two wells for a linear critic f(x) = a·x between P and Q with
    Δ = μ_Q − μ_P > 0 (the issue of a critic of the wrong sign; cf. Gulrajani et al. 2017,
    Section 4, and the one-sided penalty of Petzka et al. 2018).

    The critic minimises L(a) = E_Q f − E_P f + λ·pen(|a|): ∇f = a everywhere, so the penalty is
    the same at every x̂.  Every stationary point and value below is solved by sympy."""
    a = sp.Symbol("a", real=True)
    s = sp.Symbol("s", positive=True)                     # s = |a|
    delta, lam = sp.symbols("Delta lambda", positive=True)
    d = Derivation("gp_linear_critic")
    loss = a * delta + lam * (sp.Abs(a) - 1) ** 2
    d.add("loss", r"For $f(x) = a\,x$ the data term is $\mathbb{E}_Q f - \mathbb{E}_P f = a\Delta$ and $\|\nabla f\| = |a|$ at every $\hat x$, so the two-sided critic loss is",
          r"对线性评论器 $f(x) = a\,x$，数据项为 $\mathbb{E}_Q f - \mathbb{E}_P f = a\Delta$，且在每个 $\hat x$ 处 $\|\nabla f\| = |a|$，所以双边惩罚下评论器的损失为",
          r"L(a) = " + sp.latex(loss), loss)
    right = -s * delta + lam * (s - 1) ** 2               # a = −s < 0: E_P f − E_Q f = sΔ > 0
    (s_right,) = sp.solve(sp.diff(right, s), s)
    d.add("right_well", r"With the right sign, $a = -s < 0$ (then $\mathbb{E}_P f - \mathbb{E}_Q f = s\Delta > 0$): $dL/ds = 0$ at",
          r"符号正确时 $a = -s < 0$（此时 $\mathbb{E}_P f - \mathbb{E}_Q f = s\Delta > 0$）：$dL/ds = 0$ 的解为",
          r"\frac{dL}{ds} = " + sp.latex(sp.expand(sp.diff(right, s))) + r" = 0 \;\Rightarrow\; s^* = "
          + sp.latex(sp.expand(s_right)) + r", \qquad \frac{d^2L}{ds^2} = " + sp.latex(sp.diff(right, s, 2)), s_right)
    over = sp.expand(s_right * delta)
    d.add("overshoot", r"The critic's estimate there overshoots $\Delta$ by $\Delta^2/(2\lambda)$",
          r"此处评论器的估计值比 $\Delta$ 多出 $\Delta^2/(2\lambda)$",
          r"\mathbb{E}_P f - \mathbb{E}_Q f = s^*\Delta = " + sp.latex(over), over)
    wrong = s * delta + lam * (s - 1) ** 2                # a = +s > 0: the wrong sign
    (s_wrong,) = sp.solve(sp.diff(wrong, s), s)
    d.add("wrong_well", r"With the wrong sign, $a = s > 0$, there is a second stationary point, again a minimum, which lies in $s > 0$ while $\Delta < 2\lambda$",
          r"符号错误时 $a = s > 0$，还有第二个驻点，同样是极小值点；只要 $\Delta < 2\lambda$，它就落在 $s > 0$ 内",
          r"\frac{dL}{ds} = " + sp.latex(sp.expand(sp.diff(wrong, s))) + r" = 0 \;\Rightarrow\; s^\dagger = "
          + sp.latex(sp.expand(s_wrong)) + r", \qquad \frac{d^2L}{ds^2} = " + sp.latex(sp.diff(wrong, s, 2)), s_wrong)
    wrong_est = sp.expand(-s_wrong * delta)
    d.add("wrong_estimate", r"There the estimate is negative: $-\Delta$, offset by the same $\Delta^2/(2\lambda)$",
          r"此处估计值为负：约为 $-\Delta$，偏移量同样是 $\Delta^2/(2\lambda)$",
          r"\mathbb{E}_P f - \mathbb{E}_Q f = -s^\dagger\Delta = " + sp.latex(wrong_est), wrong_est)
    values = (sp.factor(sp.expand(right.subs(s, s_right))), sp.factor(sp.expand(wrong.subs(s, s_wrong))))
    barrier = loss.subs(a, 0)
    d.add("values", r"Both are local minima of $L$, separated by $L(0) = \lambda$; near $a = 0$ the penalty's pull $2\lambda$ outweighs the data term's $\Delta$, so the sign at initialisation chooses the well",
          r"两者都是 $L$ 的局部极小值，中间隔着 $L(0) = \lambda$；在 $a = 0$ 附近，惩罚项的拉力 $2\lambda$ 大于数据项的 $\Delta$，所以初始化时的符号决定了落入哪个阱",
          r"L(-s^*) = " + sp.latex(values[0]) + r", \qquad L(s^\dagger) = " + sp.latex(values[1])
          + r", \qquad L(0) = " + sp.latex(barrier), values)
    one = a * delta + lam * sp.Max(0, sp.Abs(a) - 1) ** 2
    slope_inside = sp.diff((s * delta).subs(s, a), a)     # 0 < a < 1: the penalty is zero
    d.add("one_sided", r"The one-sided penalty $\lambda\max(0, \|\nabla f\| - 1)^2$ is zero for $|a| \le 1$: on $0 < a < 1$ the slope of the loss is $\Delta > 0$, so gradient descent moves $a$ down through 0, and for $a \ge 1$ the slope $\Delta + 2\lambda(a - 1)$ is positive too. The wrong well is gone; only $a = -s^*$ remains",
          r"单边惩罚 $\lambda\max(0, \|\nabla f\| - 1)^2$ 在 $|a| \le 1$ 时为零：在 $0 < a < 1$ 上损失的斜率是 $\Delta > 0$，梯度下降会让 $a$ 一路减小、穿过 0；$a \ge 1$ 时斜率 $\Delta + 2\lambda(a - 1)$ 同样为正。错误的阱消失了，只剩 $a = -s^*$",
          r"L_1(a) = " + sp.latex(one) + r", \qquad \frac{dL_1}{da}\Big|_{0 < a < 1} = " + sp.latex(slope_inside), one)
    return d


# --------------------------------------------------------------------------- LS-GAN
def _l1(a, b):
    """Δ(a, b) = ‖a − b‖₁ for every pair: rows of ``a`` against rows of ``b``."""
    return np.abs(a[:, None, :] - b[None, :, :]).sum(-1)


class NonparametricLoss:
    """The LS-GAN loss function that is optimal over *all* κ-Lipschitz losses L ≥ 0, known
    at the sample points (``l_real``, ``l_fake``), and the envelope of every κ-Lipschitz
    L ≥ 0 with those values: ``lower(x) = max_i (l_i − κΔ(x, x_i))₊`` and
    ``upper(x) = min_i (l_i + κΔ(x, x_i))`` (the McShane–Whitney extensions; both are
    themselves optimal).  Δ is the L1 distance.  Made by :func:`ls_gan_nonparametric`."""

    def __init__(self, real, fake, l_real, l_fake, objective, lam, kappa, cost):
        self.real, self.fake = real, fake
        self.l_real, self.l_fake = l_real, l_fake
        self.objective, self.lam, self.kappa, self.cost = objective, lam, kappa, cost

    @property
    def points(self):
        return np.concatenate([self.real, self.fake])

    @property
    def values(self):
        return np.concatenate([self.l_real, self.l_fake])

    def _extension(self, x):
        x = _points(x, "x")
        if x.shape[1] != self.real.shape[1]:
            raise ValueError(f"x must have {self.real.shape[1]} coordinate(s) per point, "
                             f"got {x.shape[1]}")
        return LipschitzExtension(self.points, self.values, self.kappa, ord=1), x

    def lower(self, x):
        """The smallest κ-Lipschitz L ≥ 0 taking the optimal values at the samples."""
        ext, x = self._extension(x)
        return np.maximum(ext.lower(x), 0.0)

    def upper(self, x):
        """The largest κ-Lipschitz L taking the optimal values at the samples."""
        ext, x = self._extension(x)
        return ext(x)

    def __repr__(self):
        return (f"NonparametricLoss(n_real={len(self.real)}, n_fake={len(self.fake)}, "
                f"lam={self.lam:g}, kappa={self.kappa:g}, cost={self.cost!r}, "
                f"objective={self.objective:.6g})")


def ls_gan_nonparametric(real, fake, lam, kappa=1.0, cost="hinge"):
    """Qi (2017), the non-parametric LS-GAN: the optimal loss over all κ-Lipschitz L ≥ 0,
    as a linear program on the samples (scipy ``linprog``, HiGHS).

    With Δ(x, z) = ‖x − z‖₁ and every real sample ``real[i]`` paired with every generated
    sample ``fake[j]`` (the empirical version of the expectation over independent x and z),
    the loss values l at the n + m sample points minimise

        (1/λ)·(1/n) Σ_i l(x_i) + (1/(n m)) Σ_ij C(Δ(x_i, z_j) + l(x_i) − l(z_j)),

    subject to l ≥ 0 and |l(a) − l(b)| ≤ κ·Δ(a, b) for all sample points a, b.  This is the
    paper's S = E L(x) + λ·E C(·) divided by λ, the weighting γ = 1/λ of the author's code
    (``objectives.LossSensitive(gamma=...)``); ``lam=math.inf`` drops the first term.
    ``cost="hinge"`` is LS-GAN's C(a) = (a)₊ (slack variables ξ_ij ≥ 0); ``cost="linear"`` is
    the generalised LS-GAN's C(a) = a, for which, with ``lam=math.inf``, the optimum is
    E Δ − κ·W1 (Kantorovich–Rubinstein).  ``real`` and ``fake`` are arrays [n] (points on the
    line) or [n, d].  On the line only neighbouring points need a Lipschitz constraint;
    in d > 1 every pair gets one.  Returns a :class:`NonparametricLoss`.
    """
    import numbers

    from scipy import sparse
    from scipy.optimize import linprog
    real, fake = _points(real, "real"), _points(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake must have the same number of coordinates, got "
                         f"{real.shape[1]} and {fake.shape[1]}")
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real):
        raise TypeError(f"lam must be a real number, got {type(lam).__name__} {lam!r}")
    lam = float(lam)
    if not lam > 0:
        raise ValueError(f"lam must be positive (math.inf allowed), got {lam}")
    if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real):
        raise TypeError(f"kappa must be a real number, got {type(kappa).__name__} {kappa!r}")
    kappa = float(kappa)
    if not (math.isfinite(kappa) and kappa > 0):
        raise ValueError(f"kappa must be positive and finite, got {kappa}")
    if cost not in ("hinge", "linear"):
        raise ValueError(f"cost must be 'hinge' or 'linear', got {cost!r}")

    n, m = len(real), len(fake)
    k = n + m
    pts = np.concatenate([real, fake])
    delta = _l1(real, fake)                                   # [n, m]
    gamma = 0.0 if math.isinf(lam) else 1.0 / lam
    # Lipschitz rows: l_a − l_b ≤ κΔ(a, b) and l_b − l_a ≤ κΔ(a, b)
    if pts.shape[1] == 1:
        order = np.argsort(pts[:, 0], kind="stable")
        a, b = order[:-1], order[1:]
    else:
        a, b = np.triu_indices(k, 1)
    gaps = kappa * np.abs(pts[a] - pts[b]).sum(1)
    n_lip = len(a)
    rows = np.repeat(np.arange(2 * n_lip), 2)
    cols = np.stack([np.concatenate([a, b]), np.concatenate([b, a])], 1).ravel()
    vals = np.tile([1.0, -1.0], 2 * n_lip)
    i, j = np.divmod(np.arange(n * m), m)
    if cost == "hinge":
        # variables [l (k), ξ (n m)]; l_i − l_{n+j} − ξ_ij ≤ −Δ_ij
        r = 2 * n_lip + np.arange(n * m)
        rows = np.concatenate([rows, r, r, r])
        cols = np.concatenate([cols, i, n + j, k + np.arange(n * m)])
        vals = np.concatenate([vals, np.ones(n * m), -np.ones(n * m), -np.ones(n * m)])
        c = np.concatenate([np.full(n, gamma / n), np.zeros(m), np.full(n * m, 1.0 / (n * m))])
        b_ub = np.concatenate([gaps, gaps, -delta.ravel()])
        shape, constant = (2 * n_lip + n * m, k + n * m), 0.0
    else:
        # C(a) = a: the mean of Δ + l(x_i) − l(z_j) is E Δ + E l(x) − E l(z), no slack needed
        c = np.concatenate([np.full(n, (gamma + 1.0) / n), np.full(m, -1.0 / m)])
        b_ub = np.concatenate([gaps, gaps])
        shape, constant = (2 * n_lip, k), float(delta.mean())
    A = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    res = linprog(c, A_ub=A, b_ub=b_ub, bounds=(0, None), method="highs",
                  options=dict(primal_feasibility_tolerance=1e-10,
                               dual_feasibility_tolerance=1e-10))
    if not res.success:  # pragma: no cover - the LP is feasible (l = ξ = large) and bounded
        raise RuntimeError(f"linprog failed: {res.message}")
    values = res.x[:k]
    return NonparametricLoss(real, fake, values[:n].copy(), values[n:].copy(),
                             float(res.fun) + constant, lam, kappa, cost)

