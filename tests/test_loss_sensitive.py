"""LS-GAN's non-parametric solution (Qi 2017): the linear program on a hand case, the
McShane–Whitney bounds, the linear cost as W1 (Kantorovich–Rubinstein), bad arguments."""
import math

import numpy as np
import pytest
from scipy import stats

from ganlib import theory


@pytest.mark.parametrize("kappa", [0.25, 0.5, 0.9])
@pytest.mark.parametrize("lam", [0.5, 3.0, math.inf])
def test_one_pair_with_small_kappa(kappa, lam):
    # Real point 0, generated point d, Δ = |x − z|.  S/λ = l_r/λ + (d + l_r − l_f)₊ with
    # l_f − l_r ≤ κd: raising l_r costs, so l_r = 0, l_f = κd and the slack is (1 − κ)d.
    d = 3.0
    sol = theory.ls_gan_nonparametric([0.0], [d], lam=lam, kappa=kappa)
    assert sol.objective == pytest.approx((1 - kappa) * d, abs=1e-9)
    if math.isfinite(lam):                     # the paper's S = λ · (S/λ) = λ(1 − κ)d
        assert lam * sol.objective == pytest.approx(lam * (1 - kappa) * d, abs=1e-8)
        assert sol.l_real[0] == pytest.approx(0.0, abs=1e-9)
    assert sol.l_fake[0] - sol.l_real[0] == pytest.approx(kappa * d, abs=1e-9)


@pytest.mark.parametrize("kappa", [1.0, 1.5, 4.0])
def test_one_pair_with_large_kappa(kappa):
    d = 2.5
    sol = theory.ls_gan_nonparametric([0.0], [d], lam=2.0, kappa=kappa)
    assert sol.objective == pytest.approx(0.0, abs=1e-9)
    assert sol.l_real[0] == pytest.approx(0.0, abs=1e-9)
    assert sol.l_fake[0] >= d - 1e-9           # the margin is met
    assert sol.l_fake[0] <= kappa * d + 1e-9   # within the Lipschitz limit


def test_points_order_does_not_matter_and_two_dims_use_l1():
    rng = np.random.default_rng(1)
    x, z = rng.normal(0, 1, 7), rng.normal(2, 1, 5)
    a = theory.ls_gan_nonparametric(x, z, lam=4.0, kappa=1.5)
    perm_x, perm_z = rng.permutation(7), rng.permutation(5)
    b = theory.ls_gan_nonparametric(x[perm_x], z[perm_z], lam=4.0, kappa=1.5)
    assert b.objective == pytest.approx(a.objective, abs=1e-9)
    # the same points on the diagonal of the plane (all pairs constrained, not neighbours):
    # every L1 distance doubles, and l = 2·l' turns the problem into the line's, doubled
    c = theory.ls_gan_nonparametric(np.c_[x, x], np.c_[z, z], lam=4.0, kappa=1.5)
    assert c.objective == pytest.approx(2 * a.objective, abs=1e-8)


def _solution(seed=0, kappa=1.5, lam=5.0):
    rng = np.random.default_rng(seed)
    return theory.ls_gan_nonparametric(rng.normal(0, 0.5, 15), rng.normal(2.5, 0.7, 12),
                                       lam=lam, kappa=kappa)


@pytest.mark.parametrize("seed,kappa", [(0, 1.0), (1, 1.5), (2, 3.0)])
def test_bounds_interpolate_are_lipschitz_and_ordered(seed, kappa):
    sol = _solution(seed, kappa)
    pts, vals = sol.points[:, 0], sol.values
    np.testing.assert_allclose(sol.lower(pts), vals, atol=1e-8)
    np.testing.assert_allclose(sol.upper(pts), vals, atol=1e-8)
    # the optimal values are themselves κ-Lipschitz and non-negative
    assert vals.min() >= -1e-9
    assert np.all(np.abs(vals[:, None] - vals[None, :])
                  <= kappa * np.abs(pts[:, None] - pts[None, :]) + 1e-8)
    xs = np.linspace(-3, 6, 9001)
    lo, up = sol.lower(xs), sol.upper(xs)
    assert np.all(lo <= up + 1e-9) and lo.min() >= 0
    for f in (lo, up):
        slope = np.abs(np.diff(f)) / np.diff(xs)
        assert slope.max() <= kappa + 1e-6
    # the upper bound has slope ±κ except in the grid cells that contain a kink
    slope = np.abs(np.diff(up)) / np.diff(xs)
    assert np.mean(np.isclose(slope, kappa, atol=1e-6)) > 0.95


def test_bounds_are_optimal_values_of_the_objective():
    # evaluate S/λ directly with the upper and the lower bound as the loss: both are optimal
    sol = _solution(3, kappa=2.0, lam=7.0)
    x, z = sol.real[:, 0], sol.fake[:, 0]
    for L in (sol.lower, sol.upper):
        lx, lz = L(x), L(z)
        value = lx.mean() / 7.0 + np.maximum(np.abs(x[:, None] - z[None, :]) + lx[:, None]
                                             - lz[None, :], 0).mean()
        assert value == pytest.approx(sol.objective, abs=1e-8)


@pytest.mark.parametrize("seed,n,m", [(0, 30, 30), (1, 17, 40), (2, 45, 8)])
def test_linear_cost_is_mean_distance_minus_w1(seed, n, m):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    z = np.concatenate([rng.normal(-1, 0.3, m // 2), rng.normal(2, 0.6, m - m // 2)])
    sol = theory.ls_gan_nonparametric(x, z, lam=math.inf, kappa=1.0, cost="linear")
    mean_delta = np.abs(x[:, None] - z[None, :]).mean()
    assert mean_delta - sol.objective == pytest.approx(stats.wasserstein_distance(x, z), abs=1e-7)
    # with κ = 2 the loss may be twice as steep: E Δ − 2·W1
    sol2 = theory.ls_gan_nonparametric(x, z, lam=math.inf, kappa=2.0, cost="linear")
    assert mean_delta - sol2.objective == pytest.approx(2 * stats.wasserstein_distance(x, z), abs=1e-7)
    # a finite λ keeps the data term: the value stays below W1 and approaches it as λ grows
    values = [mean_delta - theory.ls_gan_nonparametric(x, z, lam=lam, cost="linear").objective
              for lam in (1.0, 10.0, 1000.0)]
    w1 = stats.wasserstein_distance(x, z)
    assert values[0] <= values[1] <= values[2] <= w1 + 1e-7
    assert values[2] == pytest.approx(w1, abs=0.01)


@pytest.mark.parametrize("kwargs,exc,word", [
    (dict(lam=0.0), ValueError, "lam"),
    (dict(lam=-1.0), ValueError, "lam"),
    (dict(lam=math.nan), ValueError, "lam"),
    (dict(lam="1"), TypeError, "lam"),
    (dict(lam=1.0, kappa=0.0), ValueError, "kappa"),
    (dict(lam=1.0, kappa=-2.0), ValueError, "kappa"),
    (dict(lam=1.0, kappa=math.inf), ValueError, "kappa"),
    (dict(lam=1.0, cost="square"), ValueError, "cost"),
])
def test_bad_parameters(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        theory.ls_gan_nonparametric([0.0, 1.0], [2.0], **kwargs)


@pytest.mark.parametrize("real,fake,word", [
    ([], [1.0], "real"),
    ([0.0], [], "fake"),
    (np.zeros((0, 2)), np.zeros((3, 2)), "real"),
    (np.zeros((2, 2)), np.zeros((3, 3)), "real and fake"),
    (np.zeros((2, 2, 2)), np.zeros((3, 2)), "real"),
    ([0.0, math.nan], [1.0], "real"),
    ([0.0], [math.inf], "fake"),
])
def test_bad_samples(real, fake, word):
    with pytest.raises(ValueError, match=word):
        theory.ls_gan_nonparametric(real, fake, lam=1.0)


def test_bounds_check_their_input():
    sol = _solution()
    with pytest.raises(ValueError, match="x"):
        sol.upper(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="x"):
        sol.lower([])
    assert "kappa=1.5" in repr(sol)
