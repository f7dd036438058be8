"""A budgeted study of GAN objectives, in the manner of Lucic et al. (2018), "Are GANs Created
Equal?": for every model, random hyperparameter settings (the budget), each trained over several
seeds at once with :func:`ganlib.train_many` on the same architecture and data, and measured.

One process, or sharded over the ranks of ``torchrun`` (each rank trains its share of the
settings: settings ``rank``, ``rank + world_size``, …; rank 0 gathers the results into one file,
the same as a single process's)::

    python -m ganlib.study --out study.json --data ring --trials 8 --seeds 0 1 2 --steps 1000
    torchrun --nproc-per-node 4 -m ganlib.study --out study.json --trials 64 ...

The file holds the settings, the code version and, per setting and seed, the measurements.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

from . import __version__, data as _data, distributed, metrics, nets, objectives
from .many import train_many

# the search space per model: a list is a choice, a pair (low, high) a log-uniform range
SPACES = {
    "nonsaturating": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9]),
    "minimax": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9]),
    "lsgan": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9]),
    "wgan": dict(lr=(1e-5, 1e-3), n_critic=[1, 2, 5], clip=(1e-3, 1e-1)),
    "wgan-gp": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9], n_critic=[1, 2, 5], lam=(0.1, 100.0)),
}
MODELS = tuple(SPACES)


def objective_of(setting):
    model = setting["model"]
    if model == "wgan":
        return objectives.Wasserstein(clip=setting["clip"])
    if model == "wgan-gp":
        return objectives.WassersteinGP(lam=setting["lam"])
    return {"nonsaturating": objectives.NonSaturating, "minimax": objectives.Minimax,
            "lsgan": objectives.LeastSquares}[model]()


def settings(models=MODELS, trials=4, seed=0):
    """``trials`` random settings per model, drawn from :data:`SPACES` with ``seed``: a list of
    dicts, each with its ``index`` in the list, its ``model`` and its hyperparameters."""
    unknown = [m for m in models if m not in SPACES]
    if unknown:
        raise ValueError(f"models: unknown {unknown}; known: {list(SPACES)}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive integer, got {trials!r}")
    rng = np.random.default_rng(seed)
    out = []
    for model in models:
        for _ in range(trials):
            s = {"index": len(out), "model": model}
            for key, space in SPACES[model].items():
                if isinstance(space, tuple):
                    lo, hi = math.log(space[0]), math.log(space[1])
                    s[key] = float(f"{math.exp(rng.uniform(lo, hi)):.3g}")
                else:
                    s[key] = space[int(rng.integers(len(space)))]
            out.append(s)
    return out


def run_setting(setting, *, data="ring", seeds=(0, 1), steps=1000, batch_size=64, hidden=128,
                latent_dim=8, device=None):
    """Train one setting over ``seeds`` at once and measure every seed's samples: modes
    covered and the share of high-quality samples (2,500 samples, :func:`metrics.mode_coverage`).
    A diverged seed is recorded as such, not dropped."""
    target = {"ring": _data.ring, "grid": _data.grid}[data]()
    G = [nets.mlp(latent_dim, 2, hidden=(hidden, hidden), seed=1000 * s) for s in seeds]
    D = [nets.mlp(2, 1, hidden=(hidden, hidden), seed=1000 * s + 1) for s in seeds]
    beta1 = setting.get("beta1", 0.5)
    kwargs = dict(lr_g=setting["lr"], lr_d=setting["lr"], betas=(beta1, 0.999),
                  n_critic=setting.get("n_critic", 1), optimizer="rmsprop" if setting["model"] == "wgan"
                  else "adam")
    try:
        runs = train_many(G, D, target, objective_of(setting), seeds=list(seeds), steps=steps,
                          batch_size=batch_size, latent_dim=latent_dim, device=device,
                          n_snapshot=2500, progress=False, **kwargs)
    except FloatingPointError as err:         # TrainingDiverged: the whole setting diverged
        return [dict(seed=s, diverged=str(err)) for s in seeds]
    out = []
    for s, run in zip(seeds, runs):
        cov = metrics.mode_coverage(run.snapshots[-1][1], target)
        out.append(dict(seed=s, modes=cov.modes_covered, n_modes=cov.n_modes,
                        high_quality=round(cov.high_quality, 6)))
    return out


def run(settings_list, *, out=None, distributed_mode="auto", progress=True, **options):
    """Run every setting (``options`` go to :func:`run_setting`), sharded over the ranks when
    launched by ``torchrun``; returns (on every rank) and writes (rank 0, atomically, to
    ``out``) the study: ``{"ganlib_version", "options", "results": [setting + "seeds": [...]]}``
    in the settings' order."""
    ctx = distributed.context(distributed_mode)
    mine = settings_list[ctx.rank::ctx.world_size]
    from tqdm.auto import tqdm
    results = []
    for s in tqdm(mine, disable=not (progress and ctx.is_main), desc=f"study (rank {ctx.rank})"):
        results.append(s | {"seeds": run_setting(s, **options)})
    if ctx.active and ctx.world_size > 1:
        gathered = [None] * ctx.world_size
        torch.distributed.all_gather_object(gathered, results)
        results = [r for part in gathered for r in part]
    results.sort(key=lambda r: r["index"])
    recorded = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()
                if k != "device"}                   # where it ran is not what it measured
    study = {"ganlib_version": __version__, "options": recorded,
             "results": results}
    if out is not None and ctx.is_main:
        tmp = f"{out}.tmp-{os.getpid()}"
        with open(tmp, "w") as fh:
            json.dump(study, fh, indent=1)
        os.replace(tmp, out)
    return study


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ganlib.study", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the study's JSON file")
    p.add_argument("--data", choices=("ring", "grid"), default="ring")
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    p.add_argument("--trials", type=int, default=4, help="random settings per model (the budget)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--search-seed", type=int, default=0, help="the seed of the random search")
    p.add_argument("--device", default=None)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    args = p.parse_args(argv)
    study = run(settings(args.models, args.trials, args.search_seed), out=args.out,
                progress=args.progress, data=args.data, seeds=tuple(args.seeds), steps=args.steps,
                device=args.device)
    ctx = distributed.context("auto")
    if ctx.is_main:
        print(f"ganlib.study: {len(study['results'])} settings written to {args.out}", file=sys.stderr)
    if ctx.active:
        torch.distributed.destroy_process_group()
    return study


if __name__ == "__main__":
    main()
