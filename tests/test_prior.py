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
