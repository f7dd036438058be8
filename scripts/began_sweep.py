"""BEGAN on the 8-Gaussian ring over γ and seeds, for the BEGAN chapter.  Each γ trains its
seeds at once with ``ganlib.train_many`` (each member with its own k_t): D an MLP auto-encoder
with an L1 reconstruction loss (``nets.autoencoder_mlp``, two hidden layers of ``--width``
units, a ``--code``-dimensional code), G an MLP of ``--latent``-d Gaussian noise with three hidden
layers of ``--width``, Adam at ``--lr`` for both players (β = (0.5, 0.999)), batch ``--batch``,
λ_k = ``--lambda-k``.  ``--lambda-k 0 --k0 0`` trains the control without the adversarial term
(k_t ≡ 0: D a plain auto-encoder of the data).

    python scripts/began_sweep.py --gammas 0.3 0.5 0.7 1.0 --seeds 0 1 2 3 4 5

For every run it records the modes covered and the share of high-quality samples
(``metrics.mode_coverage`` on 2,500 samples), the number of modes holding at least 5 % of the
samples (nearest mode, any distance), the median distance to the nearest mode, the final k_t,
M_global and L(G(z))/L(x) (means over the last 10 % of the steps), and every snapshot's
coverage beside M_global around it, and 400 final samples (for the chapter's knob).  ``--out FILE`` appends the records to the list "runs" of a
JSON file; the chapter reads ``ganlib/results/began_toy.json``, written by

    python scripts/began_sweep.py --gammas 0.3 0.5 0.7 1.0 --lambda-k 0.01 --seeds 0 1 2 3 4 5 --out ganlib/results/began_toy.json
    python scripts/began_sweep.py --gammas 0.5 --lambda-k 0 --k0 0 --seeds 0 1 2 3 4 5 --out ganlib/results/began_toy.json

(λ_k = 0.01, not the paper's 0.001: on this scale of losses k_t would move by about 1e-4 per
step, too slow for 3,000 steps.)  Measured so (2-core CPU, 1 thread, about 3.5 minutes in all):
at every γ the runs cover 0 to 4 of the 8 modes; the loss ratio ends near γ wherever k_t > 0;
the control's ratio ends far below γ (0.02 to 0.52).
"""
import argparse
import json
import os
import time

import numpy as np
import torch

import ganlib
from ganlib import data, metrics, nets, objectives


def ring_record(run, ring, snapshot_window):
    x = run.sample(2500)
    cov = metrics.mode_coverage(x, ring)
    near = torch.cdist(x, ring.centers).min(1)
    share = np.bincount(near.indices.numpy(), minlength=ring.n_modes) / len(x)
    h = {key: np.asarray(run.history[key], dtype=float) for key in ("k", "M_global", "L_real", "L_fake")}
    tail = slice(-max(len(h["k"]) // 10, 1), None)
    snaps = []
    for step, xs in run.snapshots:
        c = metrics.mode_coverage(xs, ring)
        lo, hi = max(step - snapshot_window, 0), max(step, 1)
        snaps.append(dict(step=step, modes=c.modes_covered, hq=c.high_quality,
                          M=float(h["M_global"][lo:hi].mean())))
    return dict(modes=cov.modes_covered, hq=cov.high_quality, occupied=int((share >= 0.05).sum()),
                samples=np.round(x[:400].numpy(), 3).tolist(),
                median_distance=float(near.values.median()), k=float(h["k"][tail].mean()),
                M=float(h["M_global"][tail].mean()),
                ratio=float(h["L_fake"][tail].mean() / h["L_real"][tail].mean()), snapshots=snaps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gammas", type=float, nargs="+", default=[0.5])
    ap.add_argument("--lambda-k", type=float, default=0.001)
    ap.add_argument("--k0", type=float, default=0.0)
    ap.add_argument("--std", type=float, default=0.05, help="the ring's modes' standard deviation")
    ap.add_argument("--code", type=int, default=1)
    ap.add_argument("--latent", type=int, default=2)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", help="append the results to this JSON file")
    args = ap.parse_args()
    records = json.load(open(args.out))["runs"] if args.out and os.path.exists(args.out) else []
    torch.set_num_threads(1)
    ring = data.ring(std=args.std)
    for gamma in args.gammas:
        G = [nets.mlp(args.latent, 2, hidden=(args.width,) * 3, seed=1 + 10 * s) for s in args.seeds]
        D = [nets.autoencoder_mlp(2, args.code, hidden=(args.width,) * 2, reconstruction="l1", seed=2 + 10 * s)
             for s in args.seeds]
        t0 = time.time()
        runs = ganlib.train_many(G, D, ring, objectives.BEGAN(gamma=gamma, lambda_k=args.lambda_k, k0=args.k0),
                                 seeds=args.seeds, steps=args.steps, batch_size=args.batch, lr_g=args.lr,
                                 lr_d=args.lr, latent_dim=args.latent, snapshot_every=args.steps // 10,
                                 device="cpu", progress=False)
        seconds = time.time() - t0
        per_seed = [ring_record(r, ring, args.steps // 20) for r in runs]
        records.append(dict(gamma=gamma, lambda_k=args.lambda_k, k0=args.k0, std=args.std, code=args.code,
                            latent=args.latent, width=args.width, batch=args.batch, lr=args.lr,
                            steps=args.steps, seeds=args.seeds, seconds=seconds, ganlib=ganlib.__version__,
                            runs=per_seed))
        print(f"γ {gamma:g}, λ_k {args.lambda_k:g}: modes {[r['modes'] for r in per_seed]}, high quality "
              f"{[round(100 * r['hq']) for r in per_seed]} %, occupied {[r['occupied'] for r in per_seed]}, "
              f"k {[round(r['k'], 3) for r in per_seed]}, L_fake/L_real {[round(r['ratio'], 2) for r in per_seed]}, "
              f"{seconds:.0f} s", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"runs": records}, f, indent=1)


if __name__ == "__main__":
    main()
