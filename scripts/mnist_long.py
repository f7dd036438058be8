"""A chapter's MNIST comparison for longer than the chapter can afford: the chapter's DCGAN
networks and optimiser, several seeds, scored by the chapter's digit classifier
(``metrics.train_classifier``; the classifier score, not the Inception score).

    python scripts/mnist_long.py --recipe lsgan --steps 2000 --out ganlib/results/lsgan_mnist.npz
    python scripts/mnist_long.py --recipe wgan_gp --steps 2000 --out ganlib/results/wgan_gp_mnist.npz
    python scripts/mnist_long.py --recipe loss_sensitive_gan --steps 2000 --out ganlib/results/loss_sensitive_mnist.npz
    python scripts/mnist_long.py --recipe cgan --steps 1500 --out ganlib/results/cgan_mnist.npz

Each recipe is its chapter's settings, and the GAN beside it gets the same networks, optimiser
and steps.  The file holds, per loss and seed, the class score, the classes covered and 36
samples (uint8); the chapter plots it.  The conditional recipe (``cgan``) compares two ways of
conditioning D instead, and holds 100 samples per run, ten of each requested digit in turn, and
the label fidelity per digit every ``--every`` steps (``fidelity``, [loss, seed, snapshot, digit],
at the steps ``fidelity_steps``).  On the 5,000-image MNIST subset (no torchvision), as the chapters use here.
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
    if name == "cgan":        # the CGAN chapter: G(z, y) with one-hot y, D(x, y) two ways
        kw = dict(lr_g=2e-3, lr_d=2e-3, betas=(0.5, 0.999))
        return {"D: concat": (objectives.NonSaturating(), dict(d_conditioning="concat"), kw),
                "D: projection": (objectives.NonSaturating(), dict(d_conditioning="projection"), kw)}
    raise ValueError(f"recipe must be lsgan, wgan_gp, loss_sensitive_gan or cgan, got {name!r}")


def _uint8(x):
    return np.round((x.clamp(-1, 1).numpy() + 1) * 127.5).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", default="lsgan", choices=["lsgan", "wgan_gp", "loss_sensitive_gan", "cgan"])
    ap.add_argument("--every", type=int, default=250, help="cgan: label fidelity every this many steps")
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
    conditional = args.recipe == "cgan"
    asked = torch.arange(1000) % 10                      # the digits a conditional G is asked for
    if conditional:
        out["fidelity_steps"] = np.arange(args.every, args.steps + 1, args.every)
    scores, classes, images, seconds, fidelity = [], [], [], [], []
    for name, (objective, net_kw, train_kw) in losses.items():
        t0 = time.time()
        row_s, row_c, row_i, row_f = [], [], [], []
        for seed in args.seeds:
            curve = []
            if conditional:
                G, D = nets.conditional_dcgan(latent_dim=32, n_classes=10, image_size=28,
                                              width=args.width, seed=seed, **net_kw)

                def hook(run, step):
                    if step % args.every == 0:
                        x = run.sample(1000, seed=10_000 + step, labels=asked)
                        curve.append(metrics.label_fidelity(x, asked, judge).per_class)
            else:
                G, D = nets.dcgan(latent_dim=64, image_size=28, width=args.width, seed=seed, **net_kw)
            run = ganlib.train(G, D, mnist, objective, steps=args.steps, batch_size=64, seed=seed,
                               progress=False, conditional=conditional,
                               hooks=[hook] if conditional else (), **train_kw)
            if conditional:
                s = metrics.class_score(run.sample(1000, labels=asked), judge)
                row_i.append(_uint8(run.sample(100, labels=torch.arange(100) // 10).reshape(100, 28, 28)))
                row_f.append(curve)
            else:
                s = metrics.class_score(run.sample(1000), judge)
                row_i.append(_uint8(run.sample(36).reshape(36, 28, 28)))
            row_s.append(s.score), row_c.append(s.classes_covered)
            print(name, seed, s, *(["fidelity", np.round(curve[-1], 2)] if conditional else []),
                  flush=True)
        scores.append(row_s), classes.append(row_c), images.append(row_i), fidelity.append(row_f)
        seconds.append(time.time() - t0)
    if conditional:
        out["fidelity"] = np.array(fidelity)                # [loss, seed, snapshot, digit]
    np.savez_compressed(args.out, scores=np.array(scores), classes=np.array(classes),
                        images=np.array(images), seconds=np.array(seconds), **out)


if __name__ == "__main__":
    main()
