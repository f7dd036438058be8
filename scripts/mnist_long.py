"""A chapter's MNIST comparison for longer than the chapter can afford: the chapter's DCGAN
networks and optimiser, several seeds, scored by the chapter's digit classifier
(``metrics.train_classifier``; the classifier score, not the Inception score).

    python scripts/mnist_long.py --recipe lsgan --steps 2000 --out ganlib/results/lsgan_mnist.npz
    python scripts/mnist_long.py --recipe wgan_gp --steps 2000 --out ganlib/results/wgan_gp_mnist.npz
    python scripts/mnist_long.py --recipe loss_sensitive_gan --steps 2000 --out ganlib/results/loss_sensitive_mnist.npz

Each recipe is its chapter's settings, and the GAN beside it gets the same networks, optimiser
and steps.  The file holds, per loss and seed, the class score, the classes covered and 36
samples (uint8); the chapter plots it.  On the 5,000-image MNIST subset (no torchvision), as the
chapters use here.
"""
import argparse
import time

import numpy as np
import torch

import ganlib
from ganlib import data, metrics, nets, objectives

ADAM = dict(lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))
# the LS-GAN chapter's margin: the code's 2e-4 per unit of L1 distance on 3×64×64 images,
# rescaled to the same margin for the same mean per-pixel gap on 28×28 digits
LS_MARGIN = 2e-4 * 3 * 64 * 64 / (28 * 28)


def recipes(name):
    """loss name -> (objective, nets.dcgan keywords, ganlib.train keywords)."""
    if name == "lsgan":
        return {"LSGAN (−1, 1, 0)": (objectives.LeastSquares(-1, 1, 0), {}, ADAM),
                "LSGAN (0, 1, 1)": (objectives.LeastSquares(0, 1, 1), {}, ADAM),
                "GAN": (objectives.NonSaturating(), {}, ADAM)}
    if name == "wgan_gp":     # layer norm in both critics (no batch norm under the penalty)
        lr = dict(lr_g=5e-4, lr_d=5e-4)
        return {"WGAN-GP": (objectives.WassersteinGP(lam=10), dict(d_norm="layer"),
                            dict(lr, n_critic=5, betas=(0.0, 0.9))),
                "GAN": (objectives.NonSaturating(), dict(d_norm="layer"),
                        dict(lr, n_critic=1, betas=(0.5, 0.999)))}
    if name == "loss_sensitive_gan":
        return {"LS-GAN": (objectives.LossSensitive(margin_scale=LS_MARGIN), {}, ADAM),
                "GAN": (objectives.NonSaturating(), {}, ADAM)}
    raise ValueError(f"recipe must be lsgan, wgan_gp or loss_sensitive_gan, got {name!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", default="lsgan", choices=["lsgan", "wgan_gp", "loss_sensitive_gan"])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="ganlib/results/lsgan_mnist.npz")
    args = ap.parse_args()
    torch.set_num_threads(1)
    losses = recipes(args.recipe)
    mnist = data.mnist()
    judge = metrics.train_classifier(mnist)
    real = metrics.class_score(mnist.sample(1000, torch.Generator().manual_seed(0)), judge)
    out = {"losses": np.array(list(losses)), "seeds": np.array(args.seeds), "steps": args.steps,
           "width": args.width, "real_score": real.score, "judge_accuracy": judge.accuracy}
    scores, classes, images, seconds = [], [], [], []
    for name, (objective, net_kw, train_kw) in losses.items():
        t0 = time.time()
        row_s, row_c, row_i = [], [], []
        for seed in args.seeds:
            G, D = nets.dcgan(latent_dim=64, image_size=28, width=args.width, seed=seed, **net_kw)
            run = ganlib.train(G, D, mnist, objective, steps=args.steps, batch_size=64, seed=seed,
                               progress=False, **train_kw)
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
