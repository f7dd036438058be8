"""train_many against training the same K models one after another with train.

    python scripts/bench_many.py [--k 8] [--width 32] [--steps 300] [--repeats 3]

The case (the "ganlib core v2" issue): K models of width ≤ 64 on the 8-Gaussian ring, MLPs
2-w-w-w for G and D, batch 64, one torch thread, no snapshots but the first and last; once
with the non-saturating loss and once with WGAN-GP (n_critic = 5). The two ways run
interleaved, ``--repeats`` times each, so that a change in the machine's load hits both; the
script prints every time and the median speed-up.
"""
import argparse
import statistics
import time

import torch

import ganlib
from ganlib import data, nets, objectives


def models(k, width):
    G = [nets.mlp(2, 2, hidden=(width,) * 3, seed=i) for i in range(k)]
    D = [nets.mlp(2, 1, hidden=(width,) * 3, seed=100 + i) for i in range(k)]
    return G, D


def one_by_one(objective, k, width, steps, kw):
    G, D = models(k, width)
    start = time.perf_counter()
    for i in range(k):
        ganlib.train(G[i], D[i], data.ring(), objective, steps=steps, seed=i, progress=False,
                     n_snapshot=256, **kw)
    return time.perf_counter() - start


def at_once(objective, k, width, steps, kw):
    G, D = models(k, width)
    start = time.perf_counter()
    ganlib.train_many(G, D, data.ring(), objective, seeds=list(range(k)), steps=steps,
                      progress=False, n_snapshot=256, **kw)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cases = {"non-saturating": (objectives.NonSaturating(), dict(batch_size=64, lr_g=1e-3, lr_d=1e-3)),
             "WGAN-GP": (objectives.WassersteinGP(), dict(batch_size=64, lr_g=1e-3, lr_d=1e-3,
                                                          betas=(0.0, 0.9)))}
    print(f"K = {args.k} models, width {args.width}, {args.steps} generator steps, batch 64, "
          f"1 torch thread")
    for name, (objective, kw) in cases.items():
        seq, many = [], []
        for _ in range(args.repeats):
            seq.append(one_by_one(objective, args.k, args.width, args.steps, kw))
            many.append(at_once(objective, args.k, args.width, args.steps, kw))
        ratios = [s / m for s, m in zip(seq, many)]
        print(f"{name:15s} one by one {', '.join(f'{s:.2f}' for s in seq)} s | train_many "
              f"{', '.join(f'{m:.2f}' for m in many)} s | speed-up median {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
