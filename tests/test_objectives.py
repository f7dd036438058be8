"""Objectives on hand-computed values."""
import math

import numpy as np
import pytest
import torch

import hand
from ganlib import objectives


def logit(p):
    return torch.tensor([math.log(p / (1 - p))])


def test_minimax_on_hand_values():
    obj = objectives.Minimax()
    # D(real) = 0.8, D(fake) = 0.3: V = log 0.8 + log 0.7
    V = math.log(0.8) + math.log(0.7)
    d_loss, logs, g_loss = hand.on_scores(obj, logit(0.8), logit(0.3))
    assert logs["V"] == pytest.approx(V, rel=1e-6)
    assert d_loss == pytest.approx(-V, rel=1e-6)
    assert g_loss == pytest.approx(math.log(0.7), rel=1e-6)
    assert logs["JS"] == pytest.approx((V + math.log(4)) / 2, rel=1e-6)
    assert float(obj.estimate(hand.identity, logit(0.8), logit(0.3))) == pytest.approx(logs["JS"])


def test_non_saturating_generator_loss():
    obj = objectives.NonSaturating()
    d_loss, _, g_loss = hand.on_scores(obj, logit(0.8), logit(0.3))
    assert g_loss == pytest.approx(-math.log(0.3), rel=1e-6)
    assert d_loss == pytest.approx(-(math.log(0.8) + math.log(0.7)), rel=1e-6)


def test_estimate_is_zero_js_when_d_is_half():
    obj = objectives.Minimax()
    assert float(obj.estimate(hand.identity, torch.zeros(10), torch.zeros(10))) == pytest.approx(0.0, abs=1e-7)


def test_losses_are_stable_for_extreme_logits():
    obj = objectives.NonSaturating()
    big = torch.tensor([200.0, -200.0])
    d_loss, logs, g_loss = hand.on_scores(obj, big, big)
    assert all(math.isfinite(v) for v in [d_loss, g_loss, *logs.values()])


def test_gradients_saturating_vs_non_saturating():
    # d/dr of log(1 − σ(r)) is −σ(r): vanishes when D rejects the fake (σ(r) → 0);
    # d/dr of −log σ(r) is −(1 − σ(r)): stays near −1 there.
    r = torch.tensor([-6.0], requires_grad=True)
    hand.g_loss(objectives.Minimax(), r).backward()
    g_sat = float(r.grad)
    r.grad = None
    hand.g_loss(objectives.NonSaturating(), r).backward()
    g_ns = float(r.grad)
    s = 1 / (1 + math.exp(6))
    assert g_sat == pytest.approx(-s, rel=1e-5)
    assert g_ns == pytest.approx(-(1 - s), rel=1e-5)


def test_optimal_discriminator_rule():
    d = objectives.Minimax().optimal_discriminator(np.array([1.0, 0.0, 0.0]), np.array([3.0, 2.0, 0.0]))
    np.testing.assert_allclose(d, [0.25, 0.0, 0.5])


class Hinge(objectives.Objective):
    """A user's own objective (the README's example): the hinge loss, whose optimal D gives
    min_D E_P[(1 − D)₊] + E_Q[(1 + D)₊] = 2(1 − TV(P, Q)), so TV = 1 − loss / 2."""

    divergence = "TV"

    def d_loss(self, D, batch):
        loss = torch.relu(1 - D(batch.real)).mean() + torch.relu(1 + D(batch.fake)).mean()
        return loss, {"TV": 1 - loss / 2}

    def g_loss(self, D, batch):
        return -D(batch.fake).mean(), {}


def test_hinge_tv_on_hand_values():
    d_loss, logs, g_loss = hand.on_scores(Hinge(), torch.tensor([1.0, 0.5]), torch.tensor([-1.0, 0.0]))
    assert d_loss == pytest.approx(0.25 + 0.5) and logs["TV"] == pytest.approx(1 - 0.375)
    assert g_loss == pytest.approx(0.5)


@pytest.mark.training_outcome
def test_an_objective_of_ones_own_needs_nothing_but_the_interface():
    """fit_discriminator and train take the user's class as they are; its TV estimate meets
    scipy's TV (0.383 for N(0, 1) vs N(1, 1))."""
    import ganlib
    from ganlib import data, nets, theory
    p, q = data.gaussian(0, 1), data.gaussian(1, 1)
    for seed in range(3):
        fit = ganlib.fit_discriminator(p, q, Hinge(), steps=1500, n_eval=100_000, seed=seed,
                                       progress=False)
        assert fit.estimate == pytest.approx(theory.tv(p, q), abs=0.03), seed
    run = ganlib.train(nets.mlp(2, 2, hidden=(16,), seed=0), nets.mlp(2, 1, hidden=(16,), seed=1),
                       data.ring(), Hinge(), steps=20, batch_size=32, progress=False)
    assert run.steps_done == 20 and len(run.history["TV"]) == 20
