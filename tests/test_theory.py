"""ganlib.theory against closed forms and independent scipy values."""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from ganlib import data, theory


def kl_gauss(m1, s1, m2, s2):
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


@pytest.mark.parametrize("m1,s1,m2,s2", [(0, 1, 1, 1), (0, 1, 0, 2), (-1, 0.5, 2, 1.5), (3, 2, 3, 0.7)])
def test_kl_gaussians(m1, s1, m2, s2):
    p, q = data.gaussian(m1, s1), data.gaussian(m2, s2)
    assert theory.kl(p, q) == pytest.approx(kl_gauss(m1, s1, m2, s2), rel=1e-7, abs=1e-10)


@pytest.mark.parametrize("m1,s1,m2,s2", [(0, 1, 1, 1), (0, 1, 0, 2), (-1, 0.5, 2, 1.5)])
def test_w1_gaussians_closed_form(m1, s1, m2, s2):
    # Quantile coupling: W1 = E|Δμ + Δσ·Z|, Z ~ N(0, 1), the mean of a folded normal
    mu, sig = m2 - m1, abs(s2 - s1)
    ref = abs(mu) if sig == 0 else (sig * math.sqrt(2 / math.pi) * math.exp(-mu**2 / (2 * sig**2))
                                    + mu * (1 - 2 * stats.norm.cdf(-mu / sig)))
    assert theory.w1(data.gaussian(m1, s1), data.gaussian(m2, s2)) == pytest.approx(ref, rel=1e-8)


def test_w1_equal_std_is_mean_gap():
    assert theory.w1(data.gaussian(0, 1), data.gaussian(2.5, 1)) == pytest.approx(2.5, rel=1e-9)


def test_disjoint_supports():
    p, q = data.uniform(0, 1), data.uniform(2, 3)
    assert theory.js(p, q) == pytest.approx(math.log(2), abs=1e-12)
    assert theory.tv(p, q) == pytest.approx(1.0, abs=1e-12)
    assert theory.kl(p, q) == math.inf
    assert theory.pearson_chi2(p, q) == math.inf
    assert theory.w1(p, q) == pytest.approx(2.0, rel=1e-9)


def test_tv_gaussians_closed_form():
    # equal variances: TV = 2Φ(|Δ|/2σ) − 1
    p, q = data.gaussian(0, 1), data.gaussian(1.3, 1)
    assert theory.tv(p, q) == pytest.approx(2 * stats.norm.cdf(0.65) - 1, rel=1e-8)


def test_js_matches_direct_scipy_quadrature():
    p, q = data.gaussian(0, 1), data.gaussian(1, 2)
    pp, qq = stats.norm(0, 1).pdf, stats.norm(1, 2).pdf
    m = lambda x: (pp(x) + qq(x)) / 2
    f = lambda x: 0.5 * pp(x) * np.log(pp(x) / m(x)) + 0.5 * qq(x) * np.log(qq(x) / m(x))
    ref, _ = integrate.quad(f, -30, 30, points=[0, 1], limit=400)
    assert theory.js(p, q) == pytest.approx(ref, rel=1e-7)


def test_pearson_chi2_gaussians_closed_form():
    # χ²(N(μ1,σ²) ‖ N(μ2,σ²)) = exp((μ1−μ2)²/σ²) − 1
    assert theory.pearson_chi2(data.gaussian(0, 1), data.gaussian(0.8, 1)) == pytest.approx(
        math.exp(0.64) - 1, rel=1e-7)


def test_f_divergence_reproduces_kl_js_tv():
    u = sp.Symbol("u")
    p, q = data.gaussian(0, 1), data.mixture([data.gaussian(-1, 0.5), data.gaussian(1.5, 1)])
    assert theory.f_divergence(p, q, u * sp.log(u)) == pytest.approx(theory.kl(p, q), rel=1e-6)
    assert theory.f_divergence(p, q, sp.Abs(u - 1) / 2) == pytest.approx(theory.tv(p, q), rel=1e-6)
    f_js = (u * sp.log(u) - (u + 1) * sp.log((u + 1) / 2)) / 2
    assert theory.f_divergence(p, q, f_js) == pytest.approx(theory.js(p, q), rel=1e-6)


def test_f_divergence_mass_outside_support():
    u = sp.Symbol("u")
    p, q = data.uniform(0, 2), data.uniform(0, 1)
    assert theory.f_divergence(p, q, u * sp.log(u)) == math.inf        # KL: f'(∞) = ∞
    assert theory.f_divergence(p, q, sp.Abs(u - 1) / 2) == pytest.approx(0.5)  # TV
    with pytest.raises(ValueError, match="sympy"):
        theory.f_divergence(p, q, lambda t: t * np.log(t))


def test_minimax_value_at_optimum_is_c_of_g():
    for p, q in [(data.gaussian(0, 1), data.gaussian(1, 1)),
                 (data.uniform(0, 1), data.uniform(0, 2)),
                 (data.mixture([data.gaussian(-2, 0.5), data.gaussian(2, 0.5)]), data.gaussian(0, 1.5))]:
        assert theory.minimax_value(p, q) == pytest.approx(-math.log(4) + 2 * theory.js(p, q), abs=1e-8)


def test_minimax_value_below_optimum_for_other_d():
    p, q = data.gaussian(0, 1), data.gaussian(1, 1)
    assert theory.minimax_value(p, q, lambda x: np.full_like(x, 0.5)) == pytest.approx(-math.log(4))
    assert theory.minimax_value(p, q, lambda x: np.full_like(x, 0.7)) < theory.minimax_value(p, q)


def test_optimal_discriminator_formula():
    p, q = data.gaussian(0, 1), data.gaussian(1, 1)
    d = theory.optimal_discriminator(p, q)
    x = np.linspace(-3, 4, 11)
    # for equal variances D* = σ(log p − log q) = σ(½ − x)
    np.testing.assert_allclose(d(x), 1 / (1 + np.exp(-(0.5 - x))), rtol=1e-10)
    assert d(np.array([0.5]))[0] == pytest.approx(0.5)


def test_proposition1_derivation():
    d = theory.proposition1()
    a, b = sp.symbols("a b", positive=True)
    assert sp.simplify(d["critical_point"] - a / (a + b)) == 0
    assert sp.simplify(d["second_derivative"] + (a + b) ** 3 / (a * b)) == 0
    # numerically: the maximiser of a log y + b log(1−y) on a grid
    y = np.linspace(1e-4, 1 - 1e-4, 200001)
    for av, bv in [(0.3, 1.7), (2.0, 0.5)]:
        assert y[np.argmax(av * np.log(y) + bv * np.log(1 - y))] == pytest.approx(av / (av + bv), abs=1e-4)
    assert "D^*_G" in d._repr_markdown_()


def test_virtual_training_criterion_derivation():
    d = theory.virtual_training_criterion()
    assert d["rewrite"] == 0
    assert d["minimum"] == -sp.log(4)


def test_criterion_on_pieces_exact():
    half = sp.Rational(1, 2)
    C, JS = theory.criterion_on_pieces([(0, 1, 1, half), (1, 2, 0, half)])
    assert sp.simplify(C - (-sp.log(4) + 2 * JS)) == 0
    assert float(JS) == pytest.approx(theory.js(data.uniform(0, 1), data.uniform(0, 2)), rel=1e-9)
    assert float(C) == pytest.approx(theory.minimax_value(data.uniform(0, 1), data.uniform(0, 2)), rel=1e-9)


def test_bad_inputs():
    with pytest.raises(TypeError, match="p must be a 1-D distribution"):
        theory.kl(np.zeros(3), data.gaussian())
    with pytest.raises(TypeError, match="q must be a 1-D distribution"):
        theory.js(data.gaussian(), data.ring())


def test_every_derivation_step_carries_a_value_sympy_computed():
    import sympy as sp
    from ganlib import theory as th
    x = sp.Symbol("x")
    made = [th.proposition1(), th.virtual_training_criterion(), th.parallel_lines_derivation(),
            th.lsgan_derivation(), th.nonsaturating_derivation(), th.gp_linear_critic_derivation(),
            th.conjugate_derivation(x * sp.log(x), x, sp.Symbol("t"))]
    for d in made:
        missing = [k for k, v in d.values.items() if v is None]
        assert not missing, (d.title, missing)
    ns = th.nonsaturating_derivation()
    assert ns["kl"] == 0 and ns["js"] == 0 and ns["gradient"] == 0


def test_formula_words_follow_the_book_language():
    # a Chinese page shows no English in its formulas: sympy's Piecewise words and the
    # derivations' \text{} words are translated when shown
    import sympy as sp

    from ganlib import _lang
    t = sp.Symbol("t")
    piecewise = sp.Piecewise((t, t < 1), (0, True))
    try:
        _lang.set("zh")
        assert theory.latex(piecewise) == sp.latex(piecewise).replace(r"\text{for}", r"\text{当}") \
            .replace(r"\text{otherwise}", r"\text{其他情况}")
        shown = theory.lsgan_derivation()._repr_markdown_() + theory.virtual_training_criterion()._repr_markdown_()
        assert r"\text{difference}" not in shown and r"\text{integrand}" not in shown
        assert r"\text{差}" in shown and r"\text{被积函数}" in shown
    finally:
        _lang.set("en")
    assert theory.latex(piecewise) == sp.latex(piecewise)
