"""Chapter 2's claims, checked independently with scipy."""
import math

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.spatial.distance import jensenshannon

from ganlib import data, theory


def test_js_without_half_is_two_log_two_for_disjoint_supports():
    p, q = data.uniform(0, 1), data.uniform(2, 3)
    m = data.mixture([p, q])
    assert theory.kl(p, m) + theory.kl(q, m) == pytest.approx(2 * math.log(2), rel=1e-12)
    assert theory.js(p, q) == pytest.approx(math.log(2), rel=1e-12)


@pytest.mark.parametrize("theta", [-0.7, 0.3, 1.0])
def test_parallel_lines_with_scipy(theta):
    n = 40
    z = (np.arange(n) + 0.5) / n
    a = np.column_stack([np.zeros(n), z])
    b = np.column_stack([np.full(n, theta), z])
    pw = np.concatenate([np.full(n, 1 / n), np.zeros(n)])
    qw = np.concatenate([np.zeros(n), np.full(n, 1 / n)])
    assert stats.wasserstein_distance_nd(a, b) == pytest.approx(abs(theta), rel=1e-9)
    assert jensenshannon(pw, qw) ** 2 == pytest.approx(math.log(2), rel=1e-12)
    assert stats.entropy(pw, qw) == math.inf
    assert 0.5 * np.abs(pw - qw).sum() == pytest.approx(1.0)
    s = data.parallel_lines(theta).sample(500, torch.Generator().manual_seed(0)).numpy()
    assert np.all(s[:, 0] == np.float32(theta)) and 0 <= s[:, 1].min() and s[:, 1].max() <= 1


def test_sliding_gaussians_js_saturates_w1_grows():
    p = data.gaussian(0, 0.3)
    js = [theory.js(p, data.gaussian(m, 0.3)) for m in (0.5, 3.0, 4.0)]
    assert js[0] < 0.5 and all(abs(v - math.log(2)) < 1e-4 for v in js[1:])
    assert [theory.w1(p, data.gaussian(m, 0.3)) for m in (2.0, 3.0)] == pytest.approx([2.0, 3.0])
    h = 1e-3
    grad = (theory.js(p, data.gaussian(3 + h, 0.3)) - theory.js(p, data.gaussian(3 - h, 0.3))) / (2 * h)
    assert abs(grad) < 1e-4


@pytest.mark.parametrize("p,q", [
    (data.gaussian(0, 1), data.gaussian(0.5, 2)),
    (data.mixture([data.gaussian(-2, 0.5), data.gaussian(2, 0.5)]), data.gaussian(0, 1)),
    (data.uniform(0, 1), data.uniform(0.2, 3)),
])
def test_jensen_lower_bound_on_w1(p, q):
    assert abs(p.mean() - q.mean()) <= theory.w1(p, q) + 1e-9
