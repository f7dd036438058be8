"""One training loop for every objective, and the discriminator-only fit used by the theory."""
from __future__ import annotations

import copy
import functools
import hashlib
import io
import math
import os
import tempfile
import warnings

import numpy as np
import torch
from torch import nn

from . import distributed as _distributed
from ._checks import check_positive, check_positive_int
from .data import Distribution, Generated, Prior, eval_generate
from .objectives import Batch, Minimax, Objective

__all__ = ["device", "TrainingDiverged", "FitWarning", "FittedDiscriminator", "fit_discriminator",
           "Run", "train", "d_step", "g_step", "simultaneous_step", "linear_decay", "linear_lr_decay",
           "wgan_critic_schedule"]


def device():
    """The best available torch device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite, or the generator's samples did (or blew up to values far
    outside the data's scale); the message names the step and the quantity."""

    def __init__(self, step, name, value, detail=""):
        self.step, self.name, self.value = step, name, value
        super().__init__(f"training diverged at step {step}: {name} = {value}{detail} "
                         f"(try a smaller learning rate)")


# samples this many times farther out than the data's largest coordinate are a blow-up
_BLOWUP = 1e3


def _check_samples(x, step, limit):
    """Snapshots are checked: NaN/inf, or a finite blow-up far outside the data's scale."""
    worst = float(x.abs().max()) if x.numel() else 0.0
    if not math.isfinite(worst):
        raise TrainingDiverged(step, "max |G(z)|", worst)
    if worst > limit:
        raise TrainingDiverged(step, "max |G(z)|", f"{worst:.3g}",
                               f", over {_BLOWUP:g} times the data's largest coordinate "
                               f"({limit / _BLOWUP:.3g})")


def _shape(t):
    return "[n, " + ", ".join(map(str, t.shape[1:])) + "]"


def _dry_run(G, D, data, latent_dim, conditional, dev):
    """Call G and D once on two samples (eval mode, no gradients, so no state changes), so
    that a shape mismatch is reported by name before training starts.  Returns a larger data
    sample (1,024 points, same draw) whose largest coordinate sets the blow-up limit."""
    gen = torch.Generator().manual_seed(0)
    if conditional:
        probe, labels = data.sample(1024, gen, labels=True)
        y = labels[:2].to(dev)
    else:
        probe, y = data.sample(1024, gen), None
    real = probe[:2].to(dev)
    z = torch.zeros(2, latent_dim, device=dev)
    modes = G.training, D.training
    G.eval(), D.eval()
    try:
        with torch.no_grad():
            try:
                fake = G(z) if y is None else G(z, y)
            except Exception as err:
                raise ValueError(f"G cannot take latent batches of shape [n, {latent_dim}] "
                                 f"(latent_dim = {latent_dim}): {type(err).__name__}: {err}") from err
            if tuple(fake.shape[1:]) != tuple(real.shape[1:]):
                raise ValueError(f"G makes samples of shape {_shape(fake)} but the data's "
                                 f"samples have shape {_shape(real)}")
            try:
                out = D(real) if y is None else D(real, y)
            except Exception as err:
                raise ValueError(f"D cannot score the data's samples of shape {_shape(real)}: "
                                 f"{type(err).__name__}: {err}") from err
            if out.dim() == 0 or out.shape[0] != 2:
                raise ValueError(f"D must return one score per sample, shape [n] or [n, k]; for "
                                 f"2 samples it returned shape {list(out.shape)}")
    finally:
        G.train(modes[0]), D.train(modes[1])
    return probe


def _progress_default(progress):
    if progress is None:
        return os.environ.get("GANLIB_PROGRESS", "1") not in ("0", "false", "False", "")
    return bool(progress)


def _bar(total, progress, desc, initial=0):
    from tqdm.auto import tqdm
    return tqdm(total=total, disable=not progress, desc=desc, leave=False, initial=initial)


def _check_objective(objective):
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a ganlib.objectives.Objective, got "
                        f"{type(objective).__name__}")
    return objective


def _check_labelled(data, name="data", needed_by="conditional=True"):
    if not callable(getattr(data, "sample_labels", None)) or not callable(getattr(data, "sample_given", None)):
        raise ValueError(f"{needed_by} needs labelled data (a mixture, ring, grid or image set: "
                         f"with sample_labels and sample(n, labels=True)); {name} = {data!r} has no "
                         f"classes")


def _check_data(data, name):
    if not isinstance(data, Distribution):
        raise TypeError(f"{name} must be a ganlib.data distribution (with .sample(n)), got "
                        f"{type(data).__name__}")
    return data


class _Logs:
    """Per-step logs (dicts of tensors: 0-d for one run, one value per member for
    ``train_many``) kept where they were computed and copied to the host in one transfer per
    ``flush`` into ``histories`` (one dict per member); a NaN/inf value raises
    :class:`TrainingDiverged` naming the first step and quantity that has it (and the member's
    seed, when ``seeds`` are given)."""

    def __init__(self, histories, seeds=None, reduce=None):
        self.histories, self.seeds, self.pending = histories, seeds, []
        self.reduce = reduce        # e.g. the mean over the ranks of a distributed run

    def add(self, step, logs):
        self.pending.append((step, logs))

    def flush(self):
        if not self.pending:
            return
        keys = list(self.pending[0][1])
        if any(logs.keys() != self.pending[0][1].keys() for _, logs in self.pending):
            raise ValueError(f"the logs must name the same quantities at every step; the first "
                             f"step logged {keys}")
        rows = torch.stack([torch.stack([logs[k].detach().float().reshape(-1) for k in keys])
                            for _, logs in self.pending])              # [step][key][member]
        rows = (self.reduce(rows) if self.reduce else rows).tolist()
        for (step, _), row in zip(self.pending, rows):
            for key, per_member in zip(keys, row):
                for i, value in enumerate(per_member):
                    if not math.isfinite(value):
                        self.pending = []
                        where = "" if self.seeds is None else f" (member {i}, seed {self.seeds[i]})"
                        raise TrainingDiverged(step, key, value, where)
        for i, history in enumerate(self.histories):
            for j, key in enumerate(keys):
                history.setdefault(key, []).extend(row[j][i] for row in rows)
        self.pending = []


def _scorer(D, y):
    """D as the objective sees it: ``D(x)``, or ``D(x, y)`` with the batch's labels."""
    return D if y is None else functools.partial(_score_with, D, y)


def _score_with(D, y, x):
    return D(x, y)


def _generate(G, z, y):
    return G(z) if y is None else G(z, y)


def _detached(loss, logs, name):
    return {name: loss.detach(), **{k: v.detach() for k, v in logs.items()}}


# --------------------------------------------------------------------------- the steps
# Each step takes device tensors and returns its logs as device tensors; nothing here reads a
# value back to the host.
def d_step(G, D, objective, opt_d, real, z, y=None, u=None, average=None):
    """One discriminator update on real samples and G(z); returns the logs of its loss.  In a
    distributed run, ``average`` (a mean over the ranks, in place) is applied to the logs before
    ``objective.after_step`` when the objective keeps a state made from them (BEGAN's k_t)."""
    with torch.no_grad():
        fake = _generate(G, z, y)
    loss, logs = objective.d_loss(_scorer(D, y), Batch(real=real, fake=fake, z=z, y=y, u=u))
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    logs = _detached(loss, logs, "d_loss")
    if average is not None and objective.state_from_logs:
        average(list(logs.values()))
    objective.after_step(D, logs)
    return logs


def g_step(G, D, objective, opt_g, z, y=None):
    """One generator update on G(z); returns the logs of its loss."""
    loss, logs = objective.g_loss(_scorer(D, y), Batch(fake=_generate(G, z, y), z=z, y=y))
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return _detached(loss, logs, "g_loss")


def simultaneous_step(G, D, objective, opt_g, opt_d, real, z, y=None, u=None, average=None):
    """f-GAN's single step: both players take their gradient on the same minibatch, then both
    step (Nowozin et al. 2016, Algorithm 1).  ``torch.autograd.grad`` bypasses
    ``DistributedDataParallel``'s gradient hooks, so a distributed run passes ``average``, which
    replaces the gradients by their mean over the ranks (one all-reduce)."""
    fake = _generate(G, z, y)
    scorer = _scorer(D, y)
    d_loss, d_logs = objective.d_loss(scorer, Batch(real=real, fake=fake.detach(), z=z, y=y, u=u))
    g_loss, g_logs = objective.g_loss(scorer, Batch(fake=fake, z=z, y=y))
    d_params, g_params = list(D.parameters()), list(G.parameters())
    grads = list(torch.autograd.grad(d_loss, d_params) + torch.autograd.grad(g_loss, g_params))
    if average is not None:
        average(grads)
    for prm, grad in zip(d_params + g_params, grads):
        prm.grad = grad
    opt_d.step()
    opt_g.step()
    logs = {**_detached(d_loss, d_logs, "d_loss"), **_detached(g_loss, g_logs, "g_loss")}
    if average is not None and objective.state_from_logs:
        average(list(logs.values()))
    objective.after_step(D, logs)
    return logs


def _resolve_device(dev):
    return torch.device(dev) if dev is not None else device()


class Standardize(nn.Module):
    """x ↦ (x − mean) / std, a fixed first layer so that D sees inputs of unit scale."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


class _StandardizeConditional(nn.Module):
    """f(x, y) = net(standardize(x), y): the conditional default D of fit_discriminator."""

    def __init__(self, standardize, net):
        super().__init__()
        self.standardize, self.net = standardize, net

    def forward(self, x, y):
        return self.net(self.standardize(x), y)


# --------------------------------------------------------------------------- D only
class FitWarning(UserWarning):
    """A fitted discriminator is not at the objective's optimum (e.g. a critic of the wrong
    sign); the message names the cause and what was done about it."""


class FittedDiscriminator:
    """A discriminator trained against a fixed generator distribution.  ``estimate`` is the
    objective's divergence estimate on fresh samples and ``estimate_se`` its standard error;
    ``restarts`` counts the fits thrown away because their estimate lay below the divergence's
    smallest value (a wrong local optimum, such as a critic of the wrong sign)."""

    def __init__(self, net, objective, history, estimate, dev, estimate_se=0.0, restarts=0,
                 conditional=False):
        self.net, self.objective, self.history = net, objective, history
        self.estimate, self.device = estimate, dev
        self.estimate_se, self.restarts = estimate_se, restarts
        self.conditional = conditional

    @torch.no_grad()
    def d(self, x, y=None):
        """D(x) for a numpy array of points (shape [n] for 1-D data, or [n, dim]); a
        conditional fit takes the class ``y`` too (one integer, or one per point): D(x | y)."""
        x = np.asarray(x, dtype=np.float32)
        flat = x.ndim == 1
        t = torch.as_tensor(x.reshape(len(x), -1) if not flat else x[:, None], device=self.device)
        if self.conditional != (y is not None):
            raise ValueError("y is required for a conditional fit (D(x | y)) and not allowed "
                             "otherwise" if self.conditional else
                             "y is only for a conditional fit: this one is D(x)")
        self.net.eval()
        if y is None:
            out = self.net(t)
        else:
            y = torch.as_tensor(np.broadcast_to(np.asarray(y), (len(x),)).copy(), dtype=torch.long)
            out = self.net(t, y.to(self.device))
        return self.objective.d_value(out).squeeze(-1).cpu().numpy().astype(np.float64)

    def __repr__(self):
        return f"FittedDiscriminator({self.objective!r}, estimate={self.estimate:.4f})"


def fit_discriminator(p, q, objective=None, *, D=None, steps=3000, batch_size=512, lr=2e-3,
                      hidden=(64, 64), n_eval=200_000, seed=0, restarts=2, device=None,
                      conditional=False, progress=None):
    """Hold the generator fixed as the distribution ``q`` and learn D against data ``p``.

    Returns a :class:`FittedDiscriminator` with ``.d(x)`` and ``.estimate``, the objective's
    divergence estimate (``objective.estimate``) computed with the learned D on ``n_eval`` fresh
    samples of each; ``.history`` holds the logs of every step (``d_loss`` and the objective's).
    The default D is an MLP with ``hidden`` widths behind a fixed standardisation of its
    input; Adam with a cosine-decayed learning rate ``lr``.

    ``conditional=True`` learns D(x | y) for labelled ``p`` and ``q`` with the same classes
    (q's class k plays G's conditional p_g(x | y = k)): each step draws labels y from p's p(y)
    and scores p's and q's samples of those classes.  The default D is then a
    :class:`~ganlib.nets.ConditionalMLP` (one-hot y appended); ``.d(x, y)`` evaluates it, and
    the estimate is the conditional game's, E_y of the per-class divergences.

    Every objective's estimate is a divergence, so at the optimal D it is at least the
    divergence's smallest value ``objective.divergence_min`` (0, or −log 4 for f-GAN's "gan"
    divergence).  A fit whose estimate lies below it by more than three standard errors has
    settled in a wrong local optimum, such as a critic of the wrong sign (the two-sided
    gradient penalty has such a well).  Such a fit is never returned silently: with the default
    D it is refitted from a fresh initialisation (seed ``seed + 7919·k``), up to ``restarts``
    times, each time with a :class:`FitWarning`; if every fit fails, or D was given (it cannot
    be re-initialised), the last one is returned with a warning that says its estimate is not
    the divergence.
    """
    objective = _check_objective(objective if objective is not None else Minimax())
    _check_data(p, "p"), _check_data(q, "q")
    if p.dim != q.dim:
        raise ValueError(f"p and q must have the same dimension, got {p.dim} and {q.dim}")
    if conditional:
        _check_labelled(p, "p"), _check_labelled(q, "q")
        if p.n_classes != q.n_classes:
            raise ValueError(f"p and q must have the same classes, got {p.n_classes} and "
                             f"{q.n_classes}")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_positive(lr, "lr")
    n_eval = check_positive_int(n_eval, "n_eval")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 0:
        raise ValueError(f"restarts must be a non-negative integer, got {restarts!r}")
    dev = _resolve_device(device)
    given = D is not None
    for k in range(restarts + 1):
        fit = _fit_once(p, q, objective, D, steps, batch_size, lr, hidden, n_eval,
                        seed + 7919 * k, dev, progress, conditional)
        fit.restarts = k
        floor = objective.divergence_min
        if fit.estimate >= floor - 3 * fit.estimate_se:
            return fit
        cause = (f"the fitted {type(objective).__name__} discriminator's estimate "
                 f"{fit.estimate:.4g} (standard error {fit.estimate_se:.2g}) lies below "
                 f"{floor:.4g}, the divergence's smallest value, which no optimal discriminator "
                 f"gives: it settled in a wrong local optimum (for a critic: the wrong sign) "
                 f"or did not converge (then a smaller lr helps)")
        if given or k == restarts:
            break
        warnings.warn(f"{cause}; refitting from another initialisation "
                      f"(restart {k + 1} of {restarts})", FitWarning, stacklevel=2)
    warnings.warn(f"{cause}; returning it anyway: its estimate is NOT the divergence"
                  + (" (D was given, so it cannot be re-initialised)" if given else ""),
                  FitWarning, stacklevel=2)
    return fit


def _fit_once(p, q, objective, D, steps, batch_size, lr, hidden, n_eval, seed, dev, progress,
              conditional=False):
    gen = torch.Generator().manual_seed(seed)
    u_gen = torch.Generator().manual_seed(seed + 3)     # the objective's own randomness (ε)
    objective.reset()

    def draw(n):        # (real, fake, y): with labels, both halves of the same classes
        if not conditional:
            return p.sample(n, gen), q.sample(n, gen), None
        y = p.sample_labels(n, gen)
        return p.sample_given(y, gen), q.sample_given(y, gen), y

    if D is None:
        ref_p, ref_q, _ = draw(20_000)
        ref = torch.cat([ref_p, ref_q])
        std = Standardize(ref.mean(0), ref.std(0).clamp_min(1e-6))
        from .nets import conditional_mlp, mlp
        D = (_StandardizeConditional(std, conditional_mlp(p.dim, 1, p.n_classes, hidden=hidden,
                                                          seed=seed))
             if conditional else nn.Sequential(std, mlp(p.dim, 1, hidden=hidden, seed=seed,
                                                        out_activation=objective.score_activation)))
    D = D.to(dev).train()
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    history = {}
    logs = _Logs([history])
    with _bar(steps, _progress_default(progress), "fit D") as bar:
        for step in range(steps):
            real, fake, y = draw(batch_size)
            y = None if y is None else y.to(dev)
            batch = Batch(real=real.to(dev), fake=fake.to(dev), y=y,
                          u=torch.rand(batch_size, generator=u_gen).to(dev))
            loss, step_logs = objective.d_loss(_scorer(D, y), batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step_logs = _detached(loss, step_logs, "d_loss")
            objective.after_step(D, step_logs)
            logs.add(step, step_logs)
            if step % 100 == 99:
                logs.flush()
            bar.update()
    logs.flush()
    D.eval()
    # the estimate on fresh samples: its mean over 20 disjoint slices, and by batch means its
    # standard error
    n_parts = min(20, n_eval)
    real, fake, y = draw(n_eval)
    reals, fakes = real.tensor_split(n_parts), fake.tensor_split(n_parts)
    ys = y.tensor_split(n_parts) if conditional else [None] * n_parts
    parts = np.array([float(objective.estimate(_scorer(D, None if yy is None else yy.to(dev)),
                                               r.to(dev), f.to(dev)))
                      for r, f, yy in zip(reals, fakes, ys)])
    sizes = np.array([len(r) for r in reals])
    estimate = float(np.sum(parts * sizes) / n_eval)
    if not math.isfinite(estimate):
        raise TrainingDiverged(steps, f"the fitted estimate of {objective.divergence}", estimate)
    se = float(np.std(parts) / math.sqrt(n_parts)) if n_parts > 1 else 0.0
    return FittedDiscriminator(D, objective, history, estimate, dev, estimate_se=se,
                               conditional=conditional)


class FittedPosterior:
    """A network Q(c | x) fitted to the labels of labelled data (c is the class), as InfoGAN's
    Q is to the codes: ``.q(x)`` gives its probabilities, ``.bound`` the variational bound
    L_I = E[log Q(c | x)] + H(c) on fresh samples (``.bound_se`` its standard error), at most
    I(c; x) and equal to it when Q is the posterior P(c | x)."""

    def __init__(self, net, history, bound, bound_se, entropy, dev):
        self.net, self.history, self.device = net, history, dev
        self.bound, self.bound_se, self.entropy = bound, bound_se, entropy

    @torch.no_grad()
    def q(self, x):
        """Q(c | x) for a numpy array of points (shape [n] for 1-D data, or [n, dim]): [n, n_classes]."""
        x = np.asarray(x, dtype=np.float32)
        t = torch.as_tensor(x[:, None] if x.ndim == 1 else x.reshape(len(x), -1), device=self.device)
        self.net.eval()
        return torch.softmax(self.net(t), 1).cpu().numpy().astype(np.float64)

    def __repr__(self):
        return f"FittedPosterior(bound={self.bound:.4f} ± {self.bound_se:.1g}, H(c)={self.entropy:.4f})"


def fit_posterior(data, *, steps=2000, batch_size=512, lr=2e-3, hidden=(64, 64), n_eval=200_000,
                  seed=0, device=None, progress=None):
    """Learn Q(c | x) for labelled ``data`` (a mixture, the ring, the grid or an image set):
    an MLP behind a fixed standardisation, trained by maximising E[log Q(c | x)] (cross-entropy)
    with Adam and a cosine-decayed ``lr``, as InfoGAN trains its Q head on the codes.  Returns a
    :class:`FittedPosterior`; ``history["q_loss"]`` holds the cross-entropy of every step."""
    _check_data(data, "data")
    _check_labelled(data, needed_by="fit_posterior")
    steps, batch_size = check_positive_int(steps, "steps"), check_positive_int(batch_size, "batch_size")
    lr, n_eval = check_positive(lr, "lr"), check_positive_int(n_eval, "n_eval")
    dev = _resolve_device(device)
    gen = torch.Generator().manual_seed(seed)

    def draw(n):
        x, y = data.sample(n, gen, labels=True)
        return x.reshape(n, -1).float(), y

    from .nets import mlp
    ref, _ = draw(20_000)
    net = nn.Sequential(Standardize(ref.mean(0), ref.std(0).clamp_min(1e-6)),
                        mlp(ref.shape[1], data.n_classes, hidden=hidden, seed=seed)).to(dev).train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    losses = []
    with _bar(steps, _progress_default(progress), "fit Q") as bar:
        for _ in range(steps):
            x, y = draw(batch_size)
            loss = nn.functional.cross_entropy(net(x.to(dev)), y.to(dev))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.detach())
            bar.update()
    history = {"q_loss": torch.stack(losses).cpu().tolist()}
    if not all(math.isfinite(v) for v in history["q_loss"]):
        bad = next(i for i, v in enumerate(history["q_loss"]) if not math.isfinite(v))
        raise TrainingDiverged(bad, "the cross-entropy of Q", history["q_loss"][bad])
    net.eval()
    pc = np.asarray(data.class_probs, dtype=float)
    entropy = float(-np.sum(pc[pc > 0] * np.log(pc[pc > 0])))
    x, y = draw(n_eval)
    with torch.no_grad():
        log_q = torch.cat([-nn.functional.cross_entropy(net(a.to(dev)), b.to(dev), reduction="none")
                           for a, b in zip(x.split(50_000), y.split(50_000))]).double().cpu()
    parts = torch.stack([t.mean() for t in log_q.tensor_split(min(20, n_eval))]).numpy()
    bound = float(log_q.mean()) + entropy
    se = float(np.std(parts) / math.sqrt(len(parts))) if len(parts) > 1 else 0.0
    return FittedPosterior(net, history, bound, se, entropy, dev)


# --------------------------------------------------------------------------- G and D
_CHECKPOINT_FORMAT = "ganlib.Run/1"


class Run:
    """The record of one training run: networks, the history of every logged quantity (per
    generator step: ``d_loss``, ``g_loss`` and the objective's logs, such as its divergence
    estimate ``history[objective.divergence]``), and sample snapshots."""

    def __init__(self, G, D, objective, config, history=None, snapshots=None, z_fixed=None,
                 y_fixed=None):
        self.G, self.D, self.objective, self.config = G, D, objective, config
        self.y_fixed = y_fixed
        self.history = history if history is not None else {"d_loss": [], "g_loss": []}
        self.snapshots = snapshots if snapshots is not None else []  # [(step, tensor)]
        self.z_fixed = z_fixed
        # set by train(): a function giving the optimisers' and random streams' states, which
        # save() stores so that train(checkpoint=...) resumes exactly; saved_resume is what
        # load() found
        self.resume_state = self.saved_resume = None

    @property
    def prior(self):
        """The latent distribution G was trained with (saved in ``config``)."""
        spec = self.config.get("prior")
        return Prior(**spec) if spec else Prior(self.config["latent_dim"])

    def log(self, key, value):
        """Append a value to ``history[key]`` (for hooks that record their own quantities)."""
        self.history.setdefault(key, []).append(float(value))

    @property
    def steps_done(self):
        return len(self.history["g_loss"])

    def sample(self, n, seed=0, labels=None):
        """``n`` fresh samples from the generator (in eval mode), on the CPU; a conditional
        generator needs ``labels`` (n integers)."""
        if labels is None:
            if self.config.get("conditional"):
                raise ValueError("labels is required: this run trained a conditional generator")
        else:
            labels = torch.as_tensor(labels, dtype=torch.long)
            if labels.shape != (n,):
                raise ValueError(f"labels must have shape ({n},), got {tuple(labels.shape)}")
        return Generated(self.G, self.prior, dim=None).sample(
            n, torch.Generator().manual_seed(seed), labels=labels)

    def save(self, path):
        """Write a checkpoint atomically (a temporary file beside it, then a rename), with a
        SHA-256 checksum of its contents that :meth:`load` verifies."""
        state = {"G": self.G.state_dict(), "D": self.D.state_dict(), "config": self.config,
                 "history": self.history,
                 "snapshot_steps": [s for s, _ in self.snapshots],
                 "snapshot_samples": [x for _, x in self.snapshots],
                 "z_fixed": self.z_fixed, "y_fixed": self.y_fixed,
                 "objective_state": self.objective.state_dict() if self.objective else {}}
        if self.resume_state is not None:     # what train() needs to go on exactly
            state["resume"] = self.resume_state()
        buf = io.BytesIO()
        torch.save(state, buf)
        raw = buf.getvalue()
        record = {"format": _CHECKPOINT_FORMAT, "sha256": hashlib.sha256(raw).hexdigest(),
                  "payload": raw}
        path = os.fspath(path)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                                       prefix=".tmp-", suffix=".pt")
            with os.fdopen(fd, "wb") as fh:
                torch.save(record, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as err:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(err, OSError):
                raise OSError(f"cannot write the checkpoint {path!r}: {err}") from err
            raise
        return path

    @classmethod
    def load(cls, path, G, D, objective=None):
        """Restore a run saved by :meth:`save` into networks ``G`` and ``D`` of the same shape.

        The checksum is verified and both state dicts are tried on copies first, so that a
        corrupted or mismatched checkpoint raises ``ValueError`` naming the path and leaves
        ``G`` and ``D`` as they were."""
        path = os.fspath(path)
        try:
            record = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as err:
            raise ValueError(f"cannot read the checkpoint {path!r}: {type(err).__name__}: "
                             f"{err}") from err
        if not (isinstance(record, dict) and record.get("format") == _CHECKPOINT_FORMAT):
            raise ValueError(f"{path!r} is not a ganlib run checkpoint ({_CHECKPOINT_FORMAT})")
        if hashlib.sha256(record["payload"]).hexdigest() != record["sha256"]:
            raise ValueError(f"the checkpoint {path!r} is corrupted: its SHA-256 checksum does "
                             f"not match its contents")
        state = torch.load(io.BytesIO(record["payload"]), map_location="cpu", weights_only=True)
        for name, net in (("G", G), ("D", D)):
            try:
                copy.deepcopy(net).load_state_dict(state[name])
            except Exception as err:
                raise ValueError(f"the checkpoint {path!r} does not fit {name}: {err}") from err
        objective_state = state.get("objective_state", {})
        if objective is not None:
            try:
                copy.deepcopy(objective).load_state_dict(objective_state)
            except Exception as err:
                raise ValueError(f"the checkpoint {path!r} does not fit {objective!r}: {err}") from err
            objective.load_state_dict(objective_state)
        G.load_state_dict(state["G"])
        D.load_state_dict(state["D"])
        snaps = list(zip(state["snapshot_steps"], state["snapshot_samples"]))
        run = cls(G, D, objective, state["config"], state["history"], snaps, state["z_fixed"],
                  state.get("y_fixed"))
        run.saved_resume = state.get("resume")
        return run

    def __repr__(self):
        return (f"Run({self.objective!r}, steps={self.steps_done}, "
                f"snapshots={len(self.snapshots)})")


_OPTIMIZERS = {
    "adam": lambda params, lr, betas: torch.optim.Adam(params, lr=lr, betas=betas),
    "rmsprop": lambda params, lr, betas: torch.optim.RMSprop(params, lr=lr),
    "sgd": lambda params, lr, betas: torch.optim.SGD(params, lr=lr),
}


def _latent_dim(G, latent_dim):
    if latent_dim is not None:
        return check_positive_int(latent_dim, "latent_dim")
    for attr in ("in_dim", "latent_dim"):
        if isinstance(getattr(G, attr, None), int):
            return getattr(G, attr)
    first = next((m for m in G.modules() if hasattr(m, "in_features")), None)
    if first is None:
        raise ValueError("latent_dim could not be inferred from G: pass latent_dim=")
    return first.in_features


def _critic_schedule(n_critic, objective):
    """``(schedule, label)``: ``schedule(step)`` gives the critic updates per generator step
    (default: the objective's ``n_critic``); ``label`` is what the run's config records."""
    if n_critic is None:
        n_critic = objective.n_critic
    if callable(n_critic):
        return n_critic, "schedule"
    n_critic = check_positive_int(n_critic, "n_critic")
    return (lambda step: n_critic), n_critic


def _check_betas(betas):
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
    return tuple(betas)


def _resolve_prior(G, prior, latent_dim):
    """The latent prior: ``prior``, or N(0, I) of ``latent_dim`` (inferred from G if None)."""
    if prior is None:
        return Prior(_latent_dim(G, latent_dim))
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a ganlib.data.Prior, got {type(prior).__name__}")
    if latent_dim is not None and latent_dim != prior.dim:
        raise ValueError(f"latent_dim = {latent_dim} disagrees with prior {prior!r} of dimension "
                         f"{prior.dim}: pass one of them")
    return prior


def train(G, D, data, objective, *, steps, batch_size=64, latent_dim=None, prior=None,
          lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), optimizer="adam", n_critic=None, seed=0,
          device=None, snapshot_every=None, n_snapshot=1000, hooks=(), simultaneous=False,
          conditional=False, layer_stats=False, progress=None, distributed="auto", checkpoint=None,
          checkpoint_every=None, log_csv=None):
    """Train generator ``G`` against discriminator ``D`` on ``data`` under ``objective``.

    Each of the ``steps`` generator updates follows ``n_critic`` discriminator updates
    (default: the objective's own ``n_critic``; a callable ``n_critic(step) -> int`` gives a
    schedule, such as :func:`wgan_critic_schedule`).  Each discriminator update
    (:func:`d_step`) minimises ``objective.d_loss`` and then calls ``objective.after_step``;
    each generator update (:func:`g_step`) minimises ``objective.g_loss``.  Their logs are the
    run's ``history``, one entry per generator step (the discriminator's from its last update);
    they stay on the device and are copied to the host every 100 steps (and at snapshots, at
    the end, and every step when there are hooks).  The latent prior is ``prior`` (a
    :class:`~ganlib.data.Prior`), by default N(0, I) of ``latent_dim`` dimensions (inferred from
    G when not given); training, snapshots and ``Run.sample`` all draw from it.

    ``simultaneous=True`` is f-GAN's single-step algorithm (Nowozin et al. 2016, Algorithm 1):
    both players take their gradient from the same minibatch and step together (needs
    ``n_critic=1``).

    ``conditional=True`` trains on labelled data (``data.sample(n, labels=True)``: an image set,
    a mixture, the ring or the grid): real samples are scored as ``D(x, y)`` with their labels,
    and the generator is called as ``G(z, y)`` with labels drawn from the data's p(y)
    (``data.sample_labels``); snapshots use ``run.y_fixed``, the classes in turn.

    ``layer_stats=True`` records, per generator step, the gradient norm of every layer's
    weight (``history["grad_norm/D/<layer>"]`` from the last discriminator update, including
    any penalty, and ``history["grad_norm/G/<layer>"]``), their totals ``grad_norm/D`` and
    ``grad_norm/G``, and D's largest absolute weight per layer (``weight_absmax/D/<layer>``).

    ``hooks`` are callables ``hook(run, step)`` called after every generator step (they may
    ``run.log(key, value)``).  Snapshots of G on a fixed latent batch are taken before
    training, every ``snapshot_every`` steps, and at the end.  Any NaN/inf loss or log stops
    the run with :class:`TrainingDiverged` naming the first step and quantity that has it (at
    the next copy to the host); so does a snapshot (the last
    one comes after the last update) that is NaN/inf or lies over 1,000 times farther out than
    the data's largest coordinate.  G and D are called once on two samples before training,
    so that a shape mismatch is named (which network, which dimensions).

    ``checkpoint="run.pt"`` saves the run there (atomically) every ``checkpoint_every`` steps
    (default 1,000) and at the end, with the optimisers' and random streams' states; when the
    file exists, training resumes from it and ends exactly as an uninterrupted run would (a
    checkpoint of other settings is refused; ``steps`` may be raised to train on).  Hooks keep
    no state across a resume: they see the step number only.  ``log_csv="history.csv"`` writes
    the history there as it reaches the host (every 100 steps, at snapshots and checkpoints):
    a file a reader can open during a long run.

    Under ``torchrun`` (or in an initialised process group) the run is distributed
    (``distributed="auto"``; ``False`` keeps one process): G and D are wrapped in
    ``DistributedDataParallel``, ``batch_size`` is the global batch that every rank draws from the
    same seeded streams and splits, so that the result equals one process's to rounding; rank 0
    alone takes snapshots and writes the checkpoint.  See :mod:`ganlib.distributed`.
    """
    objective = _check_objective(objective)
    _check_data(data, "data")
    for name, net in (("G", G), ("D", D)):
        if not isinstance(net, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(net).__name__}")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr_g, lr_d = check_positive(lr_g, "lr_g"), check_positive(lr_d, "lr_d")
    schedule, n_critic = _critic_schedule(n_critic, objective)
    n_snapshot = check_positive_int(n_snapshot, "n_snapshot")
    if snapshot_every is not None:
        snapshot_every = check_positive_int(snapshot_every, "snapshot_every")
    if callable(optimizer):
        make_opt = optimizer
    elif optimizer in _OPTIMIZERS:
        make_opt = _OPTIMIZERS[optimizer]
    else:
        raise ValueError(f"optimizer must be one of {sorted(_OPTIMIZERS)} or a callable "
                         f"(params, lr, betas) -> optimizer, got {optimizer!r}")
    if simultaneous and n_critic != 1:
        raise ValueError(f"simultaneous=True needs n_critic=1, got n_critic={n_critic}")
    betas = _check_betas(betas)
    if conditional:
        _check_labelled(data)
    prior = _resolve_prior(G, prior, latent_dim)
    latent_dim = prior.dim
    ctx = _distributed.context(distributed)
    if batch_size % ctx.world_size:
        raise ValueError(f"batch_size = {batch_size} must be divisible by the number of processes "
                         f"({ctx.world_size}): it is the global batch, split evenly over the ranks")
    if checkpoint is not None:
        checkpoint = os.fspath(checkpoint)
        checkpoint_every = check_positive_int(checkpoint_every or 1000, "checkpoint_every")
    elif checkpoint_every is not None:
        raise ValueError("checkpoint_every needs checkpoint= (the file to write)")
    dev = _resolve_device(device)
    if ctx.active and device is None:
        dev = ctx.device or torch.device("cpu")     # gloo: on the CPU; NCCL: the rank's GPU
    G, D = G.to(dev).train(), D.to(dev).train()
    probe = _dry_run(G, D, data, latent_dim, conditional, dev)
    limit = _BLOWUP * max(1.0, float(probe.abs().max()))
    if ctx.active and ctx.world_size > 1:
        _sync_batch_norm(G, D, dev, warn=ctx.is_main)

    objective.reset()
    streams = _Streams(seed, dev)
    z_fixed = prior.sample(n_snapshot, torch.Generator().manual_seed(seed + 2))
    y_fixed = None
    if conditional:
        y_fixed = torch.arange(n_snapshot) % data.n_classes
    config = dict(steps=steps, batch_size=batch_size, latent_dim=latent_dim, prior=prior.spec(),
                  lr_g=lr_g, lr_d=lr_d, betas=tuple(betas), n_critic=n_critic, seed=seed,
                  optimizer=optimizer if isinstance(optimizer, str) else "custom",
                  simultaneous=bool(simultaneous), conditional=bool(conditional),
                  objective=repr(objective), divergence=objective.divergence)
    run = Run(G, D, objective, config, z_fixed=z_fixed, y_fixed=y_fixed)
    opt_g = run.opt_g = make_opt(G.parameters(), lr_g, tuple(betas))
    opt_d = run.opt_d = make_opt(D.parameters(), lr_d, tuple(betas))
    run.rank, run.world_size = ctx.rank, ctx.world_size
    run.resume_state = lambda: dict(opt_g=opt_g.state_dict(), opt_d=opt_d.state_dict(),
                                    streams=streams.state())
    start = 0
    if checkpoint is not None and os.path.exists(checkpoint):
        start = _resume(run, checkpoint, streams)
    logs = _Logs([run.history], reduce=ctx.mean)
    csv_log = _CSVLog(log_csv, run.history) if log_csv is not None and ctx.is_main else None

    def flush():
        logs.flush()
        if csv_log is not None:
            csv_log.write()
    Gw, Dw = ctx.wrap(G, dev), ctx.wrap(D, dev)       # DistributedDataParallel across processes
    average = ctx.mean_ if ctx.active else None

    def real_batch():   # with labels, every call passes the minibatch's labels y along
        if conditional:
            x, y = data.sample(batch_size, streams.data, labels=True)
            return ctx.shard(x).to(dev), ctx.shard(y).to(dev)
        return ctx.shard(data.sample(batch_size, streams.data)).to(dev), None

    def z_batch():
        return ctx.shard(streams.z(prior, batch_size))

    def u_batch():
        return ctx.shard(streams.u(batch_size))

    def snapshot(step):
        flush()
        if ctx.is_main:
            x = eval_generate(G, z_fixed, y_fixed)
            _check_samples(x, step, limit)
            run.snapshots.append((step, x))

    def save(step):
        flush()
        if ctx.is_main:
            run.save(checkpoint)

    if start == 0:
        snapshot(0)
    show = _progress_default(progress) and ctx.is_main
    with _bar(steps, show, type(objective).__name__, initial=start) as bar:
        for step in range(start + 1, steps + 1):
            if simultaneous:
                real, y = real_batch()
                step_logs = simultaneous_step(Gw, Dw, objective, opt_g, opt_d, real, z_batch(), y,
                                              u_batch(), average)
                stats = _layer_stats(D, "D") | _layer_stats(G, "G") if layer_stats else {}
            else:
                for _ in range(check_positive_int(schedule(step), "n_critic(step)")):
                    real, y = real_batch()
                    d_logs = d_step(Gw, Dw, objective, opt_d, real, z_batch(), y, u_batch(),
                                    average)
                # gradients of the last critic update, weights after it
                stats = _layer_stats(D, "D") if layer_stats else {}
                y = None
                if conditional:   # labels for G drawn from the data's p(y)
                    y = ctx.shard(data.sample_labels(batch_size, streams.data)).to(dev)
                step_logs = d_logs | g_step(Gw, Dw, objective, opt_g, z_batch(), y)
                if layer_stats:
                    stats |= _layer_stats(G, "G")
            logs.add(step, step_logs | stats)
            if hooks or step % _SYNC_EVERY == 0 or step == steps:
                flush()
                bar.set_postfix(d_loss=f"{run.history['d_loss'][-1]:.3f}",
                                g_loss=f"{run.history['g_loss'][-1]:.3f}", refresh=False)
            for hook in hooks:
                hook(run, step)
            if snapshot_every and step % snapshot_every == 0 and step != steps:
                snapshot(step)
            if checkpoint is not None and step % checkpoint_every == 0 and step != steps:
                save(step)
            bar.update()
    if start < steps:
        snapshot(steps)
    if checkpoint is not None:
        save(steps)
    return run


def _sync_batch_norm(G, D, dev, warn):
    """Batch norm across processes: on CUDA its statistics are taken over the global batch
    (``SyncBatchNorm``, as in one process); PyTorch's ``SyncBatchNorm`` needs a GPU, so on the CPU
    each rank normalises by its own share, and the run differs from one process."""
    for name, net in (("G", G), ("D", D)):
        if not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules()):
            continue
        if dev.type == "cuda":
            nn.SyncBatchNorm.convert_sync_batchnorm(net)
        elif warn:
            warnings.warn(f"{name} has batch norm: on the CPU each process normalises by its own "
                          f"share of the batch (SyncBatchNorm needs CUDA), so the run is not the "
                          f"same as one process with the global batch", UserWarning, stacklevel=3)


def _resume(run, path, streams):
    """Load the checkpoint ``path`` into ``run`` (networks, objective state, history, snapshots,
    optimisers, random streams); returns the number of steps it had done."""
    saved = Run.load(path, run.G, run.D, run.objective)
    if saved.saved_resume is None:
        raise ValueError(f"the checkpoint {path!r} has no optimiser and random-stream states "
                         f"(it was not written by train(checkpoint=...)): cannot resume from it")
    differ = sorted(k for k in set(saved.config) | set(run.config)
                    if k != "steps" and saved.config.get(k) != run.config.get(k))
    if differ:
        raise ValueError(f"the checkpoint {path!r} is of another run: "
                         + ", ".join(f"{k} = {saved.config.get(k)!r} there, {run.config.get(k)!r} "
                                     f"here" for k in differ)
                         + " (delete it, or pass another checkpoint path, to start afresh)")
    if saved.steps_done > run.config["steps"]:
        raise ValueError(f"the checkpoint {path!r} has done {saved.steps_done} steps, more than "
                         f"steps = {run.config['steps']}")
    run.opt_g.load_state_dict(saved.saved_resume["opt_g"])
    run.opt_d.load_state_dict(saved.saved_resume["opt_d"])
    streams.load_state(saved.saved_resume["streams"])
    run.history, run.snapshots = saved.history, saved.snapshots
    return saved.steps_done


# logs are copied to the host every this many steps (and at snapshots, the end, and every step
# when there are hooks, which run on the host and may read ``run.history``)
_SYNC_EVERY = 100


class _CSVLog:
    """``run.history`` as a CSV file (Python's ``csv`` module), one row per generator step,
    appended as the logs reach the host; rewritten whole when a new quantity appears (and at
    the first write, so that a resumed run's file matches its history)."""

    def __init__(self, path, history):
        self.path, self.history, self.keys, self.rows = os.fspath(path), history, None, 0

    def write(self):
        import csv
        keys = list(self.history)
        n = len(self.history["g_loss"])
        if keys != self.keys:
            self.keys, self.rows, mode = keys, 0, "w"
        else:
            mode = "a"
        with open(self.path, mode, newline="") as fh:
            out = csv.writer(fh)
            if mode == "w":
                out.writerow(["step"] + keys)
            for i in range(self.rows, n):
                out.writerow([i + 1] + [self.history[k][i] if i < len(self.history[k]) else ""
                                        for k in keys])
        self.rows = n


class _Streams:
    """A run's random streams, all from its seed: data (on the CPU, where the data sets live),
    and the latent vectors z and the objective's variates u, drawn on the run's device."""

    def __init__(self, seed, dev):
        self.data = torch.Generator().manual_seed(seed)
        self._z = torch.Generator(device=dev).manual_seed(seed + 1)
        self._u = torch.Generator(device=dev).manual_seed(seed + 3)
        self.dev = dev

    def z(self, prior, n):
        return prior.sample(n, self._z)

    def u(self, n):
        return torch.rand(n, generator=self._u, device=self.dev)

    def state(self):
        return {name: g.get_state() for name, g in (("data", self.data), ("z", self._z), ("u", self._u))}

    def load_state(self, state):
        for name, g in (("data", self.data), ("z", self._z), ("u", self._u)):
            g.set_state(state[name])


def _layer_stats(net, who):
    """Per layer of ``net``: its weight's gradient norm (and for D its largest |weight|), and
    the total gradient norm, as 0-d tensors."""
    stats, total = {}, 0.0
    for name, m in net.named_modules():
        w = getattr(m, "weight", None)
        if isinstance(w, nn.Parameter) and w.dim() > 1 and w.grad is not None:
            g = w.grad.norm()
            stats[f"grad_norm/{who}/{name}"] = g
            total = total + g * g
            if who == "D":
                stats[f"weight_absmax/D/{name}"] = w.detach().abs().max()
    stats[f"grad_norm/{who}"] = torch.as_tensor(total).sqrt()
    return stats


def linear_decay(final=0.05):
    """A learning-rate schedule ``factor(step, steps)``: after generator step ``step`` both
    learning rates are their start times max(1 − step/steps, ``final``).  ``train_many`` takes
    it as ``lr_schedule``; for ``train`` use the hook :func:`linear_lr_decay`."""
    if isinstance(final, bool) or not isinstance(final, (int, float)) or not 0 <= final <= 1:
        raise ValueError(f"final must lie in [0, 1], got {final!r}")

    def factor(step, steps):
        return max(1 - step / steps, final)
    return factor


def linear_lr_decay(final=0.05):
    """A hook for :func:`train`: both learning rates fall linearly from their start to
    ``final`` times their start over the run (``run.opt_g``/``run.opt_d`` are the optimisers),
    by the schedule :func:`linear_decay`."""
    factor = linear_decay(final)

    def hook(run, step):
        f = factor(step, run.config["steps"])
        for opt, lr in ((run.opt_g, run.config["lr_g"]), (run.opt_d, run.config["lr_d"])):
            for group in opt.param_groups:
                group["lr"] = lr * f
    return hook


def wgan_critic_schedule(n_critic=5, warmup_steps=25, warmup_critic=100, every=500):
    """The critic schedule of the WGAN authors' code (not in the paper's Algorithm 1):
    ``warmup_critic`` critic updates for each of the first ``warmup_steps`` generator steps and
    on every ``every``-th step, so that the critic is near its optimum whenever its estimate is
    read; ``n_critic`` otherwise.  Pass it as ``train(..., n_critic=wgan_critic_schedule())``."""
    for value, name in ((n_critic, "n_critic"), (warmup_critic, "warmup_critic"), (every, "every")):
        check_positive_int(value, name)
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
        raise ValueError(f"warmup_steps must be a non-negative integer, got {warmup_steps!r}")

    def schedule(step):
        return warmup_critic if step <= warmup_steps or step % every == 0 else n_critic
    return schedule
