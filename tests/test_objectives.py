"""Objectives on hand-computed values."""
import math

import numpy as np
import pytest
import torch

from ganlib import objectives


def logit(p):
    return torch.tensor([math.log(p / (1 - p))])


def test_minimax_on_hand_values():
    obj = objectives.Minimax()
    # D(real) = 0.8, D(fake) = 0.3: V = log 0.8 + log 0.7
    V = math.log(0.8) + math.log(0.7)
    assert float(obj.value(logit(0.8), logit(0.3))) == pytest.approx(V, rel=1e-6)
    assert float(obj.d_loss(logit(0.8), logit(0.3))) == pytest.approx(-V, rel=1e-6)
    assert float(obj.g_loss(logit(0.3))) == pytest.approx(math.log(0.7), rel=1e-6)
    assert float(obj.estimate(logit(0.8), logit(0.3))) == pytest.approx((V + math.log(4)) / 2, rel=1e-6)


def test_non_saturating_generator_loss():
    obj = objectives.NonSaturating()
    assert float(obj.g_loss(logit(0.3))) == pytest.approx(-math.log(0.3), rel=1e-6)
    assert float(obj.d_loss(logit(0.8), logit(0.3))) == pytest.approx(-(math.log(0.8) + math.log(0.7)), rel=1e-6)


def test_estimate_is_zero_js_when_d_is_half():
    obj = objectives.Minimax()
    assert float(obj.estimate(torch.zeros(10), torch.zeros(10))) == pytest.approx(0.0, abs=1e-7)


def test_losses_are_stable_for_extreme_logits():
    obj = objectives.NonSaturating()
    big = torch.tensor([200.0, -200.0])
    assert torch.isfinite(obj.d_loss(big, big)) and torch.isfinite(obj.g_loss(big))


def test_gradients_saturating_vs_non_saturating():
    # d/dr of log(1 − σ(r)) is −σ(r): vanishes when D rejects the fake (σ(r) → 0);
    # d/dr of −log σ(r) is −(1 − σ(r)): stays near −1 there.
    r = torch.tensor([-6.0], requires_grad=True)
    objectives.Minimax().g_loss(r).backward()
    g_sat = float(r.grad)
    r.grad = None
    objectives.NonSaturating().g_loss(r).backward()
    g_ns = float(r.grad)
    s = 1 / (1 + math.exp(6))
    assert g_sat == pytest.approx(-s, rel=1e-5)
    assert g_ns == pytest.approx(-(1 - s), rel=1e-5)


def test_optimal_discriminator_rule():
    d = objectives.Minimax().optimal_discriminator(np.array([1.0, 0.0, 0.0]), np.array([3.0, 2.0, 0.0]))
    np.testing.assert_allclose(d, [0.25, 0.0, 0.5])
