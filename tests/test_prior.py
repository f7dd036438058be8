"""The latent prior: Gaussian by default (the same draws as before), uniform noise, InfoGAN's
categorical and uniform codes, and one prior for training, snapshots and Run.sample."""
import numpy as np
import pytest
import torch
from scipy import stats

import ganlib
from ganlib import data, nets, objectives


def test_default_prior_draws_exactly_standard_normal_noise():
    a = data.Prior(5).sample(100, torch.Generator().manual_seed(3))
    b = torch.randn(100, 5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_codes_have_the_right_distributions_and_split_back():
    prior = data.Prior(4, categorical=(10, 3), uniform=2, noise="uniform")
    assert prior.dim == 4 + 10 + 3 + 2
    z = prior.sample(30_000, torch.Generator().manual_seed(0))
    noise, classes, cont = prior.split(z)
    assert noise.shape == (30_000, 4) and cont.shape == (30_000, 2) and len(classes) == 2
    # one-hot blocks: exactly one 1 per block, classes uniform (chi-square test at a fixed seed)
    assert torch.equal(z[:, 4:14].sum(1), torch.ones(30_000))
    for k, idx in zip((10, 3), classes):
        counts = np.bincount(idx.numpy(), minlength=k)
        assert stats.chisquare(counts).pvalue > 1e-3
    # U[-1, 1] noise and codes: KS tests against the uniform on [-1, 1]
    for column in (noise[:, 0], cont[:, 1]):
        assert column.min() >= -1 and column.max() <= 1
        assert stats.kstest(column.numpy(), "uniform", args=(-1, 2)).pvalue > 1e-3
    gauss = data.Prior(3).sample(30_000, torch.Generator().manual_seed(1))
    assert stats.kstest(gauss[:, 2].numpy(), "norm").pvalue > 1e-3
    with pytest.raises(ValueError, match=r"shape \[n, 19\]"):
        prior.split(torch.zeros(3, 5))


@pytest.mark.parametrize("kwargs,word", [
    (dict(noise_dim=0), "noise_dim"), (dict(noise_dim=2, categorical=(1,)), "categorical"),
    (dict(noise_dim=2, uniform=-1), "uniform"), (dict(noise_dim=2, noise="cauchy"), "noise"),
])
def test_prior_arguments_are_checked(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        data.Prior(**kwargs)


def test_training_snapshots_and_sampling_use_one_prior(tmp_path):
    prior = data.Prior(2, categorical=4, uniform=1)
    seen = []

    class Recording(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nets.mlp(prior.dim, 2, hidden=(8,), seed=0)

        def forward(self, z):
            seen.append(z.detach().clone())
            return self.net(z)

    G, D = Recording(), nets.mlp(2, 1, hidden=(8,), seed=1)
    run = ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, batch_size=16,
                       prior=prior, n_snapshot=32, progress=False, device="cpu")
    assert run.prior == prior and run.config["latent_dim"] == prior.dim
    for z in seen[1:]:                                 # after the dry run: every z is from the prior
        assert torch.equal(z[:, 2:6].sum(1), torch.ones(len(z)))
        assert float(z[:, 6:].abs().max()) <= 1
    assert torch.equal(run.z_fixed[:, 2:6].sum(1), torch.ones(32))
    seen.clear()
    run.sample(20, seed=1)
    assert torch.equal(seen[0], prior.sample(20, torch.Generator().manual_seed(1)))
    back = ganlib.Run.load(run.save(tmp_path / "run.pt"), Recording(), nets.mlp(2, 1, hidden=(8,)))
    assert back.prior == prior
    with pytest.raises(ValueError, match="disagrees with prior"):
        ganlib.train(Recording(), D, data.ring(), objectives.NonSaturating(), steps=1,
                     latent_dim=3, prior=prior, progress=False)
    with pytest.raises(TypeError, match="prior"):
        ganlib.train(Recording(), D, data.ring(), objectives.NonSaturating(), steps=1,
                     prior=7, progress=False)


def test_generated_distribution_takes_a_prior():
    prior = data.Prior(3, uniform=1)
    G = nets.mlp(4, 2, hidden=(8,), seed=0)
    gen = data.generated(G, prior)
    assert gen.dim == 2 and gen.latent_dim == 4 and "Prior(3, uniform=1)" in repr(gen)
    assert gen.sample(10, torch.Generator().manual_seed(0)).shape == (10, 2)


def test_set_codes_changes_only_the_codes_asked_for():
    prior = data.Prior(3, categorical=(4, 2), uniform=2)
    z = prior.sample(6, torch.Generator().manual_seed(0))
    values = torch.linspace(-2, 2, 6)
    w = prior.set_codes(z, {0: 3, 1: torch.tensor([0, 1, 0, 1, 0, 1])}, {1: values})
    noise, classes, cont = prior.split(w)
    assert torch.equal(noise, prior.split(z)[0])                     # the noise is kept
    assert torch.equal(classes[0], torch.full((6,), 3)) and torch.equal(classes[1], torch.tensor([0, 1] * 3))
    assert torch.equal(cont[:, 0], prior.split(z)[2][:, 0]) and torch.equal(cont[:, 1], values)
    assert w[:, 3:7].sum(1).eq(1).all() and w[:, 7:9].sum(1).eq(1).all()   # still one-hot
    assert torch.equal(prior.split(z)[1][0], prior.split(z.clone())[1][0])  # z itself is untouched
    one = data.Prior(2, categorical=5)
    assert torch.equal(one.split(one.set_codes(one.sample(3), 4))[1][0], torch.full((3,), 4))
    with pytest.raises(ValueError, match="classes: categorical code 0 takes classes 0 … 3"):
        prior.set_codes(z, {0: 4})
    with pytest.raises(ValueError, match="has no uniform code 2"):
        prior.set_codes(z, continuous={2: 0.0})
    with pytest.raises(ValueError, match="z must have shape"):
        prior.set_codes(z[:, :4], 1)


def test_infogan_infer_reads_q_heads_from_d():
    prior = data.Prior(2, categorical=(3, 2), uniform=1)
    obj = objectives.InfoGAN(prior)

    class Fixed(torch.nn.Module):     # score 0, logits that pick class 2 and class 0, mean x[:, 0]
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            n = len(x)
            logits = torch.tensor([0.0, 1.0, 5.0, 3.0, -1.0]).expand(n, 5)
            return torch.cat([torch.zeros(n, 1), logits, x[:, :1]], 1) + 0 * self.w

    D = Fixed().train()
    x = torch.randn(7, 2)
    classes, cont = obj.infer(D, x, batch_size=3)
    assert torch.equal(classes[0], torch.full((7,), 2)) and torch.equal(classes[1], torch.zeros(7, dtype=torch.long))
    assert torch.allclose(cont[:, 0], x[:, 0]) and D.training        # D's mode is restored
    with pytest.raises(ValueError, match="1 \\+ 7 columns"):
        objectives.InfoGAN(data.Prior(2, categorical=5, uniform=2)).infer(D, x)
