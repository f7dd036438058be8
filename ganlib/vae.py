"""A variational auto-encoder (Kingma & Welling 2014): the likelihood-based baseline that the
evaluation chapter sets beside the GANs.

The encoder gives q(z | x) = N(μ(x), diag σ²(x)); the prior is p(z) = N(0, I); the decoder gives
p(x | z) = N(x̂(z), s² I) with one learned noise scale s for all pixels.  Training maximises the
evidence lower bound, per image and in nats,

    ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)) ≤ log p(x),

with the expectation estimated by one reparameterised draw z = μ + σ ε and the KL term in closed
form, ½ Σ (μ² + σ² − 1 − log σ²) (:func:`ganlib.theory.gaussian_kl_derivation`).  As a
generator the VAE is its decoder: ``vae(z)`` is the mean image x̂(z), which is what VAE papers
show as samples (drawing the pixel noise s·ε as well would only add static).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import check_positive, check_positive_int
from .data import ImageData, eval_generate
from .nets import mlp
from .training import _SYNC_EVERY, TrainingDiverged, _bar, _progress_default, _resolve_device

__all__ = ["VAE", "VAERun", "train_vae"]


class VAE(nn.Module):
    """An MLP VAE for images of ``shape`` (C, H, W) in [-1, 1] with a ``latent_dim``-dimensional
    code; ``forward(z)`` decodes (a generator G(z) for every sampler and metric of ganlib)."""

    def __init__(self, shape, latent_dim=8, hidden=(256,), seed=None):
        super().__init__()
        self.shape = tuple(check_positive_int(s, "shape") for s in shape)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        dim = math.prod(self.shape)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.encoder = mlp(dim, 2 * latent_dim, hidden=hidden, activation="relu")
            self.decoder = mlp(latent_dim, dim, hidden=tuple(reversed(hidden)), activation="relu",
                               out_activation="tanh")
        self.log_scale = nn.Parameter(torch.zeros(()))     # log s, the decoder's pixel noise

    def encode(self, x):
        """The encoder's mean μ(x) and log-variance log σ²(x), each [n, latent_dim]."""
        mu, logvar = self.encoder(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar.clamp(-20.0, 10.0)

    def forward(self, z):
        """The decoder's mean image x̂(z), [n, *shape]."""
        return self.decoder(z).view(len(z), *self.shape)

    def elbo(self, x, generator=None):
        """Per image: the ELBO's one-draw estimate and its two terms (E_q log p(x|z) and
        KL(q ‖ p)), each [n], in nats."""
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device) if generator is not None \
            else torch.randn_like(mu)
        z = mu + (0.5 * logvar).exp() * eps
        d = x[0].numel()
        sq = (x - self(z)).flatten(1).pow(2).sum(1)
        log_lik = -0.5 * sq * torch.exp(-2 * self.log_scale) - d * (self.log_scale + 0.5 * math.log(2 * math.pi))
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
        return log_lik - kl, log_lik, kl


class VAERun:
    """The record of one VAE training: the model, ``history`` (per step: ``elbo``, ``log_lik``,
    ``kl``, batch means in nats per image; ``scale``, the decoder's s) and ``config``."""

    def __init__(self, vae, history, config):
        self.vae, self.G, self.history, self.config = vae, vae, history, config

    @torch.no_grad()
    def sample(self, n, seed=0):
        """``n`` decoded samples x̂(z), z ~ N(0, I), on the CPU."""
        z = torch.randn(n, self.vae.latent_dim, generator=torch.Generator().manual_seed(seed))
        return eval_generate(self.vae, z)

    def __repr__(self):
        return (f"VAERun({len(self.history['elbo'])} steps, final ELBO "
                f"{self.history['elbo'][-1]:.1f} nats per image)")


def train_vae(vae, data, *, steps, batch_size=64, lr=1e-3, seed=0, device=None, progress=None):
    """Train ``vae`` (a :class:`VAE`) on ``data`` (a :class:`~ganlib.data.ImageData` of the
    VAE's shape) by maximising the ELBO with Adam; returns a :class:`VAERun`.  Stops with
    :class:`~ganlib.TrainingDiverged` (naming the step) if the ELBO becomes NaN or infinite."""
    if not isinstance(vae, VAE):
        raise TypeError(f"vae must be a ganlib.vae.VAE, got {type(vae).__name__}")
    if not isinstance(data, ImageData):
        raise TypeError(f"data must be a ganlib.data.ImageData, got {type(data).__name__}")
    if tuple(data.shape) != vae.shape:
        raise ValueError(f"data: images of shape {tuple(data.shape)} but the VAE is for {vae.shape}")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_positive(lr, "lr")
    dev = _resolve_device(device)
    vae.to(dev).train()
    gen = torch.Generator().manual_seed(seed)
    eps_gen = torch.Generator(device=dev).manual_seed(seed + 1)
    opt = torch.optim.Adam(vae.parameters(), lr=lr)
    keys = ("elbo", "log_lik", "kl", "scale")
    rows = []
    with _bar(steps, _progress_default(progress), "train VAE") as bar:
        for step in range(steps):
            x = data.sample(batch_size, gen).to(dev)
            elbo, log_lik, kl = vae.elbo(x, eps_gen)
            loss = -elbo.mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            rows.append(torch.stack([elbo.mean(), log_lik.mean(), kl.mean(), vae.log_scale.exp()]).detach())
            if (step + 1) % _SYNC_EVERY == 0 or step + 1 == steps:      # one host sync per block
                block = torch.stack(rows[-((step % _SYNC_EVERY) + 1):]).cpu()
                bad = ~torch.isfinite(block).all(1)
                if bad.any():
                    at = step - len(block) + 1 + int(bad.nonzero()[0])
                    raise TrainingDiverged(at, "the ELBO", float(torch.stack(rows)[at, 0]))
            bar.update()
    history = {k: v.tolist() for k, v in zip(keys, torch.stack(rows).cpu().T)}
    return VAERun(vae, history, dict(steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                                     latent_dim=vae.latent_dim))
