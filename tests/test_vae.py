"""The VAE baseline: its ELBO against the exact evidence of a linear-Gaussian model, the sympy
derivation against scipy quadrature, and training; image MLPs in train_many."""
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from torch import nn

import ganlib
from ganlib import data, nets, objectives, theory
from ganlib.vae import VAE, train_vae


def test_elbo_derivation_matches_quadrature_and_the_exact_evidence():
    d = theory.elbo_derivation()
    assert d["split"] == 0 and d["posterior"] == 0
    x, w, s, m, v = 0.7, 1.3, 0.6, -0.2, 0.5
    values = {"x": x, "w": w, "s": s, "m": m, "v": v}
    elbo = float(d["elbo"].subs({sym: values[sym.name] for sym in d["elbo"].free_symbols}))

    def integrand(z):
        q = stats.norm(m, math.sqrt(v))
        return q.pdf(z) * (stats.norm(w * z, s).logpdf(x) + stats.norm.logpdf(z) - q.logpdf(z))

    quad, _ = integrate.quad(integrand, -12, 12)
    assert elbo == pytest.approx(quad, abs=1e-9)
    evidence = stats.norm(0, math.sqrt(w ** 2 + s ** 2)).logpdf(x)
    pm, pv = w * x / (w ** 2 + s ** 2), s ** 2 / (w ** 2 + s ** 2)
    kl, _ = integrate.quad(lambda z: stats.norm(m, math.sqrt(v)).pdf(z) * (
        stats.norm(m, math.sqrt(v)).logpdf(z) - stats.norm(pm, math.sqrt(pv)).logpdf(z)), -12, 12)
    assert evidence - elbo == pytest.approx(kl, abs=1e-9) and kl > 0


def _linear_gaussian_vae(exact):
    """A VAE whose decoder is linear, x = b + W z + s ε with orthogonal columns of W, so that the
    evidence is N(b, W Wᵀ + s² I) and the posterior is diagonal; the encoder gives the exact
    posterior (``exact``) or a shifted, widened one."""
    torch.manual_seed(0)
    dim, latent, s = 6, 3, 0.5
    q, _ = torch.linalg.qr(torch.randn(dim, latent, dtype=torch.float64))
    W = q * torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64)
    b = torch.randn(dim, dtype=torch.float64) * 0.3
    c = (W ** 2).sum(0)
    vae = VAE((1, 1, dim), latent_dim=latent, hidden=(4,)).double()
    vae.decoder = nn.Linear(latent, dim).double()
    vae.decoder.weight.data, vae.decoder.bias.data = W.clone(), b.clone()
    vae.log_scale.data = torch.tensor(math.log(s), dtype=torch.float64)
    enc = nn.Linear(dim, 2 * latent).double()
    post_var = s ** 2 / (c + s ** 2)
    enc.weight.data = torch.cat([W.T / (c + s ** 2)[:, None], torch.zeros(latent, dim, dtype=torch.float64)])
    enc.bias.data = torch.cat([-(W.T @ b) / (c + s ** 2), post_var.log()])
    if not exact:
        enc.bias.data = enc.bias.data + torch.tensor([0.3, -0.2, 0.1, 0.5, -0.4, 0.2], dtype=torch.float64)
    vae.encoder = enc
    return vae, W, b, s


@pytest.mark.parametrize("exact", [True, False])
def test_vae_elbo_is_the_evidence_minus_the_posterior_gap(exact):
    vae, W, b, s = _linear_gaussian_vae(exact)
    x = torch.tensor([0.5, -1.0, 0.2, 0.9, -0.3, 0.1], dtype=torch.float64)
    evidence = stats.multivariate_normal(b.numpy(), (W @ W.T).numpy() + s ** 2 * np.eye(6)).logpdf(x.numpy())
    n = 200_000
    with torch.no_grad():
        elbo, log_lik, kl = vae.elbo(x.view(1, 1, 1, 6).expand(n, 1, 1, 6), torch.Generator().manual_seed(1))
        mu, logvar = vae.encode(x.view(1, 6))
    c = (W ** 2).sum(0)
    pm, pv = (W.T @ (x - b)) / (c + s ** 2), s ** 2 / (c + s ** 2)
    qv = logvar.exp()[0]
    gap = 0.5 * float((torch.log(pv / qv) + (qv + (mu[0] - pm) ** 2) / pv - 1).sum())   # KL(q ‖ posterior)
    assert (gap < 1e-12) == exact
    se = float(elbo.std()) / math.sqrt(n)
    assert float(elbo.mean()) == pytest.approx(evidence - gap, abs=5 * se + 1e-9)
    # the KL term is the closed form, the same for every draw
    kl_closed = 0.5 * float((mu ** 2 + qv - 1 - logvar).sum())
    assert float(kl[0]) == pytest.approx(kl_closed, rel=1e-12)
    assert torch.allclose(elbo, log_lik - kl)


def test_train_vae_raises_the_elbo_and_is_reproducible():
    digits = data.digits()
    runs = [train_vae(VAE(digits.shape, latent_dim=4, hidden=(32,), seed=0), digits, steps=300,
                      lr=2e-3, seed=5, progress=False) for _ in range(2)]
    h = runs[0].history
    assert h == runs[1].history and set(h) == {"elbo", "log_lik", "kl", "scale"}
    assert np.mean(h["elbo"][-50:]) > np.mean(h["elbo"][:10]) + 20        # nats per image
    x = runs[0].sample(7)
    assert x.shape == (7, 1, 8, 8) and x.abs().max() <= 1
    assert torch.equal(x, runs[1].sample(7))


def test_train_vae_names_bad_arguments():
    digits = data.digits()
    vae = VAE(digits.shape, latent_dim=2, hidden=(8,))
    with pytest.raises(TypeError, match="vae"):
        train_vae(nn.Linear(2, 2), digits, steps=1)
    with pytest.raises(TypeError, match="data"):
        train_vae(vae, data.ring(), steps=1)
    with pytest.raises(ValueError, match="data"):
        train_vae(VAE((1, 4, 4), latent_dim=2), digits, steps=1)
    with pytest.raises(ValueError, match="steps"):
        train_vae(vae, digits, steps=0)
    with pytest.raises(ValueError, match="lr"):
        train_vae(vae, digits, steps=1, lr=-1.0)


def test_train_vae_says_where_it_diverged():
    digits = data.digits()
    vae = VAE(digits.shape, latent_dim=2, hidden=(8,), seed=0)
    with torch.no_grad():
        vae.log_scale.fill_(float("nan"))
    with pytest.raises(ganlib.TrainingDiverged, match="step 0: the ELBO"):
        train_vae(vae, digits, steps=5, progress=False)


def test_image_mlps_train_at_once_as_single_trains():
    digits = data.digits()
    seeds = [2, 0]
    pairs = [nets.image_mlp(4, digits.shape, hidden=(16, 16), seed=10 * i) for i in range(2)]
    copies = [nets.image_mlp(4, digits.shape, hidden=(16, 16), seed=10 * i) for i in range(2)]
    runs = ganlib.train_many([p[0] for p in pairs], [p[1] for p in pairs], digits,
                             objectives.NonSaturating(), seeds=seeds, steps=10, batch_size=16,
                             n_snapshot=8, progress=False, device="cpu", lr_g=1e-3, lr_d=1e-3)
    for i, seed in enumerate(seeds):
        one = ganlib.train(*copies[i], digits, objectives.NonSaturating(), seed=seed, steps=10,
                           batch_size=16, n_snapshot=8, progress=False, device="cpu", lr_g=1e-3,
                           lr_d=1e-3)
        np.testing.assert_allclose(runs[i].history["g_loss"], one.history["g_loss"], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(runs[i].snapshots[-1][1], one.snapshots[-1][1], rtol=1e-4, atol=1e-5)
        assert runs[i].snapshots[-1][1].shape == (8, 1, 8, 8)
