"""LSGAN (both codings) against the GAN on MNIST for longer than the LSGAN chapter can afford:
the chapter's DCGAN networks and optimiser, several seeds, scored by the chapter's digit
classifier (``metrics.train_classifier``; the classifier score, not the Inception score).

    python scripts/mnist_long.py --steps 2000 --width 16 --seeds 0 1 2 --out ganlib/results/lsgan_mnist.npz

The file holds, per loss and seed, the class score, the classes covered and 36 samples (uint8);
the chapter plots it.  On the 5,000-image MNIST subset (no torchvision) as the chapter uses here.
"""
import argparse
import time

import numpy as np
import torch

import ganlib
from ganlib import data, metrics, nets, objectives

LOSSES = {"LSGAN (−1, 1, 0)": objectives.LeastSquares(-1, 1, 0),
          "LSGAN (0, 1, 1)": objectives.LeastSquares(0, 1, 1),
          "GAN": objectives.NonSaturating()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="ganlib/results/lsgan_mnist.npz")
    args = ap.parse_args()
    torch.set_num_threads(1)
    mnist = data.mnist()
    judge = metrics.train_classifier(mnist)
    real = metrics.class_score(mnist.sample(1000, torch.Generator().manual_seed(0)), judge)
    out = {"losses": np.array(list(LOSSES)), "seeds": np.array(args.seeds), "steps": args.steps,
           "width": args.width, "real_score": real.score, "judge_accuracy": judge.accuracy}
    scores, classes, images, seconds = [], [], [], []
    for name, objective in LOSSES.items():
        t0 = time.time()
        row_s, row_c, row_i = [], [], []
        for seed in args.seeds:
            G, D = nets.dcgan(latent_dim=64, image_size=28, width=args.width, seed=seed)
            run = ganlib.train(G, D, mnist, objective, steps=args.steps, batch_size=64, lr_g=2e-4,
                               lr_d=2e-4, seed=seed, progress=False)
            s = metrics.class_score(run.sample(1000), judge)
            row_s.append(s.score), row_c.append(s.classes_covered)
            x = run.sample(36).reshape(36, 28, 28)
            row_i.append(np.round((x.clamp(-1, 1).numpy() + 1) * 127.5).astype(np.uint8))
            print(name, seed, s, flush=True)
        scores.append(row_s), classes.append(row_c), images.append(row_i)
        seconds.append(time.time() - t0)
    np.savez_compressed(args.out, scores=np.array(scores), classes=np.array(classes),
                        images=np.array(images), seconds=np.array(seconds), **out)


if __name__ == "__main__":
    main()
