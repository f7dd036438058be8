"""The command line for long runs outside notebooks, in one process or under ``torchrun``::

    python -m ganlib.train --out runs/ring --data ring --objective wgan-gp --steps 5000
    torchrun --nproc-per-node 4 -m ganlib.train --out runs/faces --data ~/celeba \\
        --image-size 64 --channels 3 --objective nonsaturating --steps 20000 --batch-size 128
    python -m ganlib.train --config runs/ring/config.json --steps 10000     # train on

``--out`` holds the run: ``config.json`` (the settings, with the ganlib version), ``run.pt``
(the checkpoint, written atomically every ``--checkpoint-every`` steps; a new command with the
same ``--out`` resumes from it), ``history.csv`` (every logged quantity per step) and
``samples.png`` (the generator's samples at the end).  ``--config`` reads the settings from a
JSON file (its keys are the flags' names); flags given on the command line override it.

``--data`` is ``ring``, ``grid``, ``digits`` (scikit-learn's 8×8), ``mnist``, the name of a
torchvision data set (``cifar10``, ``celeba``, …; downloaded into ``--data-root`` where
torchvision and the network allow), or a folder of images (sub-folders are classes).

``import ganlib.train`` gives this module, which still trains when called: ``ganlib.train(G, D,
...)`` is :func:`ganlib.training.train` either way.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import types

import torch

from .training import train as _train

OBJECTIVES = ("minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "loss-sensitive", "ebgan",
              "began", "fgan-kl", "fgan-reverse_kl", "fgan-js", "fgan-pearson", "fgan-hellinger")
TOY = ("ring", "grid")
TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10",
               "cifar100": "CIFAR100", "celeba": "CelebA", "svhn": "SVHN", "stl10": "STL10"}


def parser():
    p = argparse.ArgumentParser(prog="python -m ganlib.train", description=(
        "Train a GAN with ganlib, resumably; under torchrun, across processes "
        "(torchrun --nproc-per-node N -m ganlib.train ...)."))
    p.add_argument("--config", help="a JSON file of settings (keys: the flags' names)")
    p.add_argument("--out", help="the run's folder: config.json, run.pt, history.csv, samples.png")
    g = p.add_argument_group("data")
    g.add_argument("--data", default="ring",
                   help="ring, grid, digits, mnist, a torchvision data set (cifar10, celeba, ...), "
                        "or a folder of images")
    g.add_argument("--data-root", default="~/.cache/ganlib", help="where torchvision data sets live")
    g.add_argument("--image-size", type=int, default=None, help="resize images to this square size")
    g.add_argument("--channels", type=int, choices=(1, 3), default=None)
    g.add_argument("--limit", type=int, default=None, help="use only this many images")
    g = p.add_argument_group("networks")
    g.add_argument("--net", choices=("auto", "mlp", "dcgan"), default="auto",
                   help="mlp for 2-D data, dcgan for images (auto)")
    g.add_argument("--latent-dim", type=int, default=None, help="default: 8 (2-D), 64 (images)")
    g.add_argument("--hidden", type=int, default=128, help="MLP width (two hidden layers)")
    g.add_argument("--width", type=int, default=64, help="DCGAN/BEGAN channel width")
    g.add_argument("--norm", default="batch", help="DCGAN normalisation: batch, layer or none")
    g = p.add_argument_group("training")
    g.add_argument("--objective", choices=OBJECTIVES, default="nonsaturating")
    g.add_argument("--objective-args", default="{}",
                   help='keyword arguments of the objective, as JSON: \'{"lam": 10}\'')
    g.add_argument("--steps", type=int, default=5000, help="generator steps (raise it to train on)")
    g.add_argument("--batch-size", type=int, default=None,
                   help="the global batch (split over the processes); default: the paper's or 64")
    for name in ("lr-g", "lr-d"):
        g.add_argument(f"--{name}", type=float, default=None, help="default: the paper's or 2e-4")
    g.add_argument("--betas", type=float, nargs=2, default=None)
    g.add_argument("--optimizer", choices=("adam", "rmsprop", "sgd"), default=None)
    g.add_argument("--n-critic", type=int, default=None)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--device", default=None, help="default: CUDA, MPS or CPU (under torchrun: "
                                                  "the rank's GPU)")
    g = p.add_argument_group("output")
    g.add_argument("--checkpoint-every", type=int, default=1000)
    g.add_argument("--snapshot-every", type=int, default=None)
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    return p


def settings(argv=None):
    """The run's settings: the defaults, then ``--config``'s file, then the command line."""
    p = parser()
    args = p.parse_args(argv)
    if args.config:
        with open(args.config) as fh:
            saved = json.load(fh)
        known = {a.dest for a in p._actions}
        unknown = sorted(set(saved) - known - {"ganlib_version"})
        if unknown:
            p.error(f"--config {args.config}: unknown settings {unknown}")
        p.set_defaults(**{k: v for k, v in saved.items() if k in known})
        args = p.parse_args(argv)
    if not args.out:
        p.error("--out is required (the run's folder), on the command line or in --config")
    if args.steps < 1:
        p.error("--steps must be a positive integer")
    try:
        args.objective_args = (json.loads(args.objective_args)
                               if isinstance(args.objective_args, str) else args.objective_args)
    except json.JSONDecodeError as err:
        p.error(f"--objective-args is not JSON: {err}")
    return args


def load_data(args):
    from . import data
    name = args.data
    if name == "ring":
        return data.ring()
    if name == "grid":
        return data.grid()
    if name == "digits":
        return data.digits()
    if os.path.isdir(os.path.expanduser(name)):
        return data.image_folder(name, size=args.image_size or 64, channels=args.channels or 3,
                                 limit=args.limit)
    if name == "mnist" and args.image_size in (None, 28):
        return data.mnist(root=os.path.expanduser(args.data_root))
    if name.lower() in TORCHVISION:
        try:
            import torchvision.datasets as tvd
        except ImportError as err:
            raise SystemExit(f"--data {name} needs torchvision (pip install torchvision), or give "
                             f"a folder of images") from err
        cls = getattr(tvd, TORCHVISION[name.lower()])
        root = os.path.expanduser(args.data_root)
        try:
            ds = cls(root, split="train", download=True) if name.lower() in (
                "celeba", "svhn", "stl10") else cls(root, train=True, download=True)
        except Exception as err:
            raise SystemExit(f"--data {name}: torchvision could not load it into {root}: {err}") \
                from err
        return data.from_dataset(ds, size=args.image_size, channels=args.channels,
                                 limit=args.limit, source=f"torchvision {TORCHVISION[name.lower()]}")
    raise SystemExit(f"--data {name!r}: not ring, grid, digits, mnist, a torchvision data set "
                     f"({', '.join(TORCHVISION)}) or a folder")


def make_objective(args):
    from . import objectives as o
    kinds = {"minimax": o.Minimax, "nonsaturating": o.NonSaturating, "lsgan": o.LeastSquares,
             "wgan": o.Wasserstein, "wgan-gp": o.WassersteinGP, "loss-sensitive": o.LossSensitive,
             "ebgan": o.EBGAN, "began": o.BEGAN}
    if args.objective.startswith("fgan-"):
        return o.FDivergence(args.objective[5:], **args.objective_args)
    return kinds[args.objective](**args.objective_args)


def make_nets(args, dataset):
    from . import nets
    image = len(getattr(dataset, "shape", ())) == 3
    kind = args.net if args.net != "auto" else ("dcgan" if image else "mlp")
    latent = args.latent_dim or (64 if image else 8)
    auto_encoder = args.objective in ("ebgan", "began")
    error = "l1" if args.objective == "began" else "mse"
    if kind == "mlp":
        dim = dataset.dim
        G = nets.mlp(latent, dim, hidden=(args.hidden,) * 2, seed=args.seed)
        D = (nets.autoencoder_mlp(dim, hidden=(args.hidden,), reconstruction=error, seed=args.seed + 1)
             if auto_encoder else nets.mlp(dim, 1, hidden=(args.hidden,) * 2, seed=args.seed + 1))
        return G, D, latent
    if not image:
        raise SystemExit("--net dcgan needs image data")
    channels, size = dataset.shape[0], dataset.shape[1]
    if auto_encoder:
        G, D = nets.began(latent, size, channels, width=args.width, reconstruction=error,
                          seed=args.seed)
    else:
        norm = None if args.norm == "none" else args.norm
        d_norm = "layer" if args.objective == "wgan-gp" and norm == "batch" else "same"
        G, D = nets.dcgan(latent, size, channels, width=args.width, norm=norm, d_norm=d_norm,
                          seed=args.seed)
    return G, D, latent


def save_samples(run, dataset, path):
    """The final snapshot as a picture: an image grid, or a scatter over the data."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .plot import _tile
    x = run.snapshots[-1][1]
    if x.dim() == 4:
        grid = _tile(x[:64], 8)
        plt.imsave(path, grid, cmap="gray_r" if grid.ndim == 2 else None, vmin=0, vmax=1)
        return
    fig, ax = plt.subplots(figsize=(4, 4))
    real = dataset.sample(len(x), torch.Generator().manual_seed(0))
    ax.scatter(real[:, 0], real[:, 1], s=2, alpha=0.3, label="data")
    ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.5, label=f"G, step {run.snapshots[-1][0]}")
    ax.legend(loc="upper right", markerscale=4)
    ax.set_aspect("equal")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    from . import __version__, distributed
    args = settings(argv)
    ctx = distributed.context("auto")
    out = os.path.expanduser(args.out)
    os.makedirs(out, exist_ok=True)
    dataset = load_data(args)
    objective = make_objective(args)
    G, D, latent = make_nets(args, dataset)
    options = dict(batch_size=64) | objective.paper_defaults
    for key in ("batch_size", "lr_g", "lr_d", "betas", "optimizer", "n_critic"):
        if getattr(args, key) is not None:
            options[key] = tuple(args.betas) if key == "betas" else getattr(args, key)
    if ctx.is_main:
        record = {k: v for k, v in vars(args).items() if k != "config"}
        with open(os.path.join(out, "config.json"), "w") as fh:
            json.dump(record | {"ganlib_version": __version__}, fh, indent=2)
        print(f"ganlib.train: {dataset!r}, {objective!r}, {ctx.world_size} process(es), "
              f"writing to {out}", file=sys.stderr)
    run = _train(G, D, dataset, objective, steps=args.steps, latent_dim=latent, seed=args.seed,
                 device=args.device, snapshot_every=args.snapshot_every,
                 n_snapshot=64 if len(getattr(dataset, "shape", ())) == 3 else 1000,
                 progress=args.progress and ctx.is_main, checkpoint=os.path.join(out, "run.pt"),
                 checkpoint_every=args.checkpoint_every,
                 log_csv=os.path.join(out, "history.csv"), **options)
    if ctx.is_main:
        save_samples(run, dataset, os.path.join(out, "samples.png"))
        last = {k: round(v[-1], 6) for k, v in run.history.items() if v}
        print(f"ganlib.train: {run.steps_done} steps; last logs {last}", file=sys.stderr)
    if ctx.active:
        torch.distributed.destroy_process_group()
    return run


class _CallableModule(types.ModuleType):
    """``import ganlib.train`` replaces the attribute ``ganlib.train`` (the function) by this
    module; calling the module still calls the function."""

    def __call__(self, *args, **kwargs):
        return _train(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

if __name__ == "__main__":
    main()
