"""ganlib's training step against a plain hand-written PyTorch loop of the same model.

    python scripts/bench_overhead.py [--steps 500] [--repeats 5]

The case (the "ganlib core v2" issue): the 8-Gaussian ring, MLPs 2-128-128-128 for G and D,
batch 256, the non-saturating loss, Adam, no snapshots, one torch thread. The two loops run
interleaved, ``--repeats`` times each, so that a change in the machine's load hits both; the
script prints every time and the median ratio ganlib / plain.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

import ganlib
from ganlib import data, nets, objectives


def plain(steps, seed=0):
    """The same algorithm written out by hand: one D step, then one G step, per iteration."""
    ring = data.ring()
    G = nets.mlp(2, 2, hidden=(128, 128, 128), seed=seed)
    D = nets.mlp(2, 1, hidden=(128, 128, 128), seed=seed + 100)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data_gen, z_gen = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 1)
    for _ in range(steps):
        real = ring.sample(256, data_gen)
        with torch.no_grad():
            fake = G(torch.randn(256, 2, generator=z_gen))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(256, 2, generator=z_gen)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()


def with_ganlib(steps, seed=0):
    G = nets.mlp(2, 2, hidden=(128, 128, 128), seed=seed)
    D = nets.mlp(2, 1, hidden=(128, 128, 128), seed=seed + 100)
    ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=steps, batch_size=256,
                 seed=seed, progress=False, device="cpu", n_snapshot=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    times = {"plain": [], "ganlib": []}
    for _ in range(args.repeats):
        for name, fn in (("plain", plain), ("ganlib", with_ganlib)):
            t = time.perf_counter()
            fn(args.steps)
            times[name].append(time.perf_counter() - t)
    for name, ts in times.items():
        print(f"{name:7s}" + " ".join(f"{t:7.2f}" for t in ts) + f"   median {statistics.median(ts):.2f} s"
              f" for {args.steps} steps")
    ratios = [g / p for g, p in zip(times["ganlib"], times["plain"])]
    print(f"ganlib / plain: median {statistics.median(ratios):.3f} (each pair: "
          + ", ".join(f"{r:.3f}" for r in ratios) + ")")


if __name__ == "__main__":
    main()
