"""LSGAN against the regular GAN on the 2-D mixture, at the settings of the authors' own script
(xudonmao/LSGAN, stability_comparison/mixture_gaussian/{ls,sig}.py, after poolio/unrolled_gan):

    8 Gaussians on a circle of radius 1, std 0.01; G and D: two tanh hidden layers of 128;
    z ~ N(0, I_256); batch 512; Adam β1 = 0.5, D lr 1e-4, G lr 1e-3; LSGAN's 0-1 coding
    (a, b, c = 0, 1, 1) against the sigmoid cross-entropy with the non-saturating G loss.

Deviations, named: ganlib alternates a D step and a G step (the script updates both from the same
state); its orthogonal initialisation (gain 1.4) is not used; its sampler puts 9 components on
8 points (np.linspace(0, 2π, 9) repeats the first); here the 8 modes have equal weight.

Mode coverage (``ganlib.metrics.mode_coverage``, 2,500 samples, 3σ) is recorded every
``--every`` steps for every seed.  The book's LSGAN chapter reads the JSON this writes; too long
for the chapter's budget on a 2-core CPU, it is run once and its file committed:

    python scripts/lsgan_mixture.py --steps 20000 --seeds 0 1 2 --out ganlib/results/lsgan_mixture.json

(20,000 of the script's 35,000 steps: the paper reports the collapse from about step 15,000.)
"""
import argparse
import json
import platform
import time

import torch

import ganlib
from ganlib import data, metrics, nets, objectives


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=35000)
    ap.add_argument("--every", type=int, default=2500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="ganlib/results/lsgan_mixture.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ring = data.ring(radius=1.0, std=0.01)
    recipes = {"LSGAN": objectives.LeastSquares(0, 1, 1), "GAN": objectives.NonSaturating()}
    out = {"steps": args.steps, "every": args.every, "seeds": args.seeds, "n_modes": ring.n_modes,
           "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
           "modes": {}, "high_quality": {}, "seconds": {}}
    for name, objective in recipes.items():
        t0 = time.time()
        G = [nets.mlp(256, 2, hidden=(128, 128), activation="tanh", seed=1 + 10 * s) for s in args.seeds]
        D = [nets.mlp(2, 1, hidden=(128, 128), activation="tanh", seed=2 + 10 * s) for s in args.seeds]
        runs = ganlib.train_many(G, D, ring, objective, seeds=args.seeds, steps=args.steps,
                                 batch_size=512, lr_g=1e-3, lr_d=1e-4, betas=(0.5, 0.999),
                                 snapshot_every=args.every, n_snapshot=2500, progress=False)
        cover = [[metrics.mode_coverage(x.numpy(), ring) for _, x in run.snapshots] for run in runs]
        out["snapshot_steps"] = [step for step, _ in runs[0].snapshots]
        out["modes"][name] = [[c.modes_covered for c in member] for member in cover]
        out["high_quality"][name] = [[round(c.high_quality, 4) for c in member] for member in cover]
        out["seconds"][name] = round(time.time() - t0)
        print(name, out["modes"][name], out["seconds"][name], "s", flush=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
