"""Tests that a plausible wrong program cannot pass by chance: the penalty's ε and x̂, batch-norm
statistics under sampling, data that really shuffles, each objective's paper defaults, and the
sign guard of fit_discriminator."""
import warnings

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

import ganlib
from ganlib import data, nets, objectives
from ganlib.objectives import Batch


# --------------------------------------------------------------------------- the penalty's points
def test_interpolation_weights_are_uniform_on_the_unit_interval():
    """The ε that training hands the penalty: one U[0, 1) variate per sample, fresh each step."""
    seen = []

    class Recording(objectives.WassersteinGP):
        def d_loss(self, D, batch):
            seen.append(batch.u)
            return super().d_loss(D, batch)

    ganlib.train(nets.mlp(2, 2, hidden=(4,), seed=0), nets.mlp(2, 1, hidden=(4,), seed=1),
                 data.ring(), Recording(), steps=40, batch_size=100, progress=False)
    e = torch.cat(seen).cpu().numpy()
    assert len(e) == 40 * 5 * 100 and e.min() >= 0 and e.max() <= 1
    # U[0, 1], not N(0, 1) or a constant: a KS test at a fixed seed, and the first two moments
    assert stats.kstest(e, "uniform").pvalue > 1e-3
    assert e.mean() == pytest.approx(0.5, abs=0.01) and e.var() == pytest.approx(1 / 12, abs=0.003)
    real, fake, u = torch.randn(100, 3), torch.randn(100, 3), seen[0].cpu()
    torch.testing.assert_close(objectives.interpolate(real, fake, u),
                               u[:, None] * real + (1 - u[:, None]) * fake)


def test_penalty_is_evaluated_on_the_segments_between_paired_samples():
    """Record the points where the critic is differentiated: each lies on the segment from its
    fake to its real sample, at one ε for all its coordinates (not one per pixel)."""
    seen = []

    class Recording(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2 * 4 * 4, 1)

        def forward(self, x):
            seen.append(x.detach().clone())
            return self.lin(x.flatten(1))

    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(64, 2, 4, 4, generator=gen), torch.randn(64, 2, 4, 4, generator=gen) + 3
    objectives.WassersteinGP().d_loss(Recording(), Batch(real=real, fake=fake, u=torch.rand(64)))
    x_hat = seen[2]                              # D(real), D(fake), then D(x̂)
    d, u = (real - fake).flatten(1), (x_hat - fake).flatten(1)
    t = (u * d).sum(1) / (d * d).sum(1)                     # the position along each segment
    assert torch.all(t >= 0) and torch.all(t <= 1)
    torch.testing.assert_close(u, t[:, None] * d, atol=1e-5, rtol=0)   # on the segment itself
    assert float(t.std()) > 0.2                                # a fresh ε per sample


def test_one_sided_penalty_is_zero_below_slope_one_and_equal_above():
    real, fake = torch.randn(32, 5), torch.randn(32, 5)
    for norm, two, one in ((0.5, 0.25, 0.0), (2.0, 1.0, 1.0)):
        D = nn.Linear(5, 1)
        with torch.no_grad():
            D.weight.copy_(D.weight / D.weight.norm() * norm)
        for one_sided, expected in ((False, two), (True, one)):
            _, logs = objectives.WassersteinGP(lam=1, one_sided=one_sided).d_loss(
                D, Batch(real=real, fake=fake, u=torch.rand(32)))
            assert float(logs["penalty"].detach()) == pytest.approx(expected, rel=1e-5, abs=1e-7)
    assert "one_sided=True" in repr(objectives.WassersteinGP(one_sided=True))
    with pytest.raises(TypeError, match="one_sided"):
        objectives.WassersteinGP(one_sided="yes")


# --------------------------------------------------------------------------- batch norm, sampling
def test_sampling_a_batch_norm_generator_leaves_its_statistics_untouched():
    G, D = nets.dcgan(16, 8, width=8, norm="batch", seed=0)
    run = ganlib.train(G, D, data.digits(), objectives.NonSaturating(), steps=2, batch_size=16,
                       progress=False, device="cpu")
    before = {k: v.clone() for k, v in G.state_dict().items()}
    run.sample(300, seed=1)
    data.generated(G, 16).sample(50, torch.Generator().manual_seed(0))
    assert G.training                                     # the mode is restored, too
    for k, v in G.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_snapshots_do_not_change_training():
    """Snapshots in train mode would update batch-norm statistics; drawing their latents from
    the training generator would shift every later batch. Either changes the final weights."""
    finals = []
    for every in (None, 1):
        G, D = nets.dcgan(16, 8, width=8, norm="batch", seed=0)
        ganlib.train(G, D, data.digits(), objectives.NonSaturating(), steps=3, batch_size=16,
                     snapshot_every=every, n_snapshot=64, progress=False, device="cpu")
        finals.append(G.state_dict())
    for k in finals[0]:
        assert torch.equal(finals[0][k], finals[1][k]), k


# --------------------------------------------------------------------------- shuffling
@pytest.mark.parametrize("ds", [data.digits(), data.ring(), data.gaussian(0, 1)], ids=repr)
def test_two_seeds_draw_different_batches(ds):
    a = ds.sample(64, torch.Generator().manual_seed(0))
    b = ds.sample(64, torch.Generator().manual_seed(1))
    again = ds.sample(64, torch.Generator().manual_seed(0))
    assert not torch.equal(a, b) and torch.equal(a, again)


def test_image_draws_reach_nearly_every_image():
    ds = data.digits()
    gen = torch.Generator().manual_seed(0)
    flat = ds.images.flatten(1)
    index = {tuple(row.tolist()): i for i, row in enumerate(flat)}
    seen = set()
    for _ in range(20):                                 # 5,120 draws with replacement
        seen.update(index[tuple(row.tolist())] for row in ds.sample(256, gen).flatten(1))
    # with replacement the expected share is 1 − exp(−5120/1797) ≈ 0.94 of distinct images
    # (a few of the 1,797 digits are duplicates, so count distinct rows)
    assert len(seen) / len(index) > 0.90


def test_training_batches_follow_the_seed():
    drawn = {}
    for seed in (0, 1):
        G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
        run = ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, batch_size=32,
                           seed=seed, progress=False)
        drawn[seed] = run.history["d_loss"]
    assert drawn[0] != drawn[1]


# --------------------------------------------------------------------------- paper defaults
def test_recorded_paper_defaults():
    w = objectives.Wasserstein()
    assert w.clip == 0.01 and w.n_critic == 5                               # Arjovsky et al. 2017
    assert w.paper_defaults == dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, batch_size=64,
                                    n_critic=5)
    gp = objectives.WassersteinGP()
    assert gp.lam == 10.0 and gp.n_critic == 5 and not gp.one_sided           # Gulrajani et al.
    assert gp.paper_defaults == dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9),
                                     batch_size=64, n_critic=5)
    ls = objectives.LeastSquares()
    assert (ls.a, ls.b, ls.c) == (-1.0, 1.0, 0.0)                            # Mao et al., eq. (9)
    lsg = objectives.LossSensitive()
    assert lsg.gamma == 0.0 and lsg.paper_defaults == dict(optimizer="adam", lr_g=1e-4,
                                                            lr_d=1e-4, betas=(0.5, 0.999),
                                                            batch_size=64)
    for obj in (objectives.Minimax(), objectives.NonSaturating(), objectives.FDivergence("kl")):
        assert obj.n_critic == 1
    assert objectives.FDivergence("kl").generator_loss == "saddle"


# --------------------------------------------------------------------------- the sign guard
class _FlippedInit(nn.Module):
    """A linear critic that starts with the wrong sign for N(0, 1) vs N(1.5, ·)."""

    def __init__(self, slope):
        super().__init__()
        self.lin = nn.Linear(1, 1)
        with torch.no_grad():
            self.lin.weight.fill_(slope)
            self.lin.bias.zero_()

    def forward(self, x):
        return self.lin(x)


@pytest.mark.training_outcome
def test_linear_critic_lands_in_the_well_its_sign_chooses():
    """For f(x) = a·x the two-sided loss a·(μ_Q − μ_P) + λ(|a| − 1)² has minima at
    a = −(1 + Δ/2λ) and a = +(1 − Δ/2λ); the one-sided loss only at the first."""
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.6)
    lam, delta = 10.0, 1.5
    slopes = {}
    for one_sided in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = ganlib.fit_discriminator(p, q, objectives.WassersteinGP(lam=lam, one_sided=one_sided),
                                           D=_FlippedInit(0.5), steps=600, lr=1e-2, n_eval=50_000,
                                           device="cpu", progress=False)
        slopes[one_sided] = float(fit.net.lin.weight.detach())
        warned = any(issubclass(w.category, ganlib.FitWarning) for w in caught)
        assert warned == (not one_sided)               # the wrong well is reported, never silent
    assert slopes[False] == pytest.approx(1 - delta / (2 * lam), abs=0.01)
    assert slopes[True] == pytest.approx(-(1 + delta / (2 * lam)), abs=0.01)


@pytest.mark.training_outcome
def test_fit_restarts_a_wrong_signed_critic():
    """A critic that lands in the wrong well is refitted from a fresh initialisation, with a
    warning; the returned estimate is then positive. Found by scanning seeds: the first one
    whose unguarded two-sided fit is wrong-signed (about one seed in three)."""
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.6)
    kw = dict(steps=300, n_eval=20_000, progress=False, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = next(s for s in range(30)
                   if ganlib.fit_discriminator(p, q, objectives.WassersteinGP(), seed=s,
                                               restarts=0, **kw).estimate < 0)
    with pytest.warns(ganlib.FitWarning, match="refitting"):
        fit = ganlib.fit_discriminator(p, q, objectives.WassersteinGP(), seed=bad, restarts=5, **kw)
    assert fit.restarts >= 1 and fit.estimate > 0
    with pytest.raises(ValueError, match="restarts"):
        ganlib.fit_discriminator(p, q, restarts=-1)


def test_the_guard_knows_each_divergences_smallest_value():
    """f-GAN's "gan" divergence 2·JS − log 4 is negative for every P ≠ Q: not a failed fit."""
    assert objectives.FDivergence("gan").divergence_min == pytest.approx(-np.log(4))
    assert all(objectives.FDivergence(n).divergence_min == 0 for n in ("kl", "js", "pearson"))
    assert objectives.Minimax().divergence_min == 0 and objectives.WassersteinGP().divergence_min == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ganlib.FitWarning)
        fit = ganlib.fit_discriminator(data.gaussian(0, 1), data.gaussian(0.6, 1),
                                       objectives.FDivergence("gan"), steps=300, n_eval=20_000,
                                       progress=False)
    assert fit.estimate < 0 and fit.restarts == 0
