"""``train_many``: K independent GANs of one architecture trained at once with ``torch.func``.

The K generators' parameters are stacked along a new first axis (``stack_module_state``), as
are the K discriminators'; one call of ``vmap`` runs every member's forward pass and its
objective at once, and one backward pass gives every member its own gradients, because the
members' losses do not depend on each other.  A small functional optimiser (Adam, RMSProp or
SGD, with the arithmetic of ``torch.optim``) then updates the stacked tensors, each member
with its own learning rates.  Every member draws its data, latent vectors and the objective's
variates from its own seed's streams, exactly as ``ganlib.train`` would, so member k ends
where ``train`` with the same seed and settings ends, to floating-point tolerance.
"""
from __future__ import annotations

import contextlib
import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from ._checks import check_positive, check_positive_int
from .objectives import Batch
from .training import (_BLOWUP, _SYNC_EVERY, Run, TrainingDiverged, _bar, _check_betas,
                       _check_data, _check_labelled, _check_objective, _check_samples,
                       _critic_schedule, _dry_run, _Logs, _progress_default, _resolve_device,
                       _resolve_prior, _Streams)

__all__ = ["train_many"]

# modules that keep no state between calls and act on each sample separately, so that their
# forward pass can be run for K members at once with the members' own weights
_STATELESS = (nn.Linear, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.ELU, nn.Sigmoid, nn.Identity,
              nn.Flatten, nn.Unflatten, nn.Softplus, nn.GELU, nn.SiLU)


def _check_members(nets, name, k):
    if isinstance(nets, nn.Module) or not all(isinstance(n, nn.Module) for n in nets):
        raise TypeError(f"{name} must be a list of torch.nn.Module, one per member")
    if len(nets) != k:
        raise ValueError(f"{name} must hold one network per seed: {len(nets)} networks for "
                         f"{k} seeds")
    shapes = [[(n, tuple(p.shape)) for n, p in net.named_parameters()] for net in nets]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"the networks in {name} must share one architecture (the same "
                         f"parameter names and shapes)")
    for net in nets:
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                raise ValueError(f"train_many cannot train {name} with batch norm: its running "
                                 f"statistics change during the forward pass (use train, or "
                                 f"layer norm)")


def _per_member(values, name, k):
    """A hyperparameter given once for all members or as one value per member."""
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        values = [values] * k
    values = [check_positive(v, name) for v in values]
    if len(values) != k:
        raise ValueError(f"{name} must be one number or one per seed: {len(values)} values for "
                         f"{k} seeds")
    return values


class _Stacked:
    """K networks of one architecture as stacked tensors, and their functional forward pass."""

    def __init__(self, nets, dev):
        self.params, self.buffers = stack_module_state([n.to(dev) for n in nets])
        self.params = {k: v.detach().requires_grad_() for k, v in self.params.items()}
        self.base = copy.deepcopy(nets[0]).to("meta")
        children = list(self.base.children()) if isinstance(self.base, nn.Sequential) else []
        # a Sequential of stateless layers runs as plain functional calls (much faster than
        # functional_call, which swaps every tensor into the module on every call)
        self.plain = bool(children) and all(isinstance(m, _STATELESS) for m in children)
        self.names = [name for name, _ in self.base.named_children()]

    def parameters(self):
        return list(self.params.values())

    def forward(self, params, buffers, x, y=None):
        if y is not None:                     # a conditional network f(x, y)
            return functional_call(self.base, (params, buffers), (x, y))
        if self.plain:
            for name, m in zip(self.names, self.base.children()):
                if isinstance(m, nn.Linear):
                    x = torch.nn.functional.linear(x, params[f"{name}.weight"],
                                                   params.get(f"{name}.bias"))
                else:
                    x = m(x)
            return x
        return functional_call(self.base, (params, buffers), (x,))

    def member(self, params, buffers, y=None):
        return lambda x: self.forward(params, buffers, x, y)

    def load_into(self, nets):
        for k, net in enumerate(nets):
            state = {n: v[k].detach().clone() for n, v in {**self.params, **self.buffers}.items()}
            net.load_state_dict(state)


class _Optimizer:
    """Adam, RMSProp or SGD on stacked tensors with one learning rate per member, with the
    arithmetic of ``torch.optim`` (single-tensor path, PyTorch's defaults otherwise)."""

    def __init__(self, kind, params, lrs, betas, dev):
        if kind not in ("adam", "rmsprop", "sgd"):
            raise ValueError(f"optimizer must be 'adam', 'rmsprop' or 'sgd' for train_many, "
                             f"got {kind!r}")
        self.kind, self.params, self.betas, self.t = kind, params, betas, 0
        self.scale = 1.0                      # the learning-rate schedule's factor
        self.same_lr = len(set(lrs)) == 1
        self.lr = lrs[0] if self.same_lr else torch.tensor(lrs, device=dev)
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def _lr(self, p):
        lr = self.lr * self.scale             # as torch.optim with group["lr"] = lr · factor
        return lr if self.same_lr else lr.reshape(-1, *[1] * (p.dim() - 1))

    @torch.no_grad()
    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if g is None:                     # a parameter the loss does not use (as torch.optim)
                continue
            if self.kind == "sgd":
                if self.same_lr:
                    p.add_(g, alpha=-self._lr(p))
                else:
                    p.add_(-self._lr(p) * g)
                continue
            if self.kind == "rmsprop":       # alpha = 0.99, eps = 1e-8
                v.mul_(0.99).addcmul_(g, g, value=0.01)
                denom = v.sqrt().add_(1e-8)
                if self.same_lr:
                    p.addcdiv_(g, denom, value=-self._lr(p))
                else:
                    p.sub_(self._lr(p) * g / denom)
                continue
            m.lerp_(g, 1 - b1)                # Adam, eps = 1e-8
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
            denom = (v.sqrt() / bc2 ** 0.5).add_(1e-8)
            if self.same_lr:
                p.addcdiv_(m, denom, value=-self._lr(p) / bc1)
            else:
                p.sub_(self._lr(p) / bc1 * m / denom)


@contextlib.contextmanager
def _holding(objective, values):
    """The objective's state attributes set to ``values`` inside the block, restored after."""
    shared = {n: getattr(objective, n) for n in values}
    try:
        for n, v in values.items():
            setattr(objective, n, v)
        yield
    finally:
        for n, v in shared.items():
            setattr(objective, n, v)


def train_many(G, D, data, objective, *, seeds, steps, batch_size=64, latent_dim=None,
               prior=None, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), optimizer="adam",
               n_critic=None, lr_schedule=None, device=None, snapshot_every=None, n_snapshot=1000,
               conditional=False, progress=None):
    """Train K = ``len(seeds)`` GANs at once: member k is ``G[k]`` against ``D[k]``, with seed
    ``seeds[k]``, and ``lr_g``/``lr_d`` one number for all members or one per member.

    Returns one :class:`~ganlib.training.Run` per member, as :func:`ganlib.train` would with
    that member's seed and settings (the networks in ``G`` and ``D`` are trained in place).
    ``lr_schedule(step, steps) -> factor`` scales both learning rates after each generator
    step, e.g. :func:`ganlib.linear_decay` (what the hook ``linear_lr_decay`` does in
    ``train``).  The other arguments are :func:`ganlib.train`'s, ``conditional`` included (G(z, y)
    and D(x, y) on labelled data).  Not here: hooks, ``simultaneous``, layer statistics, custom
    optimisers, networks with batch norm (their running statistics change in the forward pass)
    and objectives whose state is more than numbers (an objective's ``member_state``, as BEGAN's
    k_t, is one value per member: each run ends with its own copy of the objective).
    """
    objective = _check_objective(objective)
    _check_data(data, "data")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers, got {seeds!r}")
    k = len(seeds)
    _check_members(G, "G", k), _check_members(D, "D", k)
    objective.reset()
    state_names = tuple(objective.member_state)
    if objective.state_dict() and not state_names:
        raise ValueError(f"train_many cannot share {objective!r} between members: it keeps "
                         f"state across steps (train each member with train)")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lrs_g, lrs_d = _per_member(lr_g, "lr_g", k), _per_member(lr_d, "lr_d", k)
    betas = _check_betas(betas)
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"lr_schedule must be a callable (step, steps) -> factor, got "
                        f"{type(lr_schedule).__name__}")
    schedule, n_critic = _critic_schedule(n_critic, objective)
    n_snapshot = check_positive_int(n_snapshot, "n_snapshot")
    if snapshot_every is not None:
        snapshot_every = check_positive_int(snapshot_every, "snapshot_every")
    if conditional:
        _check_labelled(data)
    prior = _resolve_prior(G[0], prior, latent_dim)
    dev = _resolve_device(device)
    for g, d in zip(G, D):
        g.to(dev).train(), d.to(dev).train()
    probe = _dry_run(G[0], D[0], data, prior.dim, conditional, dev)
    limit = _BLOWUP * max(1.0, float(probe.abs().max()))

    streams = [_Streams(s, dev) for s in seeds]
    z_fixed = [prior.sample(n_snapshot, torch.Generator().manual_seed(s + 2)) for s in seeds]
    z_fixed_dev = torch.stack(z_fixed).to(dev)
    y_fixed = torch.arange(n_snapshot) % data.n_classes if conditional else None
    y_fixed_dev = y_fixed.to(dev) if conditional else None
    g_net, d_net = _Stacked(G, dev), _Stacked(D, dev)
    opt_g = _Optimizer(optimizer, g_net.parameters(), lrs_g, betas, dev)
    opt_d = _Optimizer(optimizer, d_net.parameters(), lrs_d, betas, dev)
    runs = []
    for i, s in enumerate(seeds):
        config = dict(steps=steps, batch_size=batch_size, latent_dim=prior.dim, prior=prior.spec(),
                      lr_g=lrs_g[i], lr_d=lrs_d[i], betas=betas,
                      n_critic=n_critic, seed=s,
                      optimizer=optimizer, simultaneous=False, conditional=bool(conditional),
                      objective=repr(objective), divergence=objective.divergence,
                      trained_with="train_many")
        runs.append(Run(G[i], D[i], objective, config, z_fixed=z_fixed[i], y_fixed=y_fixed))

    def generate(gp, gb, z, y=None):
        return g_net.forward(gp, gb, z, y)

    # an objective's state (BEGAN's k_t) is one value per member: a tensor of K values between
    # the steps, and inside vmap each member's d_loss sees its own value
    state = {n: torch.full((k,), float(getattr(objective, n)), device=dev) for n in state_names}

    def d_member(dp, db, gp, gb, real, z, u, member_state, y=None):
        with torch.no_grad():
            fake = generate(gp, gb, z, y)
        with _holding(objective, member_state):
            return objective.d_loss(d_net.member(dp, db, y), Batch(real=real, fake=fake, z=z, y=y, u=u))

    def g_member(gp, gb, dp, db, z, y=None):
        return objective.g_loss(d_net.member(dp, db, y), Batch(fake=generate(gp, gb, z, y), z=z, y=y))

    d_losses, g_losses = vmap(d_member), vmap(g_member)

    def draw_z():
        return torch.stack([st.z(prior, batch_size) for st in streams])

    def real_batch():      # per member, from its own data stream, as train draws it
        if not conditional:
            return torch.stack([data.sample(batch_size, st.data) for st in streams]).to(dev), None
        xs, ys = zip(*(data.sample(batch_size, st.data, labels=True) for st in streams))
        return torch.stack(xs).to(dev), torch.stack(ys).to(dev)

    def d_update():
        real, y = real_batch()
        z, u = draw_z(), torch.stack([st.u(batch_size) for st in streams])
        args = (d_net.params, d_net.buffers, g_net.params, g_net.buffers, real, z, u, state)
        loss, logs = d_losses(*args) if y is None else d_losses(*args, y)  # vmap takes no None
        grads = torch.autograd.grad(loss.sum(), d_net.parameters(), allow_unused=True)
        opt_d.step(grads)
        logs = {"d_loss": loss.detach(), **{n: v.detach() for n, v in logs.items()}}
        with _holding(objective, state):     # all members' state updated at once, on their logs [K]
            objective.after_step(d_net, logs)
            updated = {n: torch.as_tensor(getattr(objective, n), device=dev).expand(k).clone() for n in state}
        state.update(updated)
        return logs

    def g_update():
        y = None
        if conditional:    # labels for G from the data's p(y), after the critic's draws (as train)
            y = torch.stack([data.sample_labels(batch_size, st.data) for st in streams]).to(dev)
        args = (g_net.params, g_net.buffers, d_net.params, d_net.buffers, draw_z())
        loss, logs = g_losses(*args) if y is None else g_losses(*args, y)
        grads = torch.autograd.grad(loss.sum(), g_net.parameters(), allow_unused=True)
        opt_g.step(grads)
        return {"g_loss": loss.detach(), **{n: v.detach() for n, v in logs.items()}}

    logs = _Logs([run.history for run in runs], seeds)

    @torch.no_grad()
    def snapshot(step):
        logs.flush()
        g_net.base.eval()
        if conditional:
            x = vmap(generate, in_dims=(0, 0, 0, None))(g_net.params, g_net.buffers, z_fixed_dev,
                                                         y_fixed_dev).cpu()
        else:
            x = vmap(generate)(g_net.params, g_net.buffers, z_fixed_dev).cpu()
        g_net.base.train()
        for i, run in enumerate(runs):
            try:
                _check_samples(x[i], step, limit)
            except TrainingDiverged as err:
                raise TrainingDiverged(step, err.name, err.value, f" (member {i}, seed "
                                       f"{seeds[i]})") from None
            run.snapshots.append((step, x[i]))

    snapshot(0)
    with _bar(steps, _progress_default(progress), f"{type(objective).__name__} ×{k}") as bar:
        for step in range(1, steps + 1):
            for _ in range(check_positive_int(schedule(step), "n_critic(step)")):
                d_logs = d_update()
            logs.add(step, d_logs | g_update())
            if lr_schedule is not None:
                opt_g.scale = opt_d.scale = lr_schedule(step, steps)
            if step % _SYNC_EVERY == 0 or step == steps:
                logs.flush()
            if snapshot_every and step % snapshot_every == 0 and step != steps:
                snapshot(step)
            bar.update()
    snapshot(steps)
    g_net.load_into(G)
    d_net.load_into(D)
    if state:                   # each run keeps its own copy of the objective, with its state
        for i, run in enumerate(runs):
            run.objective = copy.copy(objective)
            run.objective.load_state_dict({n: float(v[i]) for n, v in state.items()})
    return runs
