"""GAN objectives, one small class per paper, all with one interface.

An objective is what the two players minimise.  ``ganlib.train`` hands it a
:class:`Batch` (the real samples, the generator's samples, the latent vectors, …) and the
discriminator ``D`` (a callable: samples in, raw scores out), and asks for

* ``d_loss(D, batch) -> (loss, logs)``: what the discriminator minimises, and
* ``g_loss(D, batch) -> (loss, logs)``: what the generator minimises (``batch.fake`` then
  carries the generator's gradient),

where ``logs`` is a dict of the quantities worth plotting, among them the divergence that the
discriminator's value estimates, under its own name ``objective.divergence`` ("JS", "W1", …).
Each ``d_loss`` is written in one place, as its paper's equation.  The rest of the interface
has defaults:

* ``after_step(D, logs)``: called after every discriminator update (WGAN's weight clipping);
* ``n_critic`` and ``paper_defaults``: the paper's schedule and settings;
* ``estimate(D, real, fake)``: the divergence estimate alone, for evaluation;
* ``d_value(r)``: the paper's D (or T, or L) from raw scores, e.g. sigmoid(r);
* ``optimal_discriminator(p_x, q_x)``: D* from the two densities at x (numpy), where known;
* ``reset()``, ``state_dict()``, ``load_state_dict()``: state an objective keeps across steps
  (none here), restarted at the start of a run and saved with it.
"""
import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F

from . import theory
from ._checks import check_positive, check_real

__all__ = ["Batch", "Objective", "Minimax", "NonSaturating", "FDivergence", "LeastSquares",
           "Wasserstein", "WassersteinGP", "LossSensitive", "interpolate", "gradient_norms"]


@dataclass
class Batch:
    """One step's tensors, as ``ganlib.train`` hands them to an objective.

    ``real``: data samples; ``fake``: the generator's samples G(z) (detached for the
    discriminator's loss, attached for the generator's); ``z``: the latent vectors they came
    from; ``y``: the class labels of a conditional run (``D`` is then already ``D(·, y)``);
    ``u``: one U[0, 1) variate per sample, drawn from the run's seeded random stream, for
    objectives with randomness of their own (the gradient penalty's ε).
    """

    real: Optional[torch.Tensor] = None
    fake: Optional[torch.Tensor] = None
    z: Optional[torch.Tensor] = None
    y: Optional[torch.Tensor] = None
    u: Optional[torch.Tensor] = None


class Objective:
    """Base class: the defaults of the interface (see the module's docstring)."""

    n_critic = 1             # discriminator updates per generator update
    divergence = "estimate"  # the name, in the logs, of the divergence that D's value estimates
    divergence_min = 0.0     # the divergence's smallest value (at P = Q); below it a fit failed
    paper_defaults = {}      # keyword arguments of ``ganlib.train`` that the paper used

    def d_loss(self, D, batch):  # pragma: no cover - abstract
        raise NotImplementedError

    def g_loss(self, D, batch):  # pragma: no cover - abstract
        raise NotImplementedError

    def after_step(self, D, logs):
        """Called after every discriminator update, with that update's logs."""

    @torch.no_grad()
    def estimate(self, D, real, fake):
        """The divergence estimate with the current D on the samples ``real`` and ``fake``."""
        return self.d_loss(D, Batch(real=real, fake=fake))[1][self.divergence]

    def d_value(self, r):
        """The paper's discriminator value from the network's raw output ``r``."""
        return r

    def reset(self):
        """Restart any state the objective keeps across steps (called at the start of a run)."""

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        if state:
            raise ValueError(f"{type(self).__name__} keeps no state, got {sorted(state)}")

    def __repr__(self):
        return f"{type(self).__name__}()"


class Minimax(Objective):
    """Goodfellow et al. (2014), eq. (1):

        min_G max_D V(D, G) = E_data[log D(x)] + E_z[log(1 − D(G(z)))],

    with D(x) = sigmoid(r(x)) of the network's raw score r.  The generator minimises the same V
    (the "saturating" loss E_z[log(1 − D(G(z)))]).  At D* = p_data / (p_data + p_g),
    V = −log 4 + 2·JS(p_data‖p_g), so (V + log 4) / 2 estimates JS.
    """

    divergence = "JS"

    def d_loss(self, D, batch):
        # log D = log sigmoid(r) = −softplus(−r);  log(1 − D) = −softplus(r)
        V = -F.softplus(-D(batch.real)).mean() - F.softplus(D(batch.fake)).mean()
        return -V, {"V": V, "JS": (V + math.log(4)) / 2}          # D ascends V

    def g_loss(self, D, batch):
        return -F.softplus(D(batch.fake)).mean(), {}               # E_z[log(1 − D(G(z)))]

    def d_value(self, r):
        return torch.sigmoid(r)

    def optimal_discriminator(self, p_x, q_x):
        return theory.d_star_minimax(p_x, q_x)


class NonSaturating(Minimax):
    """Goodfellow et al. (2014), Section 3: the generator maximises log D(G(z)) instead,

        G minimises −E_z[log D(G(z))],

    which has the same fixed point but strong gradients early in training, when D rejects
    the generator's samples with confidence.  The discriminator's side is unchanged.
    """

    def g_loss(self, D, batch):
        return F.softplus(-D(batch.fake)).mean(), {}               # −E_z[log D(G(z))]


# Each f-divergence as torch code: T = g_f(v) (the paper's output activation) and f*(T),
# both written directly in the raw output v in a numerically stable form.
_F_GAN = {
    #  name:        (T(v),                               f*(T(v)))
    "kl":          (lambda v: v,                         lambda v: torch.exp(v - 1)),
    "reverse_kl":  (lambda v: -torch.exp(-v),            lambda v: v - 1),
    "pearson":     (lambda v: v,                         lambda v: v ** 2 / 4 + v),
    "neyman":      (lambda v: 1 - torch.exp(-v),         lambda v: 2 - 2 * torch.exp(-v / 2)),
    "hellinger":   (lambda v: 1 - torch.exp(-v),         lambda v: torch.exp(v) - 1),
    "js":          (lambda v: math.log(2) - F.softplus(-v), lambda v: F.softplus(v) - math.log(2)),
    "gan":         (lambda v: -F.softplus(-v),           lambda v: F.softplus(v)),
}


class FDivergence(Objective):
    """f-GAN, Nowozin, Cseke & Tomioka (2016), eq. (6):

        F(θ, ω) = E_{x~P}[ g_f(V_ω(x)) ] − E_{x~Q_θ}[ f*(g_f(V_ω(x))) ],

    maximised by the variational function T = g_f(V) (the "discriminator") and minimised by
    the generator Q_θ.  At the optimum T* = f'(p/q), F equals D_f(P‖Q) (for "js" that is
    2·JS with ½ factors).  ``generator_loss="saddle"`` descends F itself;
    ``"alternative"`` maximises E_Q[g_f(V(G(z)))] instead (the paper's Section 3.2
    heuristic, the analogue of the non-saturating GAN loss).
    """

    divergence = "D_f"

    def __init__(self, name, generator_loss="saddle"):
        if name not in _F_GAN:
            raise ValueError(f"name must be one of {sorted(_F_GAN)}, got {name!r}")
        if generator_loss not in ("saddle", "alternative"):
            raise ValueError(f"generator_loss must be 'saddle' or 'alternative', got {generator_loss!r}")
        self.name, self.generator_loss = name, generator_loss
        self._T, self._fstar_T = _F_GAN[name]
        if name == "gan":          # its f(u) = u log u − (u + 1) log(u + 1) has f(1) = −log 4
            self.divergence_min = -math.log(4)

    def __repr__(self):
        return f"FDivergence({self.name!r}, generator_loss={self.generator_loss!r})"

    def d_loss(self, D, batch):
        F_value = self._T(D(batch.real)).mean() - self._fstar_T(D(batch.fake)).mean()
        return -F_value, {"D_f": F_value}                          # T ascends F

    def g_loss(self, D, batch):
        v_fake = D(batch.fake)
        if self.generator_loss == "saddle":
            return -self._fstar_T(v_fake).mean(), {}               # Q descends F
        return -self._T(v_fake).mean(), {}                         # Q ascends E_Q[T]

    def d_value(self, v):
        return self._T(v)

    def optimal_discriminator(self, p_x, q_x):
        return theory.optimal_critic(self.name)(p_x, q_x)


class LeastSquares(Objective):
    """LSGAN, Mao et al. (2017), eq. (2): with raw scores D(x) (no sigmoid),

        D minimises ½ E_data[(D(x) − b)²] + ½ E_z[(D(G(z)) − a)²],
        G minimises ½ E_z[(D(G(z)) − c)²].

    D* = (b·p_data + a·p_g) / (p_data + p_g).  Adding G's constant ½ E_data[(D(x) − c)²], the
    generator's criterion at D* is C(G) with 2C(G) = ∫ ((b−c)(p_d + p_g) − (b−a)p_g)² / (p_d + p_g);
    for b − c = 1 and b − a = 2 (the default coding a, b, c = −1, 1, 0) this is
    ∫ (2p_g − (p_d + p_g))² / (p_d + p_g), a Pearson χ² (see ``ganlib.theory.lsgan_derivation``).
    The log "2C(G)" is that criterion with the current D: E_data[(D − c)²] + E_g[(D − c)²].
    The paper's other coding, (0, 1, 1), makes G push D(G(z)) to the "real" label.
    """

    divergence = "2C(G)"

    def __init__(self, a=-1.0, b=1.0, c=0.0):
        self.a, self.b, self.c = check_real(a, "a"), check_real(b, "b"), check_real(c, "c")
        if self.a == self.b:
            raise ValueError(f"a and b (the labels of fake and real data) must differ, got a = b = {a}")

    def __repr__(self):
        return f"LeastSquares(a={self.a:g}, b={self.b:g}, c={self.c:g})"

    def d_loss(self, D, batch):
        d_real, d_fake = D(batch.real), D(batch.fake)
        loss = 0.5 * ((d_real - self.b) ** 2).mean() + 0.5 * ((d_fake - self.a) ** 2).mean()
        return loss, {"2C(G)": ((d_real - self.c) ** 2).mean() + ((d_fake - self.c) ** 2).mean()}

    def g_loss(self, D, batch):
        return 0.5 * ((D(batch.fake) - self.c) ** 2).mean(), {}

    def optimal_discriminator(self, p_x, q_x):
        return theory.d_star_least_squares(p_x, q_x, self.a, self.b)


class Wasserstein(Objective):
    """WGAN, Arjovsky, Chintala & Bottou (2017), Algorithm 1.  The critic f (raw outputs, no
    sigmoid) maximises E_P[f(x)] − E_Q[f(x)] over weights clipped to [−clip, clip] after every
    critic step, a crude way to keep f K-Lipschitz for some K; the generator minimises
    −E_z[f(G(z))].  At the optimum the critic's value is K·W1(P, Q) (Kantorovich–Rubinstein),
    with K fixed by the clipping and the architecture, so the log "W1" is W1 up to that scale.

    Every parameter of the critic is clipped, as in the paper's code.  ``paper_defaults``: RMSProp
    with α = 5e-5, m = 64, n_critic = 5 (c = 0.01 is the default ``clip``).
    """

    n_critic = 5
    divergence = "W1"
    paper_defaults = dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, batch_size=64, n_critic=5)

    def __init__(self, clip=0.01):
        self.clip = check_positive(clip, "clip")

    def __repr__(self):
        return f"Wasserstein(clip={self.clip:g})"

    def d_loss(self, D, batch):
        W = D(batch.real).mean() - D(batch.fake).mean()
        return -W, {"W1": W}                        # the critic ascends E_P[f] − E_Q[f]

    def g_loss(self, D, batch):
        return -D(batch.fake).mean(), {}

    @torch.no_grad()
    def after_step(self, D, logs):
        for p in D.parameters():
            p.clamp_(-self.clip, self.clip)


def interpolate(real, fake, u):
    """Points x̂ = ε·x + (1 − ε)·x̃ on the segments between ``real`` and ``fake`` (paired row by
    row), with ε = ``u``, one U[0, 1] variate per sample (Gulrajani et al. 2017, Algorithm 1).
    Both batches are detached."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have the same shape, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    if u is None or u.shape != real.shape[:1]:
        raise ValueError(f"u must hold one variate per sample, shape ({len(real)},), got "
                         f"{None if u is None else tuple(u.shape)}")
    eps = u.reshape(-1, *[1] * (real.dim() - 1))
    return eps * real.detach() + (1 - eps) * fake.detach()


def gradient_norms(D, x):
    """‖∇_x D(x)‖₂ per sample, over all of a sample's dimensions, differentiable in D's weights.
    Written with ``torch.func.grad``, so that it also runs under ``vmap`` (``ganlib.train_many``);
    it cannot run through batch norm, whose running statistics it would have to update."""
    try:
        grad = torch.func.grad(lambda v: D(v).sum())(x)
    except RuntimeError as err:
        if "in-place" not in str(err):
            raise
        raise ValueError("the gradient penalty needs a critic without batch norm (the penalty is "
                         "per sample, Gulrajani et al. 2017, Section 4): use layer norm, e.g. "
                         "nets.dcgan(..., d_norm='layer')") from err
    return grad.flatten(1).norm(dim=1)


class WassersteinGP(Wasserstein):
    """WGAN-GP, Gulrajani et al. (2017), Algorithm 1: the same critic objective with a gradient
    penalty instead of clipping,

        E_Q[f(x̃)] − E_P[f(x)] + λ · E_x̂[(‖∇_x̂ f(x̂)‖₂ − 1)²],   x̂ = ε·x + (1 − ε)·x̃,  ε ~ U[0, 1],

    one ε per sample, the norm taken per sample over *all* input dimensions (channels and pixels
    together).  The optimal critic has gradient norm 1 on the lines between coupled points,
    which the penalty asks for softly.  No clipping.  ``paper_defaults``: λ = 10, Adam with
    α = 1e-4, β = (0, 0.9), m = 64, n_critic = 5.  The critic should not use batch norm (the
    penalty is per sample); ``nets.dcgan(..., d_norm="layer")`` is the paper's replacement.

    ``one_sided=True`` penalises only gradients steeper than 1, λ·E[max(0, ‖∇f(x̂)‖ − 1)²]: the
    variant that Gulrajani et al. (Section 4) mention and that Petzka, Fischer & Lukovnikov
    (2018) argue for.  The paper's two-sided penalty also pulls a flat critic *up* to slope 1,
    and for a critic of the wrong sign that pull makes a second, wrong local minimum: for two
    shifted distributions a linear critic settles at slope 1 + W1/(2λ) with the right sign, or
    at 1 − W1/(2λ) with the wrong one.  The one-sided penalty is zero for every slope below 1
    and has no such well (see the WGAN-GP chapter).
    """

    paper_defaults = dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9),
                          batch_size=64, n_critic=5)

    def __init__(self, lam=10.0, one_sided=False):
        self.lam = check_positive(lam, "lam")
        if not isinstance(one_sided, bool):
            raise TypeError(f"one_sided must be True or False, got {one_sided!r}")
        self.one_sided = one_sided

    def __repr__(self):
        return f"WassersteinGP(lam={self.lam:g}" + (", one_sided=True)" if self.one_sided else ")")

    def d_loss(self, D, batch):
        W = D(batch.real).mean() - D(batch.fake).mean()
        slope = gradient_norms(D, interpolate(batch.real, batch.fake, batch.u))
        excess = F.relu(slope - 1) if self.one_sided else slope - 1
        penalty = self.lam * (excess ** 2).mean()
        return -W + penalty, {"W1": W, "penalty": penalty, "slope": slope.mean()}

    def after_step(self, D, logs):
        pass                                        # no clipping

    @torch.no_grad()
    def estimate(self, D, real, fake):
        return D(real).mean() - D(fake).mean()      # the critic's value, without the penalty


class LossSensitive(Objective):
    """Loss-Sensitive GAN, Qi (2017): a loss function L(x) ≥ 0 (the network's raw
    output through a ReLU, as in the author's code) should be lower on real data than on a
    generated sample by at least a margin Δ(x, G(z)) = ``margin_scale`` · ‖x − G(z)‖₁,

        L minimises  γ·E_data[L(x)] + E_{x, z}[(Δ(x, G(z)) + L(x) − L(G(z)))₊],
        G minimises  E_z[L(G(z))],

    the (·)₊ = max(0, ·) being the slack of the unmet margins, paired sample by sample within a
    minibatch.  The paper writes E[L(x)] + λ·E[slack]; dividing by λ gives the form above with
    γ = 1/λ, which is how the author's code weights it, with γ = 0 by default (its theorem
    allows dropping the term; a small γ is said to stabilise training).
    ``paper_defaults`` (the author's code): Adam α = 1e-4, β1 = 0.5, m = 64; margin scale
    2e-4 on L1 distances of 3×64×64 images in [−1, 1], so scale it to your data (here: the
    default 1.0 suits low-dimensional data).  The log "gap" is E_g[L] − E_data[L], which plays
    the role of WGAN's critic value.
    """

    divergence = "gap"
    paper_defaults = dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.5, 0.999),
                          batch_size=64)

    def __init__(self, margin_scale=1.0, gamma=0.0):
        self.margin_scale = check_positive(margin_scale, "margin_scale")
        self.gamma = check_real(gamma, "gamma")
        if self.gamma < 0:
            raise ValueError(f"gamma must be non-negative, got {gamma}")

    def __repr__(self):
        return f"LossSensitive(margin_scale={self.margin_scale:g}, gamma={self.gamma:g})"

    def margin(self, real, fake):
        """Δ(x, G(z)) per pair: the scaled L1 distance over all dimensions of each sample."""
        if real.shape != fake.shape:
            raise ValueError(f"real and fake batches must have the same shape, got "
                             f"{tuple(real.shape)} and {tuple(fake.shape)}")
        return self.margin_scale * (real - fake).flatten(1).abs().sum(1)

    def d_loss(self, D, batch):
        L_real, L_fake = F.relu(D(batch.real)).flatten(), F.relu(D(batch.fake)).flatten()
        slack = F.relu(self.margin(batch.real, batch.fake.detach()) + L_real - L_fake)
        loss = self.gamma * L_real.mean() + slack.mean()
        return loss, {"gap": L_fake.mean() - L_real.mean(), "slack": slack.mean()}

    def g_loss(self, D, batch):
        return F.relu(D(batch.fake)).mean(), {}

    def d_value(self, r):
        return F.relu(r)
