"""WGAN-GP against the non-saturating GAN on the 8-Gaussian ring and the 25-Gaussian grid, for
longer than the WGAN-GP chapter can afford on a 2-core CPU: the chapter's recipe (3×64 MLPs,
λ = 1, 2 critic updates, batch 256, Adam β = (0.5, 0.9), learning rate 5e-3 falling linearly to
5 % over the run; the GAN 2e-3 and β = (0.5, 0.999)), several seeds trained at once with
``ganlib.train_many``, and ``metrics.mode_coverage`` (2,500 samples, 3σ) every ``--every`` steps.

    python scripts/wgan_gp_toy.py --steps 10000 --seeds 0 1 2 --out ganlib/results/wgan_gp_toy.json

The linear decay runs over the whole run, so a longer run is a slower schedule, not the
chapter's run continued.  The chapter reads the JSON this writes (run once, file committed).
"""
import argparse
import json
import platform
import time

import torch

import ganlib
from ganlib import data, metrics, nets, objectives

RECIPES = {"WGAN-GP": (objectives.WassersteinGP(lam=1), dict(lr_g=5e-3, lr_d=5e-3, betas=(0.5, 0.9), n_critic=2)),
           "GAN": (objectives.NonSaturating(), dict(lr_g=2e-3, lr_d=2e-3, betas=(0.5, 0.999), n_critic=1))}
DATA = {"ring": data.ring, "grid": data.grid}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--data", nargs="+", default=list(DATA), choices=list(DATA))
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--out", default="ganlib/results/wgan_gp_toy.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = {"steps": args.steps, "every": args.every, "seeds": args.seeds, "hidden": args.hidden,
           "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
           "modes": {}, "high_quality": {}, "seconds": {}, "n_modes": {}, "samples": {}}
    for dname in args.data:
        dist = DATA[dname]()
        out["n_modes"][dname] = dist.n_modes
        for name, (objective, kw) in RECIPES.items():
            t0 = time.time()
            G = [nets.mlp(2, 2, hidden=(args.hidden,) * 3, seed=1 + 10 * s) for s in args.seeds]
            D = [nets.mlp(2, 1, hidden=(args.hidden,) * 3, seed=2 + 10 * s) for s in args.seeds]
            runs = ganlib.train_many(G, D, dist, objective, seeds=args.seeds, steps=args.steps,
                                     batch_size=256, lr_schedule=ganlib.linear_decay(0.05),
                                     snapshot_every=args.every, n_snapshot=2500, progress=False, **kw)
            cover = [[metrics.mode_coverage(x.numpy(), dist) for _, x in run.snapshots] for run in runs]
            key = f"{dname}/{name}"
            out["snapshot_steps"] = [step for step, _ in runs[0].snapshots]
            out["modes"][key] = [[c.modes_covered for c in member] for member in cover]
            out["high_quality"][key] = [[round(c.high_quality, 4) for c in member] for member in cover]
            out["samples"][key] = [[[round(v, 3) for v in p] for p in run.snapshots[-1][1][:1000].tolist()]
                                   for run in runs]
            out["seconds"][key] = round(time.time() - t0)
            print(key, [m[-1] for m in out["modes"][key]], [h[-1] for h in out["high_quality"][key]],
                  out["seconds"][key], "s", flush=True)
    with open(args.out, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
