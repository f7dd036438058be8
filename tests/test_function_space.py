"""theory.function_space (Goodfellow et al.'s Proposition 2) against independent truths."""
import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr

from ganlib import theory


def bimodal_and_wide(n=40):
    x = np.linspace(-3, 3, n)
    p_d = np.exp(-(x + 1.5) ** 2 / 0.3) + np.exp(-(x - 1.5) ** 2 / 0.3)
    p_g = np.exp(-(x - 0.5) ** 2 / 2)
    return p_d / p_d.sum(), p_g / p_g.sum()


def js_scipy(p, q):
    with np.errstate(invalid="ignore"):
        js = jensenshannon(p, q) ** 2        # natural log by default: JS with its ½ factors
    return 0.0 if np.isnan(js) else js       # scipy takes sqrt of a rounding error below 0 at p = q


@pytest.mark.parametrize("lr", [0.25, 1.0])
def test_criterion_is_minus_log4_plus_2js_at_every_iterate(lr):
    p_d, p_g = bimodal_and_wide()
    run = theory.function_space_descent(p_d, p_g, steps=60, lr=lr)
    assert run.p_g.shape == (61, 40) and run.steps == 60
    for q, c, j in zip(run.p_g, run.criterion, run.js):
        assert q.sum() == pytest.approx(1.0, abs=1e-12) and np.all(q >= 0)
        assert j == pytest.approx(js_scipy(p_d, q), abs=1e-12)
        assert c == pytest.approx(-math.log(4) + 2 * js_scipy(p_d, q), abs=1e-12)
        # C as defined, with D* = p_d / (p_d + p_g), written out independently
        d = p_d / (p_d + q)
        assert c == pytest.approx(np.sum(p_d * np.log(d)) + np.sum(q * np.log1p(-d)), abs=1e-12)


def test_descends_monotonically_and_ends_at_p_data():
    p_d, p_g = bimodal_and_wide()
    run = theory.function_space_descent(p_d, p_g, steps=200, lr=0.5)
    assert np.all(np.diff(run.js) <= 1e-15)                    # lr <= 1: every step improves C
    assert np.all(np.diff(run.criterion) <= 1e-15)
    assert run.criterion[-1] == pytest.approx(-math.log(4), abs=1e-12)
    assert js_scipy(p_d, run.p_g[-1]) < 1e-12
    np.testing.assert_allclose(run.p_g[-1], p_d, atol=1e-8)


@pytest.mark.parametrize("lr", [0.1, 0.5, 1.0])
def test_rate_of_relatively_smooth_mirror_descent(lr):
    # C is 1-smooth relative to the entropy: C_k + log 4 <= KL(p_d || p_0) / (lr k)
    p_d, p_g = bimodal_and_wide()
    run = theory.function_space_descent(p_d, p_g, steps=50, lr=lr)
    kl0 = rel_entr(p_d, p_g).sum()
    k = np.arange(1, 51)
    assert np.all(run.criterion[1:] + math.log(4) <= kl0 / (lr * k) + 1e-12)


def test_gradient_at_the_optimal_d_is_the_gradient_of_the_criterion():
    # Danskin: the gradient of V at D* (log(1 - D*)) is the derivative of C along the simplex
    p_d, p_g = bimodal_and_wide(12)
    d_star = p_d / (p_d + p_g)
    rng = np.random.default_rng(0)
    for _ in range(5):
        v = rng.standard_normal(12)
        v -= v.mean()                                          # a direction that keeps Σ = 1
        h = 1e-7
        fd = (theory.discrete_criterion(p_d, p_g + h * v)
              - theory.discrete_criterion(p_d, p_g - h * v)) / (2 * h)
        assert fd == pytest.approx(np.dot(np.log1p(-d_star), v), rel=1e-6, abs=1e-9)


def test_step_is_the_exponentiated_gradient_at_d_star():
    p_d, p_g = bimodal_and_wide(10)
    run = theory.function_space_descent(p_d, p_g, steps=1, lr=0.7)
    expected = p_g * np.exp(-0.7 * np.log1p(-p_d / (p_d + p_g)))
    np.testing.assert_allclose(run.p_g[1], expected / expected.sum(), rtol=1e-12)
    np.testing.assert_allclose(run.d_star[0], p_d / (p_d + p_g), rtol=1e-12)


def test_disjoint_and_zero_entries():
    p_d = np.array([0.5, 0.5, 0.0, 0.0])
    p_g = np.array([0.1, 0.1, 0.8, 0.0])        # mass where there is no data; a shared zero
    assert theory.discrete_criterion(p_d, p_g) == pytest.approx(
        -math.log(4) + 2 * js_scipy(p_d, p_g), abs=1e-12)
    assert theory.discrete_criterion([1, 0], [0, 1]) == pytest.approx(0.0, abs=1e-15)
    run = theory.function_space_descent(p_d, p_g, steps=300)
    np.testing.assert_allclose(run.p_g[-1], p_d, atol=1e-8)
    assert run.p_g[-1][3] == 0.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(p_data=[0.5, 0.6], p_g=[0.5, 0.5]), "p_data must sum to 1"),
    (dict(p_data=[0.5, 0.5], p_g=[0.2, 0.2]), "p_g must sum to 1"),
    (dict(p_data=[1.5, -0.5], p_g=[0.5, 0.5]), "p_data must be non-negative"),
    (dict(p_data=[0.5, 0.5], p_g=[0.5, np.nan]), "p_g must be finite"),
    (dict(p_data=[[0.5, 0.5]], p_g=[0.5, 0.5]), r"p_data must be a 1-D array.*\(1, 2\)"),
    (dict(p_data=[0.5, 0.5], p_g=[0.2, 0.3, 0.5]), r"p_g must have the shape of p_data"),
    (dict(p_data=[0.5, 0.5], p_g=[1.0, 0.0]), "p_g must be positive wherever p_data is"),
    (dict(p_data=[0.5, 0.5], p_g=[0.5, 0.5], lr=0.0), "lr must be positive"),
    (dict(p_data=[0.5, 0.5], p_g=[0.5, 0.5], steps=0), "steps must be a positive integer"),
])
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        theory.function_space_descent(**kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match="steps must be an integer"):
        theory.function_space_descent([0.5, 0.5], [0.5, 0.5], steps=2.5)
    with pytest.raises(TypeError, match="p_g must be a 1-D array"):
        theory.discrete_criterion([0.5, 0.5], "abc")
