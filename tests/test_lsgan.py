"""LSGAN: the objective on hand values, D*, the χ² identity (sympy, scipy), a learned D."""
import math

import numpy as np
import pytest
import sympy as sp
import torch
from scipy import integrate, stats

import hand
from ganlib import data, objectives, theory


def test_least_squares_on_hand_values():
    obj = objectives.LeastSquares()                       # a, b, c = −1, 1, 0
    d_real, d_fake = torch.tensor([0.5, 1.5]), torch.tensor([-0.5, 0.0])
    # D: ½·mean((0.5−1)², (1.5−1)²) + ½·mean((−0.5+1)², (0+1)²) = ½·0.25 + ½·0.625
    d_loss, logs, g_loss = hand.on_scores(obj, d_real, d_fake)
    assert d_loss == pytest.approx(0.125 + 0.3125)
    # G: ½·mean(0.25, 0) ; 2C(G): mean(0.25, 2.25) + mean(0.25, 0)
    assert g_loss == pytest.approx(0.0625)
    assert logs["2C(G)"] == pytest.approx(1.25 + 0.125)
    d_loss, _, g_loss = hand.on_scores(objectives.LeastSquares(0, 1, 1), d_real, d_fake)
    assert d_loss == pytest.approx(0.5 * 0.25 + 0.5 * 0.125)
    assert g_loss == pytest.approx(0.5 * (2.25 + 1.0) / 2)


@pytest.mark.parametrize("call,exc,word", [
    (lambda: objectives.LeastSquares(1, 1, 0), ValueError, "a and b"),
    (lambda: objectives.LeastSquares("x", 1, 0), TypeError, "a"),
    (lambda: objectives.LeastSquares(-1, 1, math.nan), ValueError, "c"),
])
def test_least_squares_bad_arguments(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


@pytest.mark.parametrize("abc", [(-1, 1, 0), (0, 1, 1), (0.2, 3.0, -1.0)])
def test_optimal_discriminator_formula(abc):
    a, b, c = abc
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.7)
    x = np.linspace(-4, 5, 101)
    pp, qq = stats.norm.pdf(x, 0, 1), stats.norm.pdf(x, 1.5, 0.7)
    got = theory.optimal_discriminator(p, q, objectives.LeastSquares(a, b, c))(x)
    np.testing.assert_allclose(got, (b * pp + a * qq) / (pp + qq), rtol=1e-10)
    # D* minimises the pointwise loss: any perturbation costs more
    loss = lambda d: 0.5 * pp * (d - b) ** 2 + 0.5 * qq * (d - a) ** 2   # noqa: E731
    for eps in (-0.01, 0.01):
        assert np.all(loss(got + eps) > loss(got))


def test_sympy_derivation_steps():
    d = theory.lsgan_derivation()
    a, b = sp.symbols("a b", real=True)
    p, q = sp.symbols("p_d p_g", positive=True)
    assert sp.simplify(d["optimal_d"] - (b * p + a * q) / (p + q)) == 0
    assert sp.simplify(d["rewrite"] - d["criterion"]) == 0 and sp.simplify(d["pearson"]) == 0
    assert sp.simplify(d["chi2"] - (p - q) ** 2 / (p + q)) == 0
    assert sp.simplify(d["zero_one"] - q ** 2 / (p + q)) == 0


def _scipy_chi2(pdf_p, pdf_q, lo, hi):
    val, _ = integrate.quad(lambda x: (pdf_p(x) - pdf_q(x)) ** 2 / (pdf_p(x) + pdf_q(x)),
                            lo, hi, limit=500, points=[0, 1, 2])
    return val


@pytest.mark.parametrize("p,q,ps,qs", [
    (data.gaussian(0, 1), data.gaussian(2, 0.5), stats.norm(0, 1), stats.norm(2, 0.5)),
    (data.gaussian(0, 1), data.uniform(-1, 2), stats.norm(0, 1), stats.uniform(-1, 3)),
])
def test_chi2_identity_against_scipy(p, q, ps, qs):
    truth = _scipy_chi2(ps.pdf, qs.pdf, -12, 12)
    assert theory.lsgan_criterion(p, q) == pytest.approx(truth, rel=1e-6)
    m = data.mixture([p, q])
    assert 2 * theory.pearson_chi2(q, m) == pytest.approx(truth, rel=1e-6)
    # labels only enter through b − c = 1, b − a = 2
    assert theory.lsgan_criterion(p, q, a=1, b=3, c=2) == pytest.approx(truth, rel=1e-6)


def test_chi2_bounds_and_zero_one_coding():
    p = data.gaussian(0, 1)
    assert theory.lsgan_criterion(p, p) == pytest.approx(0.0, abs=1e-9)
    assert theory.lsgan_criterion(data.uniform(0, 1), data.uniform(2, 3)) == pytest.approx(2.0)
    # the 0-1 coding: ∫ q²/(p+q) is ½ at q = p and larger elsewhere
    assert theory.lsgan_criterion(p, p, 0, 1, 1) == pytest.approx(0.5)
    for shift in (0.3, 1.0, 3.0):
        assert theory.lsgan_criterion(p, data.gaussian(shift, 1), 0, 1, 1) > 0.5 + 1e-4


@pytest.mark.training_outcome
def test_learned_discriminator_matches_theory():
    # robust: over 10 seeds × 3 numeric paths the worst gap to D* was 0.015 and the worst
    # error of 2C(G) 0.8 % (scripts/outcome_margins.py)
    import outcome_cases
    res = outcome_cases.lsgan_fit(seed=0)
    assert res["gap"] < 0.05
    assert res["rel_err"] < 0.025


@pytest.mark.parametrize("p,q", [
    (data.mixture([data.gaussian(-1.0, 0.6), data.gaussian(1.5, 0.8)], weights=[0.4, 0.6]),
     data.gaussian(0.5, 1.2)),
    (data.gaussian(0.0, 1.0), data.uniform(-1.0, 2.0)),
])
def test_the_criterion_is_the_triangular_f_divergence(p, q):
    """2C(G) (χ² coding) = D_f(p_d ‖ p_g) with f(u) = (u − 1)²/(u + 1), through ganlib's generic
    f-divergence, against ganlib's LSGAN criterion and a direct scipy integral."""
    u = sp.Symbol("u", positive=True)
    f = (u - 1) ** 2 / (u + 1)
    assert f.subs(u, 1) == 0 and sp.simplify(sp.diff(f, u, 2) - 8 / (u + 1) ** 3) == 0
    direct = integrate.quad(lambda x: (p.pdf(x) - q.pdf(x)) ** 2 / (p.pdf(x) + q.pdf(x))
                            if p.pdf(x) + q.pdf(x) > 0 else 0.0, -12, 12, limit=400,
                            points=[-1.0, 2.0])[0]
    assert theory.f_divergence(p, q, f) == pytest.approx(direct, abs=1e-7)
    assert theory.lsgan_criterion(p, q) == pytest.approx(direct, abs=1e-7)


def _frozen_gradient_by_autograd(objective, mu0, sigma, n=20_001):
    """d/dμ E_{x~N(μ,σ²)} ℓ(D*(x)) at μ0 with D* (data N(0, σ²) vs N(μ0, σ²)) frozen, through the
    objective's own g_loss: the chapter's pathwise computation."""
    data_pdf, gen_pdf = torch.distributions.Normal(0.0, sigma), torch.distributions.Normal(mu0, sigma)

    def D(x):
        r = data_pdf.log_prob(x) - gen_pdf.log_prob(x)
        if isinstance(objective, objectives.LeastSquares):
            return objective.a + (objective.b - objective.a) * torch.sigmoid(r)
        return r
    x = torch.linspace(mu0 - 12 * sigma, mu0 + 12 * sigma, n, dtype=torch.float64, requires_grad=True)
    per_x = n * torch.autograd.grad(objective.g_loss(D, objectives.Batch(fake=x.reshape(-1, 1)))[0], x)[0]
    x = x.detach()
    return float(torch.trapezoid(gen_pdf.log_prob(x).exp() * per_x, x))


def _frozen_gradient_by_differences(loss_of_s, mu0, sigma, h=1e-4):
    """The same derivative from the expected loss itself: scipy quadrature of E_{N(μ, σ²)} ℓ at
    μ0 ± h, a central difference, with the paper's per-sample losses written in s = D*_GAN."""
    s_of_x = lambda x: 1 / (1 + math.exp(-(mu0 ** 2 - 2 * mu0 * x) / (2 * sigma ** 2)))

    def expected(mu):
        return integrate.quad(lambda x: stats.norm.pdf(x, mu, sigma) * loss_of_s(s_of_x(x)),
                              mu - 12 * sigma, mu + 12 * sigma, points=[mu0 / 2, mu0],
                              limit=400, epsabs=0, epsrel=1e-13)[0]
    return (expected(mu0 + h) - expected(mu0 - h)) / (2 * h)


@pytest.mark.parametrize("mu0", [1.0, 3.0])
def test_at_the_optimum_lsgan_saturates_like_minimax(mu0):
    """The LSGAN chapter's frozen-D* gradients: ganlib's g_loss by autograd against central
    differences of the expected loss, and the ordering the chapter reports at 10 σ."""
    sigma = 0.3
    safe_log = lambda v: math.log(max(v, 1e-300))
    cases = {"minimax": (objectives.Minimax(), lambda s: safe_log(1 - s)),
             "ns": (objectives.NonSaturating(), lambda s: -safe_log(s)),
             "ls": (objectives.LeastSquares(-1, 1, 0), lambda s: 0.5 * (-1 + 2 * s) ** 2),
             "ls01": (objectives.LeastSquares(0, 1, 1), lambda s: 0.5 * (s - 1) ** 2)}
    got = {}
    for name, (obj, loss_of_s) in cases.items():
        got[name] = _frozen_gradient_by_autograd(obj, mu0, sigma)
        want = _frozen_gradient_by_differences(loss_of_s, mu0, sigma)
        assert got[name] == pytest.approx(want, rel=1e-4, abs=1e-12), name
    if mu0 == 3.0:                                  # ten σ apart: s ≈ 0 wherever G samples
        assert got["ns"] == pytest.approx(mu0 / sigma ** 2, rel=1e-3)  # E[1 − s]·μ0/σ²
        for name in ("minimax", "ls", "ls01"):
            assert 0 < got[name] < 1e-6 * got["ns"], name


@pytest.mark.parametrize("abc", [(-1, 1, 0), (0, 1, 0.5), (0, 1, 1), (-1, 1, 1), (-2, 3, 0.25)])
def test_every_coding_has_its_minimum_at_the_data_with_floor_a_plus_b_minus_2c_squared_over_2(abc):
    # the LSGAN chapter's knob: 2C(G) = ∫ ((b − c)p_d + (a − c)p_g)²/(p_d + p_g) (scipy.quad from
    # scipy.stats densities) equals ganlib's criterion, is (a + b − 2c)²/2 at p_g = p_d, and larger
    # for every other generator of the family N(μ, 1)
    a, b, c = abc
    floor = (a + b - 2 * c) ** 2 / 2

    def by_quad(mu):
        p, q = stats.norm(0, 1).pdf, stats.norm(mu, 1).pdf
        return integrate.quad(lambda x: ((b - c) * p(x) + (a - c) * q(x)) ** 2 / (p(x) + q(x)), -20, 20,
                              points=[0, mu], limit=200)[0]
    for mu in (-1.5, -0.2, 0.0, 0.7, 2.5):
        assert theory.lsgan_criterion(data.gaussian(0, 1), data.gaussian(mu, 1), a, b, c) == \
            pytest.approx(by_quad(mu), abs=1e-7)
    assert by_quad(0.0) == pytest.approx(floor, abs=1e-9)
    assert all(by_quad(mu) > floor + 1e-4 for mu in (-1.5, -0.2, 0.7, 2.5))


def test_the_midway_coding_is_a_quarter_of_the_chi2_coding():
    p, q = data.mixture([data.gaussian(-1, 0.6), data.gaussian(1.5, 0.8)]), data.gaussian(0.5, 1.2)
    assert theory.lsgan_criterion(p, q, 0, 1, 0.5) == pytest.approx(
        theory.lsgan_criterion(p, q, -1, 1, 0) / 4, rel=1e-8)
