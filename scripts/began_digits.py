"""BEGAN on scikit-learn's 8×8 digits with the paper's style of convolutional auto-encoder
(``nets.began``: 3×3 convolutions with ELU, no batch norm, nearest-neighbour upsampling), for
the BEGAN chapter: ``--seeds`` trained at once with ``ganlib.train_many`` (each with its own
k_t), Adam at ``--lr`` (β = (0.5, 0.999)), batch ``--batch``, ``--width`` maps, a
``--latent``-d code and noise, γ = ``--gamma``, the paper's λ_k = 0.001.  Every ``--every`` steps
the samples are judged by the book's digit classifier (``metrics.train_classifier``): the class
score (10 when all ten digits appear equally often and each is classified confidently) and the
classes covered.

    python scripts/began_digits.py --out ganlib/results/began_digits.npz

writes, per seed, M_global, k_t, L(x) and L(G(z)) per step, the class score and classes
covered at the snapshot steps, and 36 final samples (uint8); the chapter plots them.
"""
import argparse
import time

import numpy as np
import torch

import ganlib
from ganlib import data, metrics, nets, objectives


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--every", type=int, default=500)
    ap.add_argument("--gamma", type=float, default=0.5)
    ap.add_argument("--lambda-k", type=float, default=0.001)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--latent", type=int, default=16)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="ganlib/results/began_digits.npz")
    args = ap.parse_args()
    torch.set_num_threads(1)
    digits = data.digits()
    clf = metrics.train_classifier(digits, steps=800, seed=0)
    real = metrics.class_score(digits.images, clf)
    pairs = [nets.began(latent_dim=args.latent, image_size=8, channels=1, width=args.width, seed=s) for s in args.seeds]
    t0 = time.time()
    runs = ganlib.train_many([p[0] for p in pairs], [p[1] for p in pairs], digits,
                             objectives.BEGAN(gamma=args.gamma, lambda_k=args.lambda_k), seeds=args.seeds,
                             steps=args.steps, batch_size=args.batch, lr_g=args.lr, lr_d=args.lr,
                             latent_dim=args.latent, snapshot_every=args.every, n_snapshot=500,
                             device="cpu", progress=True)
    seconds = time.time() - t0
    judged = [[metrics.class_score(x, clf) for _, x in r.snapshots] for r in runs]
    hist = {key: np.array([r.history[key] for r in runs], dtype=np.float32)
            for key in ("M_global", "k", "L_real", "L_fake")}
    images = np.array([np.round((r.snapshots[-1][1][:36, 0].clamp(-1, 1).numpy() + 1) * 127.5).astype(np.uint8)
                       for r in runs])
    np.savez_compressed(args.out, seeds=np.array(args.seeds), steps=args.steps, gamma=args.gamma,
                        lambda_k=args.lambda_k, lr=args.lr, batch=args.batch, width=args.width,
                        latent=args.latent, seconds=seconds, ganlib=ganlib.__version__,
                        real_score=real.score, classifier_accuracy=clf.accuracy,
                        snapshot_steps=np.array([s for s, _ in runs[0].snapshots]),
                        score_curve=np.array([[j.score for j in js] for js in judged]),
                        classes_curve=np.array([[j.classes_covered for j in js] for js in judged]),
                        images=images, **hist)
    print(f"{seconds:.0f} s; final class scores {[round(js[-1].score, 2) for js in judged]}, classes "
          f"{[js[-1].classes_covered for js in judged]}; M_global {hist['M_global'][:, :100].mean():.3f} -> "
          f"{hist['M_global'][:, -100:].mean():.3f}")


if __name__ == "__main__":
    main()
