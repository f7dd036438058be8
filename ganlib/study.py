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
import inspect
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
    "vae": dict(lr=(1e-4, 1e-2)),
    "loss-sensitive": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9], margin_scale=(1e-3, 1.0)),
    "ebgan": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9], margin=(0.1, 10.0), pt_weight=[0.0, 0.1]),
    "began": dict(lr=(1e-4, 1e-2), beta1=[0.0, 0.5, 0.9], gamma=[0.3, 0.5, 0.7, 1.0],
                  lambda_k=(1e-3, 1e-1)),
}
MODELS = tuple(SPACES)
DATA = ("ring", "grid", "digits", "triangles")


def objective_of(setting):
    model = setting["model"]
    if model == "wgan":
        return objectives.Wasserstein(clip=setting["clip"])
    if model == "wgan-gp":
        return objectives.WassersteinGP(lam=setting["lam"])
    if model == "loss-sensitive":
        return objectives.LossSensitive(margin_scale=setting["margin_scale"])
    if model == "ebgan":
        return objectives.EBGAN(margin=setting["margin"], pt_weight=setting["pt_weight"])
    if model == "began":
        return objectives.BEGAN(gamma=setting["gamma"], lambda_k=setting["lambda_k"])
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


_CACHE = {}


def target(name):
    """The study's data set by name (:data:`DATA`); image sets are made once per process."""
    if name not in DATA:
        raise ValueError(f"data must be one of {DATA}, got {name!r}")
    if name not in _CACHE:
        if name == "triangles":
            from .triangles import triangles
            _CACHE[name] = triangles(n=10000, seed=0)
        else:
            _CACHE[name] = {"ring": _data.ring, "grid": _data.grid, "digits": _data.digits}[name]()
    return _CACHE[name]


def judge(name="digits"):
    """The classifier in whose features the study measures digits (trained here, seed 0)."""
    key = ("judge", name)
    if key not in _CACHE:
        _CACHE[key] = metrics.train_classifier(target(name), seed=0)
    return _CACHE[key]


def measure(samples, data, seed=0, G=None, latent_dim=None):
    """The study's measurements of one model's ``samples`` on ``data`` (a :data:`DATA` name):
    on the ring and grid, modes covered and the high-quality share; on digits, FID and
    precision/recall/density/coverage (k = 5) in the features of :func:`judge`, and the class
    score; on triangles, the Fréchet distance in pixels (``fd_pixels``, against 2,000 training
    triangles), precision as the share of samples within :data:`TRIANGLE_DELTA` of the manifold
    (:func:`ganlib.triangles.manifold_distance`, exact up to the search's tolerance) and, given
    the generator ``G`` and its ``latent_dim``, recall as the share of 300 test triangles that G
    comes within δ of (:func:`ganlib.metrics.distance_to_generator`, its starts drawn with
    ``seed``), each also at the δ's of :data:`TRIANGLE_DELTAS`."""
    if data in ("ring", "grid"):
        cov = metrics.mode_coverage(samples, target(data))
        return dict(modes=cov.modes_covered, n_modes=cov.n_modes, high_quality=round(cov.high_quality, 6))
    if data == "digits":
        j = judge()
        real, fake = j.features(target(data).images), j.features(samples)
        pr = metrics.precision_recall(real, fake, k=5)
        out = dict(fid=metrics.frechet_distance(fake, real), precision=pr.precision,
                   recall=pr.recall, density=pr.density, coverage=pr.coverage,
                   class_score=metrics.class_score(samples, j).score)
        return {k: round(float(v), 6) for k, v in out.items()}
    if data == "triangles":
        from . import triangles as _tri
        reference = target(data).images[:2000]
        d_fake = _tri.manifold_distance(samples)
        out = dict(fd_pixels=metrics.frechet_distance(samples.flatten(1), reference.flatten(1)),
                   precision=float((d_fake < TRIANGLE_DELTA).double().mean()),
                   median_distance=float(d_fake.median()))
        out |= {f"precision@{d:g}": float((d_fake < d).double().mean()) for d in TRIANGLE_DELTAS}
        if G is not None:
            test = _triangle_test()
            d_real = metrics.distance_to_generator(G, test.images, latent_dim, seed=seed)
            out |= dict(recall=float((d_real < TRIANGLE_DELTA).double().mean()),
                        median_recall_distance=float(d_real.median()))
            out |= {f"recall@{d:g}": float((d_real < d).double().mean()) for d in TRIANGLE_DELTAS}
        return {k: round(float(v), 6) for k, v in out.items()}
    raise ValueError(f"data must be one of {DATA}, got {data!r}")


TRIANGLE_DELTA = 4.0
"""On the triangles, a sample is precise when its distance to the manifold (L2 over the 28×28
pixels in [-1, 1]) is below δ = 4, and a test triangle is recalled when the generator comes within
δ of it.  For scale: a real triangle moved by one pixel lies 4.5 to 8 from the manifold (its 10 %
and 90 % quantiles, chapter 12), and the search's tolerance is about 0.2."""
TRIANGLE_DELTAS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0)


def _triangle_test():
    """The 300 test triangles for recall: drawn with seed 1 (the training set uses seed 0)."""
    if "triangle_test" not in _CACHE:
        from .triangles import triangles
        _CACHE["triangle_test"] = triangles(n=300, seed=1)
    return _CACHE["triangle_test"]


def _n_eval(n_eval, data):
    """Samples measured per run: ``n_eval``, by default 2,500 on the ring and grid, 1,000 on images."""
    return n_eval or (2500 if data in ("ring", "grid") else 1000)


def _models(setting, data, seeds, hidden, latent_dim):
    """Per seed, G and D of the study's shape; EBGAN's and BEGAN's D is an MLP auto-encoder (one
    hidden layer of ``hidden`` units each way, a code of 1 dimension on the plane, as chapter 11
    found necessary, and of ``latent_dim`` on images), reconstructing with squared (EBGAN) or
    absolute (BEGAN) errors."""
    if data in ("ring", "grid"):
        G = [nets.mlp(latent_dim, 2, hidden=(hidden, hidden), seed=1000 * s) for s in seeds]
        D = [nets.mlp(2, 1, hidden=(hidden, hidden), seed=1000 * s + 1) for s in seeds]
    else:
        pairs = [nets.image_mlp(latent_dim, target(data).shape, hidden=(hidden, hidden), seed=1000 * s)
                 for s in seeds]
        G, D = [p[0] for p in pairs], [p[1] for p in pairs]
    if setting["model"] in ("ebgan", "began"):
        flat = data not in ("ring", "grid")
        dim = 2 if not flat else math.prod(target(data).shape)
        kind = "mse" if setting["model"] == "ebgan" else "l1"
        D = [nets.autoencoder_mlp(dim, 1 if not flat else latent_dim, hidden=(hidden,),
                                  reconstruction=kind, seed=1000 * s + 1) for s in seeds]
        if flat:
            D = [torch.nn.Sequential(torch.nn.Flatten(), d) for d in D]
    return G, D


def run_setting(setting, *, data="ring", seeds=(0, 1), steps=1000, batch_size=64, hidden=128,
                latent_dim=8, n_eval=None, device=None):
    """Train one setting over ``seeds`` (GANs at once, with :func:`~ganlib.train_many`; a VAE
    seed by seed) and :func:`measure` every seed's ``n_eval`` samples (2,500 on the ring and
    grid, 1,000 on images).  A diverged run is recorded as such, not dropped: for a GAN setting,
    its seeds diverge together."""
    n_eval = _n_eval(n_eval, data)
    tgt = target(data)
    if setting["model"] == "vae":
        from .vae import VAE, train_vae
        if data in ("ring", "grid"):
            raise ValueError("the study's VAE is for images: data must be 'digits' or 'triangles'")
        out = []
        for s in seeds:
            try:
                run = train_vae(VAE(tgt.shape, latent_dim, hidden=(hidden, hidden), seed=1000 * s), tgt,
                                steps=steps, batch_size=batch_size, lr=setting["lr"], seed=s,
                                device=device, progress=False)
                out.append(dict(seed=s, **measure(run.sample(n_eval, seed=s), data, s,
                                                  G=run.vae, latent_dim=latent_dim)))
            except FloatingPointError as err:
                out.append(dict(seed=s, diverged=str(err)))
        return out
    G, D = _models(setting, data, seeds, hidden, latent_dim)
    beta1 = setting.get("beta1", 0.5)
    kwargs = dict(lr_g=setting["lr"], lr_d=setting["lr"], betas=(beta1, 0.999),
                  n_critic=setting.get("n_critic", 1), optimizer="rmsprop" if setting["model"] == "wgan"
                  else "adam")
    try:
        runs = train_many(G, D, tgt, objective_of(setting), seeds=list(seeds), steps=steps,
                          batch_size=batch_size, latent_dim=latent_dim, device=device,
                          n_snapshot=n_eval, progress=False, **kwargs)
        return [dict(seed=s, **measure(run.snapshots[-1][1], data, s, G=run.G,
                                       latent_dim=latent_dim))
                for s, run in zip(seeds, runs)]
    except (FloatingPointError, ValueError) as err:     # diverged, or samples NaN at the end
        return [dict(seed=s, diverged=str(err)) for s in seeds]


_DEFAULTS = {k: v.default for k, v in inspect.signature(run_setting).parameters.items()
             if v.kind is v.KEYWORD_ONLY}       # run_setting's options, recorded with every study


def _code_version():
    """ganlib's version and, inside a git checkout, the commit (with ``+dirty`` for local edits)."""
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit + ("+dirty" if dirty else "")) if commit else None


def run(settings_list, *, out=None, distributed_mode="auto", progress=True, search_seed=None,
        resume=False, **options):
    """Run every setting (``options`` go to :func:`run_setting`), sharded over the ranks when
    launched by ``torchrun``; returns (on every rank) and writes (rank 0, atomically, to
    ``out``) the study: ``{"ganlib_version", "code", "search_seed", "options", "reference",
    "results": [setting + "seeds": [...]]}`` in the settings' order.  ``code`` is the git commit
    that ran it (None outside a checkout); ``reference`` holds, on images, the measurements of
    ``n_eval`` real images drawn from the data (seed 0): the floor that sample size leaves.
    Each result also names the commit that computed it.  ``resume=True`` keeps the results of an
    existing ``out`` whose options are the same and whose settings equal this list's at the
    same index, and runs only the others: an interrupted study goes on, and a study extended
    with more models or trials (the same search seed draws the same settings first) reuses what
    it has."""
    code = _code_version()           # the code that runs: taken now, before any later commit
    recorded = {k: list(v) if isinstance(v, tuple) else v for k, v in (_DEFAULTS | options).items()
                if k != "device"}                   # where it ran is not what it measured
    done = {}
    if resume and out is not None and os.path.exists(out):
        with open(out) as fh:
            prev = json.load(fh)
        if prev["options"] != recorded:
            raise ValueError(f"out: {out} was made with options {prev['options']}, not {recorded}; "
                             f"resume needs the same")
        for r in prev["results"]:
            i = r["index"]
            if i < len(settings_list) and {k: r[k] for k in settings_list[i]} == settings_list[i]:
                done[i] = r | {"code": r.get("code", prev.get("code"))}
    ctx = distributed.context(distributed_mode)
    mine = [s for s in settings_list if s["index"] not in done][ctx.rank::ctx.world_size]
    from tqdm.auto import tqdm
    results = []
    for s in tqdm(mine, disable=not (progress and ctx.is_main), desc=f"study (rank {ctx.rank})"):
        results.append(s | {"code": code, "seeds": run_setting(s, **options)})
    if ctx.active and ctx.world_size > 1:
        gathered = [None] * ctx.world_size
        torch.distributed.all_gather_object(gathered, results)
        results = [r for part in gathered for r in part]
    results = sorted(results + list(done.values()), key=lambda r: r["index"])
    data = options.get("data", "ring")
    reference = None
    if data in ("digits", "triangles"):
        n_eval = _n_eval(options.get("n_eval"), data)
        real = target(data).sample(n_eval, torch.Generator().manual_seed(0))
        reference = measure(real, data, 0)
    study = {"ganlib_version": __version__, "code": code, "search_seed": search_seed,
             "options": recorded, "reference": reference, "results": results}
    if out is not None and ctx.is_main:
        tmp = f"{out}.tmp-{os.getpid()}"
        with open(tmp, "w") as fh:
            json.dump(study, fh, indent=1)
        os.replace(tmp, out)
    return study


# --------------------------------------------------------------------------- reading a study
def table(study, key):
    """Every run of a study as rows ``(model, setting index, seed, value of key)``; a diverged
    run has the value None."""
    rows = []
    for r in study["results"]:
        for s in r["seeds"]:
            rows.append((r["model"], r["index"], s["seed"], None if "diverged" in s else s[key]))
    return rows


def budget_curve(study, model, key="fid", n_boot=2000, seed=0, lower_is_better=True):
    """A budget curve in the spirit of Lucic et al.'s: for a budget of b runs (b = 1 … all of
    ``model``'s runs, each a setting with a seed), the best ``key`` among b runs drawn at random
    without replacement, over ``n_boot`` draws.  A diverged run spends budget and finds nothing.
    Returns ``(budgets, mean, low, high)`` arrays, low/high the 2.5 % and 97.5 % quantiles of the
    best (taken at sample values, so that a diverged run's infinity stays infinite)."""
    worst = math.inf if lower_is_better else -math.inf
    values = np.array([worst if v is None else v for m, _, _, v in table(study, key) if m == model],
                      dtype=float)
    if len(values) == 0:
        raise ValueError(f"model: no runs of {model!r} in this study")
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((n_boot, len(values))), axis=1)      # n_boot random orders
    draws = values[order]
    best = (np.minimum if lower_is_better else np.maximum).accumulate(draws, axis=1)
    budgets = np.arange(1, len(values) + 1)
    return (budgets, best.mean(0), np.quantile(best, 0.025, axis=0, method="lower"),
            np.quantile(best, 0.975, axis=0, method="higher"))


def best_setting(study, model, key="fid", lower_is_better=True):
    """The setting of ``model`` whose seeds have the best mean ``key`` (settings with a diverged
    seed are passed over), as ``(result dict, [value per seed])``; None when every one diverged."""
    best = None
    for r in study["results"]:
        if r["model"] != model or any("diverged" in s for s in r["seeds"]):
            continue
        vals = [s[key] for s in r["seeds"]]
        score = float(np.mean(vals)) * (1 if lower_is_better else -1)
        if best is None or score < best[0]:
            best = (score, r, vals)
    return None if best is None else best[1:]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ganlib.study", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the study's JSON file")
    p.add_argument("--data", choices=DATA, default="ring")
    p.add_argument("--models", nargs="+", choices=MODELS, default=None,
                   help="default: every model (the VAE on images only)")
    p.add_argument("--trials", type=int, default=4, help="random settings per model (the budget)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--hidden", type=int, default=_DEFAULTS["hidden"],
                   help="the width of the MLPs' two hidden layers")
    p.add_argument("--latent-dim", type=int, default=_DEFAULTS["latent_dim"])
    p.add_argument("--n-eval", type=int, default=None, help="samples measured per run")
    p.add_argument("--search-seed", type=int, default=0, help="the seed of the random search")
    p.add_argument("--device", default=None)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--resume", action="store_true",
                   help="keep the results already in --out (same options and settings), run the rest")
    args = p.parse_args(argv)
    models = args.models or [m for m in MODELS if m != "vae" or args.data in ("digits", "triangles")]
    study = run(settings(models, args.trials, args.search_seed), out=args.out,
                progress=args.progress, search_seed=args.search_seed, resume=args.resume, data=args.data,
                seeds=tuple(args.seeds), steps=args.steps, hidden=args.hidden,
                latent_dim=args.latent_dim, n_eval=args.n_eval, device=args.device)
    ctx = distributed.context("auto")
    if ctx.is_main:
        print(f"ganlib.study: {len(study['results'])} settings written to {args.out}", file=sys.stderr)
    if ctx.active:
        torch.distributed.destroy_process_group()
    return study


if __name__ == "__main__":
    main()
