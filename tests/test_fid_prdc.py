"""The Fréchet distance against closed forms and an independent matrix square root, and
k-NN precision/recall, density and coverage on sets whose answers are counted by hand and on
the prdc package's own published check."""
import numpy as np
import pytest
import scipy.linalg
import torch

from ganlib import data, metrics


def test_frechet_distance_of_1d_gaussians_is_the_closed_form():
    for m1, s1, m2, s2 in [(0, 1, 0, 1), (1.0, 2.0, -0.5, 0.5), (3.0, 0.1, 3.0, 4.0)]:
        d = metrics.frechet_distance(([m1], [[s1 ** 2]]), ([m2], [[s2 ** 2]]))
        assert d == pytest.approx((m1 - m2) ** 2 + (s1 - s2) ** 2, abs=1e-12)


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = rng.uniform(0.1, 3, 6), rng.uniform(0.1, 3, 6)
    d = metrics.frechet_distance((mu1, np.diag(s1 ** 2)), (mu2, np.diag(s2 ** 2)))
    assert d == pytest.approx(((mu1 - mu2) ** 2).sum() + ((s1 - s2) ** 2).sum(), rel=1e-10)


def test_frechet_distance_agrees_with_scipy_sqrtm_on_full_covariances():
    rng = np.random.default_rng(1)
    for dim in (2, 5, 20):
        a, b = rng.normal(size=(dim, dim)), rng.normal(size=(dim, dim))
        s1, s2 = a @ a.T + 0.1 * np.eye(dim), b @ b.T + 0.1 * np.eye(dim)
        mu1, mu2 = rng.normal(size=dim), rng.normal(size=dim)
        # the symmetric form Tr (S1^1/2 S2 S1^1/2)^1/2, with scipy's sqrtm, is an independent path
        r1 = scipy.linalg.sqrtm(s1).real
        truth = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2) - 2 * np.trace(scipy.linalg.sqrtm(r1 @ s2 @ r1).real)
        assert metrics.frechet_distance((mu1, s1), (mu2, s2)) == pytest.approx(truth, rel=1e-8)
        assert abs(metrics.frechet_distance((mu1, s1), (mu1, s1))) < 1e-8


def test_frechet_distance_on_samples_is_the_squared_w2_of_sorted_samples():
    """In 1-D the optimal coupling pairs sorted samples: W2² is a mean of squared differences."""
    g = torch.Generator().manual_seed(0)
    n = 200_000
    x = 1.0 + 2.0 * torch.randn(n, 1, generator=g, dtype=torch.float64)
    y = -0.5 + 0.5 * torch.randn(n, 1, generator=g, dtype=torch.float64)
    w2_sq = float(((x.sort(0).values - y.sort(0).values) ** 2).mean())
    assert w2_sq == pytest.approx(4.5, abs=0.05)                        # 1.5² + 1.5²
    assert metrics.frechet_distance(x, y) == pytest.approx(w2_sq, abs=0.05)


def test_frechet_distance_errors_name_the_argument():
    with pytest.raises(ValueError, match="same feature dimension"):
        metrics.frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="a contains NaN"):
        metrics.frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        metrics.frechet_distance(np.zeros((1, 2)), np.zeros((5, 2)))


def line(lo, hi):
    return np.arange(lo, hi, dtype=np.float64)[:, None]


def test_precision_recall_on_integer_points_counted_by_hand():
    """Reals 0…99, fakes 0…49, k = 3.  A point's 3rd neighbour is 2 away (3 at the two ends of
    a set), and 'inside' a ball is strictly closer than its radius."""
    pr = metrics.precision_recall(line(0, 100), line(0, 50), k=3)
    assert pr.precision == 1.0                       # every fake is a real point
    assert pr.recall == pytest.approx(0.52)          # reals 0…48 within < 2 of a fake, 49…51 of fake 49 (< 3)
    assert pr.coverage == pytest.approx(0.51)        # the balls (< 2) of reals 0…50 hold a fake
    # real balls holding fake j: 2 for j = 0, 3 for j = 1, 4 for j = 2 (real 0's ball reaches 2), else 3
    assert pr.density == pytest.approx((2 + 3 + 4 + 3 * 47) / 50 / 3)
    same = metrics.precision_recall(line(0, 100), line(0, 100), k=3)
    assert (same.precision, same.recall, same.coverage) == (1.0, 1.0, 1.0)
    assert same.density == pytest.approx((2 + 3 + 4 + 3 * 94 + 4 + 3 + 2) / 100 / 3)
    far = metrics.precision_recall(line(0, 100), line(1000, 1100), k=3)
    assert (far.precision, far.recall, far.density, far.coverage) == (0.0, 0.0, 0.0, 0.0)


def test_precision_recall_matches_the_prdc_readme_check():
    """prdc's README: N(0, I) in 1,000-D, 10,000 real and 10,000 fake, k = 5 gives precision
    0.4772, recall 0.4705, density 1.0555, coverage 0.9735 (one draw; other draws differ by
    about 0.01)."""
    g = torch.Generator().manual_seed(0)
    real = torch.randn(10_000, 1000, generator=g)
    fake = torch.randn(10_000, 1000, generator=g)
    pr = metrics.precision_recall(real, fake, k=5)
    assert pr.precision == pytest.approx(0.4772, abs=0.03)
    assert pr.recall == pytest.approx(0.4705, abs=0.03)
    assert pr.density == pytest.approx(1.0555, abs=0.05)
    assert pr.coverage == pytest.approx(0.9735, abs=0.02)


def test_precision_recall_errors_name_the_argument():
    with pytest.raises(ValueError, match="real must hold more than k"):
        metrics.precision_recall(line(0, 3), line(0, 10), k=3)
    with pytest.raises(ValueError, match="fake contains NaN"):
        metrics.precision_recall(line(0, 10), np.full((10, 1), np.nan))
    with pytest.raises(ValueError, match="k must"):
        metrics.precision_recall(line(0, 10), line(0, 10), k=0)


def test_fid_in_a_trained_classifiers_features_ranks_real_above_noise():
    digits = data.digits()
    clf = metrics.train_classifier(digits, steps=200, seed=0)
    x = digits.images
    assert clf.features(x[:10]).shape == (10, 256)
    halves = metrics.fid(x[:800], x[800:1600], clf)
    noise = metrics.fid(torch.rand_like(x[:800]) * 2 - 1, x[800:1600], clf)
    assert 0 < halves < noise / 10
    with pytest.raises(TypeError, match="classifier"):
        metrics.fid(x[:10], x[10:20], "inception")


def at(expr, **values):
    """expr with its symbols, found by name, replaced by values."""
    return expr.subs({s: values[s.name] for s in expr.free_symbols})


def test_the_1d_derivation_gives_what_frechet_distance_computes():
    from ganlib import theory
    d = theory.frechet_1d_derivation()
    assert d["frechet"] == 0
    m1, m2, s1, s2 = 0.3, -1.2, 0.7, 2.5
    w2 = float(at(d["w2"], m_1=m1, m_2=m2, s_1=s1, s_2=s2))
    assert w2 == pytest.approx(metrics.frechet_distance(([m1], [[s1 ** 2]]), ([m2], [[s2 ** 2]])), rel=1e-12)


def test_gaussian_kl_matches_quadrature():
    from scipy import integrate, stats
    from ganlib import theory
    d = theory.gaussian_kl_derivation()
    assert d["closed"] == 0
    for mu, sigma in [(0.0, 1.0), (1.5, 0.3), (-2.0, 2.5)]:
        q, p = stats.norm(mu, sigma), stats.norm(0, 1)
        quad = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), -30, 30, limit=200)[0]
        sym = float(at(d["kl"], mu=mu, sigma=sigma))
        assert sym == pytest.approx(quad, abs=1e-9)


def test_distance_to_a_linear_generator_is_the_least_squares_residual():
    torch.manual_seed(0)
    G = torch.nn.Sequential(torch.nn.Linear(3, 10), torch.nn.Unflatten(1, (1, 10)))
    x = torch.randn(20, 1, 10)
    A, b = G[0].weight.detach().double(), G[0].bias.detach().double()
    coef = torch.linalg.lstsq(A, (x.view(20, 10).double() - b).T).solution
    truth = ((A @ coef).T + b - x.view(20, 10).double()).norm(dim=1)
    found = metrics.distance_to_generator(G, x, 3, restarts=2, steps=400, lr=0.1)
    assert found.dtype == torch.float64 and found.shape == (20,)
    np.testing.assert_allclose(found, truth, rtol=1e-3, atol=1e-4)
    on_range = G(torch.randn(5, 3)).detach()
    assert metrics.distance_to_generator(G, on_range, 3, steps=400, lr=0.1).max() < 1e-3
    assert all(p.requires_grad for p in G.parameters()) and G.training
    with pytest.raises(ValueError, match="latent_dim"):
        metrics.distance_to_generator(G, x, 0)
    with pytest.raises(ValueError, match="x contains NaN"):
        metrics.distance_to_generator(G, x * float("nan"), 3)
