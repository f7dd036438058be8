"""Numerical divergences between 1-D distributions of ``ganlib.data`` by adaptive quadrature
(scipy), the optimal discriminators D* in log space, and the criteria they give."""
from __future__ import annotations

import math
import warnings

import numpy as np
import sympy as sp
from scipy import integrate

from ..data import Distribution1D

__all__ = ["kl", "js", "tv", "w1", "pearson_chi2", "f_divergence", "minimax_value", "d_star_minimax", "d_star_least_squares", "optimal_discriminator", "lsgan_criterion", "expected_log_d", "conditional_js", "conditional_minimax_value", "QuadratureWarning"]


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
    from ..data import _union
    val = _integrate(fn, _union(p.support + q.support), _cuts(p, q))
    return min(max(val, 0.0), math.log(2))


def tv(p, q):
    """Total variation sup_A |P(A) − Q(A)| = ½∫|p − q|; in [0, 1]."""
    _check_pair(p, q)
    from ..data import _union

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
    from ..data import _union

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


# --------------------------------------------------------------------------- LSGAN
def lsgan_criterion(p, q, a=-1.0, b=1.0, c=0.0, d=None):
    """2C(G) = E_p[(D − c)²] + E_q[(D − c)²] by quadrature, for LSGAN with labels a, b, c.

    ``p`` is the data, ``q`` the generator's distribution; ``d`` (a function of x) defaults to
    D* = (b·p + a·q)/(p + q).  For b − c = 1, b − a = 2 this is ∫ (p − q)²/(p + q).
    """
    _check_pair(p, q)
    from ..data import _union

    def fn(x):
        pp, qq = float(p.pdf(x)), float(q.pdf(x))
        if pp + qq == 0:
            return 0.0
        dx = (b * pp + a * qq) / (pp + qq) if d is None else float(np.asarray(d(np.array([x]))).ravel()[0])
        return (pp + qq) * (dx - c) ** 2
    return _integrate(fn, _union(p.support + q.support), _cuts(p, q))


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


# --------------------------------------------------------------------------- conditional
def _check_labelled_pair(p, q):
    from ..data import Mixture
    for name, d in (("p", p), ("q", q)):
        if not isinstance(d, Mixture):
            raise TypeError(f"{name} must be a labelled 1-D distribution (ganlib.data.mixture: "
                            f"component k is class k), got {type(d).__name__}")
    if len(p.components) != len(q.components):
        raise ValueError(f"p and q must have the same classes, got {len(p.components)} and "
                         f"{len(q.components)} components")


def _per_class(p, q, divergence):
    """E_{y ~ p(y)} of ``divergence(p(· | y), q(· | y))`` for labelled mixtures."""
    _check_labelled_pair(p, q)
    return float(sum(w * divergence(a, b) for w, a, b in zip(p.weights, p.components, q.components)
                     if w > 0))


def conditional_js(p, q):
    """E_{y ~ p(y)} JS(p(· | y) ‖ q(· | y)) for labelled mixtures (component k = class k).

    The labels come from the data: y has p's class weights on both sides, as in the conditional
    game of Mirza & Osindero (2014), where G(z, y) is fed the data's labels; q's own weights
    play no part.  This is also JS between the joint distributions p(y)p(x|y) and p(y)q(x|y).
    """
    return _per_class(p, q, js)


def conditional_minimax_value(p, q):
    """C(G) = max_D V(D, G) of the conditional game, E_y of each class's V(D*_y) with
    D*(x | y) = p(x | y) / (p(x | y) + q(x | y)), by quadrature (= −log 4 + 2·conditional_js)."""
    return _per_class(p, q, minimax_value)
