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
