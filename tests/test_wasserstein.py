"""WGAN and WGAN-GP: losses on hand values, clipping, the per-sample gradient penalty, and
the critic's W1 estimate against scipy."""
import numpy as np
import pytest
import torch
from torch import nn

import hand
import ganlib
from ganlib import data, nets, objectives, theory
from ganlib.objectives import Batch


def test_wasserstein_losses_on_hand_values():
    obj = objectives.Wasserstein()
    f_real, f_fake = torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0])
    d_loss, logs, g_loss = hand.on_scores(obj, f_real, f_fake)
    assert d_loss == pytest.approx(-0.5 - 2.0)
    assert g_loss == pytest.approx(0.5)
    assert logs["W1"] == pytest.approx(2.5)
    assert obj.n_critic == 5 and obj.paper_defaults["lr_d"] == 5e-5
    assert objectives.WassersteinGP().paper_defaults["betas"] == (0.0, 0.9)
    assert objectives.WassersteinGP().lam == 10.0


@pytest.mark.parametrize("call,word", [
    (lambda: objectives.Wasserstein(clip=0), "clip"),
    (lambda: objectives.Wasserstein(clip=-0.01), "clip"),
    (lambda: objectives.WassersteinGP(lam=0), "lam"),
    (lambda: objectives.WassersteinGP(lam=-10), "lam"),
])
def test_bad_clip_or_lambda(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_clipping_keeps_every_weight_in_range():
    G, D = nets.mlp(2, 2, hidden=(16,), seed=0), nets.mlp(2, 1, hidden=(16, 16), seed=1)
    run = ganlib.train(G, D, data.ring(), objectives.Wasserstein(clip=0.02), steps=5,
                       batch_size=32, layer_stats=True, progress=False)
    assert all(float(p.detach().abs().max()) <= 0.02 for p in D.parameters())
    assert max(v for k, h in run.history.items() if k.startswith("weight_absmax/D/") for v in h) <= 0.02
    assert len(run.history["grad_norm/D"]) == 5


def test_penalty_of_a_linear_critic_on_images():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Flatten(), nn.Linear(64, 1))
    real, fake = torch.randn(16, 1, 8, 8), torch.randn(16, 1, 8, 8)
    w_norm = float(D[1].weight.detach().norm())
    batch = Batch(real=real, fake=fake, u=torch.rand(16))
    for lam in (10.0, 0.5):
        loss, logs = objectives.WassersteinGP(lam=lam).d_loss(D, batch)
        loss, logs = loss.detach(), {k: v.detach() for k, v in logs.items()}
        assert float(logs["penalty"]) == pytest.approx(lam * (w_norm - 1) ** 2, rel=1e-5)
        assert float(logs["slope"]) == pytest.approx(w_norm, rel=1e-5)
        assert float(loss) == pytest.approx(float(logs["penalty"] - logs["W1"]), rel=1e-6)


def test_gradient_norm_is_per_sample_over_all_pixels():
    # f(x) = Σ x² has ∇f = 2x, so the per-sample norm is 2‖x̂‖ over all 2·4·4 inputs
    real = torch.randn(5, 2, 4, 4)
    norms = objectives.gradient_norms(lambda x: (x ** 2).flatten(1).sum(1, keepdim=True), real)
    np.testing.assert_allclose(norms.detach().numpy(), 2 * real.flatten(1).norm(dim=1).numpy(),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        objectives.interpolate(real, real[:3], torch.rand(5))
    with pytest.raises(ValueError, match="one variate per sample"):
        objectives.interpolate(real, real, torch.rand(4))


def test_gradient_penalty_refuses_batch_norm_by_name():
    D = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    with pytest.raises(ValueError, match="without batch norm"):
        objectives.WassersteinGP().d_loss(D, Batch(torch.randn(8, 2), torch.randn(8, 2),
                                                   u=torch.rand(8)))


@pytest.mark.training_outcome
@pytest.mark.parametrize("one_sided", [False, True], ids=["two-sided", "one-sided"])
def test_gradient_penalty_critic_estimates_w1(one_sided):
    """Over seeds, the guarded fit lands in the right well, whose estimate is
    W1·(1 + W1/(2λ)) = 1.075·W1 here (the linear critic's overshoot). Seeds 2 and 3 are among
    those whose unguarded two-sided fit has the wrong sign (ratio −0.92, over 3 numeric paths);
    measured ratios of guarded fits over 10 seeds × 3 paths: 1.074 to 1.087."""
    import outcome_cases
    for seed in range(4):
        res = outcome_cases.gp_fit(seed, one_sided=one_sided, restarts=2)
        assert res["ratio"] == pytest.approx(1.075, abs=0.03), (seed, res)


def test_wgan_gp_training_step_on_images():
    G, D = nets.dcgan(16, 8, width=8, d_norm="layer", seed=0)
    obj = objectives.WassersteinGP()
    run = ganlib.train(G, D, data.digits(), obj, steps=2, progress=False,
                       **obj.paper_defaults)
    assert run.config["n_critic"] == 5 and run.steps_done == 2


def test_nonsaturating_loss_is_kl_minus_two_js():
    """Arjovsky & Bottou (2017), Thm 2.5, checked by quadrature and finite differences."""
    import math
    assert theory.nonsaturating_derivation()["identity"] == 0
    p_r = data.mixture([data.gaussian(-1.5, 0.5), data.gaussian(2.0, 0.5)])
    gen = lambda th: data.gaussian(th, 1.0)                              # noqa: E731
    t0, h = 0.5, 1e-3
    ns = lambda th: -theory.expected_log_d(gen(th), p_r, gen(t0))       # noqa: E731
    target = lambda th: theory.kl(gen(th), p_r) - 2 * theory.js(p_r, gen(th))   # noqa: E731
    rhs = target(t0) + math.log(4) + theory.expected_log_d(p_r, p_r, gen(t0))
    assert ns(t0) == pytest.approx(rhs, rel=1e-7)
    d_ns = (ns(t0 + h) - ns(t0 - h)) / (2 * h)
    d_target = (target(t0 + h) - target(t0 - h)) / (2 * h)
    assert d_ns == pytest.approx(d_target, rel=1e-4)
    with pytest.raises(TypeError, match="weight"):
        theory.expected_log_d(data.ring(), p_r, gen(t0))


def test_critic_schedule_sets_updates_per_generator_step():
    class Counting(objectives.Wasserstein):
        calls = 0

        def after_step(self, D, logs):
            Counting.calls += 1
            super().after_step(D, logs)

    schedule = ganlib.wgan_critic_schedule(n_critic=1, warmup_steps=2, warmup_critic=4, every=3)
    assert [schedule(s) for s in (1, 2, 3, 4, 6)] == [4, 4, 4, 1, 4]
    G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
    run = ganlib.train(G, D, data.ring(), Counting(), steps=4, batch_size=8, n_critic=schedule,
                       progress=False)
    assert Counting.calls == 4 + 4 + 4 + 1 and run.config["n_critic"] == "schedule"
    with pytest.raises(ValueError, match="warmup_steps"):
        ganlib.wgan_critic_schedule(warmup_steps=-1)


def test_loss_sensitive_on_hand_values():
    obj = objectives.LossSensitive(margin_scale=0.5, gamma=0.1)
    real = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    fake = torch.tensor([[1.0, 0.0], [1.0, 3.0]])           # L1 distances 1 and 2 -> margins 0.5, 1
    r_real, r_fake = torch.tensor([[0.2], [-1.0]]), torch.tensor([[1.0], [0.5]])
    # L(real) = (0.2, 0), L(fake) = (1, 0.5); slack = (0.5 + 0.2 − 1)+, (1 + 0 − 0.5)+ = 0, 0.5
    L = lambda x: r_real if x is real else r_fake          # noqa: E731  (scores by lookup)
    loss, logs = obj.d_loss(L, Batch(real=real, fake=fake))
    assert float(loss) == pytest.approx(0.1 * 0.1 + 0.25)
    assert float(logs["slack"]) == pytest.approx(0.25)
    assert float(obj.g_loss(L, Batch(fake=fake))[0]) == pytest.approx(0.75)
    assert float(logs["gap"]) == pytest.approx(0.75 - 0.1)
    with pytest.raises(ValueError, match="margin_scale"):
        objectives.LossSensitive(margin_scale=0)
    with pytest.raises(ValueError, match="gamma"):
        objectives.LossSensitive(gamma=-1)


def test_loss_sensitive_trains_through_the_one_loop():
    G, D = nets.mlp(2, 2, hidden=(16,), seed=0), nets.mlp(2, 1, hidden=(16,), seed=1)
    run = ganlib.train(G, D, data.ring(), objectives.LossSensitive(), steps=20, batch_size=32,
                       progress=False)
    assert run.steps_done == 20 and all(np.isfinite(run.history["d_loss"]))
