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
from ._checks import check_nonnegative, check_positive, check_real, check_unit_interval

__all__ = ["Batch", "Objective", "Minimax", "NonSaturating", "FDivergence", "LeastSquares",
           "Wasserstein", "WassersteinGP", "LossSensitive", "InfoGAN", "EBGAN", "BEGAN",
           "pulling_away", "interpolate", "gradient_norms"]


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
    score_activation = None  # the last activation of fit_discriminator's default D ("softplus": D ≥ 0)
    state_from_logs = False  # after_step updates a state from the logs (BEGAN's k_t): a
                             # distributed run averages those logs over the ranks first
    member_state = ()        # the attributes holding that state, as numbers: train_many gives
                             # each member its own value (a tensor of K values while it trains)

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
        self.gamma = check_nonnegative(gamma, "gamma")

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


class _Heads:
    """D's two heads from one forward pass per input: the GAN score (column 0) and Q's
    parameters (the other columns).  The objective of the base GAN sees ``score`` only."""

    def __init__(self, D):
        self.D, self.out = D, {}

    def _forward(self, x):
        if id(x) not in self.out:
            self.out[id(x)] = (x, self.D(x))          # keep x alive so that its id stays its own
        return self.out[id(x)][1]

    def score(self, x):
        return self._forward(x)[:, :1]

    def q(self, x):
        return self._forward(x)[:, 1:]


class InfoGAN(Objective):
    """Chen et al. (2016), eq. (6): a GAN objective minus λ·L_I,

        min_{G, Q} max_D  V(D, G) − λ L_I(G, Q),
        L_I(G, Q) = E_{c ~ P(c), x ~ G(z, c)}[log Q(c | x)] + H(c)  ≤  I(c; G(z, c)),

    where the latent codes c are the ``prior``'s categorical and uniform codes.  ``D`` returns
    1 + ``q_dim`` columns: the base GAN's raw score, then Q's parameters, for each categorical
    code its logits and for the continuous codes their means.  Q shares D's body (the paper's
    architecture), so D's optimiser trains Q; both D's loss and G's subtract λ·L_I, as the
    authors' code does.  Continuous codes (U[−1, 1]) get the authors' factored Gaussian
    Q(c | x) = N(μ(x), 1), with H(c) = log 2 per code (their code subtracts the cross-entropy
    with N(0, 1) instead, which shifts the logged value but not the gradients).

    ``lam`` weighs the categorical codes and ``lam_continuous`` (default: ``lam``) the
    continuous ones; ``lam_generator`` (default: those two) replaces both in G's loss only, so
    ``lam_generator=0`` is the paper's control (Figure 1): Q is trained alongside, but the
    generator is not asked to keep its codes.  ``base`` is the GAN's
    objective (default :class:`NonSaturating`, as in the paper).  ``paper_defaults`` are the
    authors' MNIST settings.
    """

    paper_defaults = dict(optimizer="adam", lr_g=1e-3, lr_d=2e-4, betas=(0.5, 0.999),
                          batch_size=128)

    def __init__(self, prior, lam=1.0, lam_continuous=None, lam_generator=None, base=None):
        from .data import Prior
        if not isinstance(prior, Prior):
            raise TypeError(f"prior must be a ganlib.data.Prior, got {type(prior).__name__}")
        if not prior.categorical and not prior.uniform:
            raise ValueError(f"InfoGAN needs latent codes: {prior!r} has no categorical or "
                             f"uniform codes")
        self.prior = prior
        self.lam = check_nonnegative(lam, "lam")
        self.lam_continuous = (self.lam if lam_continuous is None
                               else check_nonnegative(lam_continuous, "lam_continuous"))
        self.lam_generator = (None if lam_generator is None
                              else check_nonnegative(lam_generator, "lam_generator"))
        self.base = NonSaturating() if base is None else base
        if not isinstance(self.base, Objective) or isinstance(self.base, InfoGAN):
            raise TypeError(f"base must be a GAN objective from ganlib.objectives, got {base!r}")
        self.q_dim = sum(prior.categorical) + prior.uniform
        self.n_critic, self.divergence = self.base.n_critic, self.base.divergence
        self.divergence_min = self.base.divergence_min

    def __repr__(self):
        extra = "".join([f", lam_continuous={self.lam_continuous:g}" if self.lam_continuous != self.lam else "",
                         f", lam_generator={self.lam_generator:g}" if self.lam_generator is not None else ""])
        return f"InfoGAN({self.prior!r}, lam={self.lam:g}{extra}, base={self.base!r})"

    def info(self, q, z):
        """``(L_I of the categorical codes, L_I of the continuous codes)`` on a batch: Q's
        parameters ``q`` for the samples G(z), against the codes in ``z``."""
        logits, mu = self._q_parts(q)
        _, classes, continuous = self.prior.split(z)
        categorical = q.new_zeros(())
        for k, block, c in zip(self.prior.categorical, logits, classes):
            # E[log Q(c | x)] + H(c), with H(c) = log k for a uniform code of k classes
            categorical = categorical - F.cross_entropy(block, c) + math.log(k)
        cont = q.new_zeros(())
        if self.prior.uniform:
            log_q = -0.5 * math.log(2 * math.pi) - 0.5 * (continuous - mu) ** 2
            cont = log_q.sum(1).mean() + self.prior.uniform * math.log(2.0)
        return categorical, cont

    def _info_logs(self, cat, cont):
        logs = {"L_I": cat + cont}
        if self.prior.categorical:
            logs["L_I/categorical"] = cat
        if self.prior.uniform:
            logs["L_I/continuous"] = cont
        return logs

    def d_loss(self, D, batch):
        heads = _Heads(D)
        loss, logs = self.base.d_loss(heads.score, batch)
        cat, cont = self.info(heads.q(batch.fake), batch.z)
        return loss - self.lam * cat - self.lam_continuous * cont, {**logs, **self._info_logs(cat, cont)}

    def g_loss(self, D, batch):
        heads = _Heads(D)
        loss, logs = self.base.g_loss(heads.score, batch)
        cat, cont = self.info(heads.q(batch.fake), batch.z)
        lam, lam_cont = ((self.lam, self.lam_continuous) if self.lam_generator is None
                         else (self.lam_generator, self.lam_generator))
        return loss - lam * cat - lam_cont * cont, {**logs, **self._info_logs(cat, cont)}

    @torch.no_grad()
    def infer(self, D, x, batch_size=4096):
        """Q's reading of the codes of images or points ``x`` (real or generated), D in eval
        mode: ``(classes, continuous)``, the most likely class of each categorical code (a list
        of long tensors) and the means of the continuous codes ([n, uniform]), on the CPU."""
        was_training = D.training
        D.eval()
        try:
            dev = next(D.parameters()).device
            q = torch.cat([D(c.to(dev))[:, 1:].cpu() for c in torch.as_tensor(x).float().split(batch_size)])
        finally:
            D.train(was_training)
        logits, mu = self._q_parts(q)
        return [block.argmax(1) for block in logits], mu

    def _q_parts(self, q):
        """Q's parameters split into one block of logits per categorical code, and the means of
        the continuous codes."""
        if q.shape[1] != self.q_dim:
            raise ValueError(f"D must return 1 + {self.q_dim} columns for {self.prior!r} (the score, "
                             f"then Q's parameters), got {1 + q.shape[1]}")
        blocks = list(q.split(list(self.prior.categorical) + [self.prior.uniform], dim=1))
        return blocks[:-1], blocks[-1]

    def after_step(self, D, logs):
        self.base.after_step(D, logs)

    @property
    def state_from_logs(self):
        return self.base.state_from_logs

    @torch.no_grad()
    def estimate(self, D, real, fake):
        return self.base.estimate(lambda x: D(x)[:, :1], real, fake)

    def d_value(self, r):
        return self.base.d_value(r[..., :1])

    def reset(self):
        self.base.reset()

    def state_dict(self):
        return self.base.state_dict()

    def load_state_dict(self, state):
        self.base.load_state_dict(state)


# --------------------------------------------------------------------------- auto-encoder D
def _energy(out):
    """Column 0 of an auto-encoder D's output ([error | code]), or a plain D's one score, as a
    non-negative energy (a ReLU, as LS-GAN does, so that a plain network cannot go negative)."""
    return F.relu(out[:, 0])


def pulling_away(code):
    """EBGAN's pulling-away term on a batch of codes S (one row per sample):
    PT = 1 / (N (N − 1)) Σ_{i ≠ j} cos²(S_i, S_j), 0 for orthogonal codes, 1 for parallel ones."""
    if code.dim() != 2 or len(code) < 2 or code.shape[1] < 1:
        raise ValueError(f"the pulling-away term needs a batch of at least 2 codes, shape [n, d], "
                         f"got {tuple(code.shape)}")
    s = F.normalize(code.flatten(1), dim=1, eps=1e-12)
    cos2 = (s @ s.T) ** 2
    n = len(s)
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


class EBGAN(Objective):
    """Energy-based GAN, Zhao, Mathieu & LeCun (2017), eqs. (1)–(2): D assigns an energy
    D(x) ≥ 0 (an auto-encoder's reconstruction error, ``nets.autoencoder_mlp`` or ``nets.began``
    with ``reconstruction="mse"``), low on data and, up to a margin m, high on the generator's
    samples:

        L_D = E_data[D(x)] + E_z[(m − D(G(z)))₊],     L_G = E_z[D(G(z))] + λ_PT·PT.

    PT is the pulling-away term (eq. (3), :func:`pulling_away`) on the encoder's codes of the
    generated batch, which D returns after the energy ([energy | code]); ``pt_weight=0``
    (default) leaves it out.  Without PT a plain D of one output works too: its output through a
    ReLU is the energy.

    For a D free to take any energy at each x, the best energy is 0 where p_data > p_g and m where
    p_data < p_g, and min_D L_D = m·(1 − TV(p_data, p_g)) (``theory.ebgan_value``).  So
    1 − L_D/m estimates TV, logged as "TV", and L_D = m only when p_g = p_data, the paper's
    Theorem 1.  A plain D should end in a non-negative activation: ``fit_discriminator``'s
    default D ends in a softplus (a ReLU output can die at 0 and stop learning).
    ``paper_defaults`` is empty: the paper grid-searched its settings per dataset.
    """

    divergence = "TV"
    score_activation = "softplus"     # energies are non-negative; a ReLU output could die at 0

    def __init__(self, margin=1.0, pt_weight=0.0):
        self.margin = check_positive(margin, "margin")
        self.pt_weight = check_nonnegative(pt_weight, "pt_weight")

    def __repr__(self):
        pt = f", pt_weight={self.pt_weight:g}" if self.pt_weight else ""
        return f"EBGAN(margin={self.margin:g}{pt})"

    def d_loss(self, D, batch):
        e_real, e_fake = _energy(D(batch.real)), _energy(D(batch.fake))
        loss = e_real.mean() + F.relu(self.margin - e_fake).mean()
        return loss, {"TV": 1 - loss / self.margin, "energy/real": e_real.mean(),
                      "energy/fake": e_fake.mean()}

    def g_loss(self, D, batch):
        out = D(batch.fake)
        loss, logs = _energy(out).mean(), {}
        if self.pt_weight:
            if out.shape[1] < 2:
                raise ValueError("pt_weight > 0 needs D to return its code after the energy "
                                 "([energy | code]), as the auto-encoders in ganlib.nets do; "
                                 f"this D returns {out.shape[1]} column")
            pt = pulling_away(out[:, 1:])
            loss, logs = loss + self.pt_weight * pt, {"PT": pt}
        return loss, logs

    def d_value(self, r):
        return F.relu(r[..., :1])


class BEGAN(Objective):
    """Boundary equilibrium GAN, Berthelot, Schumm & Metz (2017), eq. (4): D is an auto-encoder
    and L(v) its per-sample L1 reconstruction error (``nets.began``, ``nets.autoencoder_mlp(...,
    reconstruction="l1")``), column 0 of its output;

        L_D = L(x) − k_t·L(G(z)),     L_G = L(G(z)),
        k_{t+1} = clip(k_t + λ_k·(γ·L(x) − L(G(z))), 0, 1),

    the control of k_t keeping E[L(G(z))] = γ·E[L(x)], the equilibrium of diversity ratio γ.
    k_t is the objective's state: it starts at ``k0`` in every run (``reset``), is updated after
    each discriminator step from that step's losses (``after_step``) and saved with the run.
    The logs hold L(x), L(G(z)), k_t (its value in that step's loss) and the convergence measure
    M_global = L(x) + |γ·L(x) − L(G(z))|, logged as the objective's "divergence".  The game is
    still adversarial: D lowers L(x) and, weighted by k_t, raises L(G(z)), which G lowers.
    ``paper_defaults``: Adam, lr 1e-4 for both, β = (0.5, 0.999), batch 16.
    """

    divergence = "M_global"
    score_activation = "softplus"
    paper_defaults = dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.5, 0.999), batch_size=16)

    def __init__(self, gamma=0.5, lambda_k=0.001, k0=0.0):
        self.gamma = check_real(gamma, "gamma")
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must lie in (0, 1], got {gamma}")
        self.lambda_k = check_nonnegative(lambda_k, "lambda_k")
        self.k0 = check_unit_interval(k0, "k0")
        self.k = self.k0

    def __repr__(self):
        return f"BEGAN(gamma={self.gamma:g}, lambda_k={self.lambda_k:g}, k0={self.k0:g})"

    def d_loss(self, D, batch):
        l_real, l_fake = _energy(D(batch.real)).mean(), _energy(D(batch.fake)).mean()
        balance = self.gamma * l_real - l_fake
        k = torch.as_tensor(self.k, dtype=l_real.dtype, device=l_real.device)
        return l_real - k * l_fake, {"L_real": l_real, "L_fake": l_fake, "k": k, "balance": balance,
                                     "M_global": l_real + balance.abs()}

    def g_loss(self, D, batch):
        return _energy(D(batch.fake)).mean(), {}

    state_from_logs = True
    member_state = ("k",)

    @torch.no_grad()
    def after_step(self, D, logs):       # on the device: no read-back to the host per step
        self.k = torch.clamp(logs["k"] + self.lambda_k * logs["balance"].detach(), 0.0, 1.0)

    def d_value(self, r):
        return F.relu(r[..., :1])

    def reset(self):
        self.k = self.k0

    def state_dict(self):
        return {"k": float(self.k)}

    def load_state_dict(self, state):
        if set(state) != {"k"}:
            raise ValueError(f"BEGAN's state is {{'k'}}, got {sorted(state)}")
        self.k = float(state["k"])
