"""A chapter's MNIST comparison for longer than the chapter can afford: the chapter's DCGAN
networks and optimiser, several seeds, scored by the chapter's digit classifier
(``metrics.train_classifier``; the classifier score, not the Inception score).

    python scripts/mnist_long.py --recipe lsgan --steps 2000 --out ganlib/results/lsgan_mnist.npz
    python scripts/mnist_long.py --recipe wgan_gp --steps 2000 --out ganlib/results/wgan_gp_mnist.npz
    python scripts/mnist_long.py --recipe loss_sensitive_gan --steps 2000 --out ganlib/results/loss_sensitive_mnist.npz
    python scripts/mnist_long.py --recipe cgan --steps 1500 --out ganlib/results/cgan_mnist.npz
    python scripts/mnist_long.py --recipe infogan --steps 3000 --out ganlib/results/infogan_mnist.npz
    python scripts/mnist_long.py --recipe ebgan --steps 600 --every 100 --out ganlib/results/ebgan_mnist.npz

Each recipe is its chapter's settings, and the GAN beside it gets the same networks, optimiser
and steps.  The file holds, per loss and seed, the class score, the classes covered and 36
samples (uint8); the chapter plots it.  The conditional recipe (``cgan``) compares two ways of
conditioning D instead, and holds 100 samples per run, ten of each requested digit in turn, and
the label fidelity per digit every ``--every`` steps (``fidelity``, [loss, seed, snapshot, digit],
at the steps ``fidelity_steps``).  The InfoGAN recipe (``infogan``) trains InfoGAN and the
paper's control, a GAN whose Q learns beside it but whose G is not asked to keep its codes
(``lam_generator=0``); it holds L_I per step of each run (``li_cat``, ``li_cont``), every
``--every`` steps the matched accuracy of the categorical code (``acc_real``: Q's code for real
digits against their labels; ``acc_generated``: the code fed to G against the judge's class of
the image), the final code × judged-class table, a 10 × 10 grid (row k: code k) and, for
InfoGAN, each continuous code traversed from −2 to 2.  The EBGAN recipe (``ebgan``) trains
EBGAN with and without the pulling-away term on BEGAN's convolutional auto-encoder
(``nets.began`` with ``reconstruction="mse"``), and holds besides the energies of real and
generated digits per step (``energy``, [loss, seed, step, real/fake]) and the class score every
``--every`` steps (``score_curve``, at ``score_steps``).  On the 5,000-image MNIST subset (no
torchvision), as the chapters use here.
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
    if name == "infogan":     # the paper's optimiser; the control's Q learns, its G ignores L_I
        prior = INFO_PRIOR
        kw = dict(objectives.InfoGAN.paper_defaults, prior=prior)
        del kw["optimizer"], kw["batch_size"]
        return {"InfoGAN": (objectives.InfoGAN(prior), {}, kw),
                "GAN + Q": (objectives.InfoGAN(prior, lam_generator=0.0), {}, kw)}
    if name == "ebgan":       # the EBGAN chapter: margin 0.2 on the per-pixel squared error
        kw = dict(lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999))
        return {"EBGAN": (objectives.EBGAN(margin=0.2), {}, kw),
                "EBGAN-PT": (objectives.EBGAN(margin=0.2, pt_weight=0.1), {}, kw)}
    raise ValueError(f"recipe must be lsgan, wgan_gp, loss_sensitive_gan, cgan, infogan or ebgan, got {name!r}")


# the InfoGAN chapter's latent vector: 32 uniform noise dimensions (the paper: 62), a 10-way
# categorical code and two continuous codes
INFO_PRIOR = data.Prior(32, categorical=10, uniform=2, noise="uniform")
TRAVERSE = np.linspace(-2, 2, 9)          # the paper's range for the continuous codes


def info_codes(prior, n_noise, seed):
    """z for a 10 × n grid: row k has code k, the columns share their noise (and other codes)."""
    z = prior.sample(n_noise, torch.Generator().manual_seed(seed)).repeat(10, 1)
    return prior.set_codes(z, torch.arange(10).repeat_interleave(n_noise))


def infogan(args, mnist, judge, out):
    """Train InfoGAN and its control over seeds; see the module docstring for what is kept."""
    real_x, real_y = mnist.sample(2000, torch.Generator().manual_seed(1), labels=True)
    z_eval = info_codes(INFO_PRIOR, 200, seed=2)                  # 2,000 samples, 200 per code
    code_eval = torch.arange(10).repeat_interleave(200).numpy()
    out["acc_steps"] = np.arange(args.every, args.steps + 1, args.every)
    keep = {k: [] for k in ("li_cat", "li_cont", "acc_real", "acc_generated", "table", "images",
                            "seconds")}
    traversal = []
    for name, (objective, _, train_kw) in recipes("infogan").items():
        rows = {k: [] for k in keep}
        for seed in args.seeds:
            t0 = time.time()
            G, D = nets.info_dcgan(INFO_PRIOR.dim, objective.q_dim, image_size=28, width=args.width,
                                   seed=seed)
            acc_real, acc_gen = [], []

            def hook(run, step):
                if step % args.every == 0:
                    acc_real.append(metrics.matched_accuracy(objective.infer(D, real_x)[0][0].numpy(),
                                                             real_y.numpy())[0])
                    judged = judge.probs(data.eval_generate(G, z_eval)).argmax(1).numpy()
                    acc_gen.append(metrics.matched_accuracy(code_eval, judged)[0])

            run = ganlib.train(G, D, mnist, objective, steps=args.steps, batch_size=64, seed=seed,
                               progress=False, hooks=[hook], **train_kw)
            judged = judge.probs(data.eval_generate(G, z_eval)).argmax(1).numpy()
            table = np.zeros((10, 10), dtype=np.int64)
            np.add.at(table, (code_eval, judged), 1)
            rows["table"].append(table)
            rows["li_cat"].append(run.history["L_I/categorical"])
            rows["li_cont"].append(run.history["L_I/continuous"])
            rows["acc_real"].append(acc_real), rows["acc_generated"].append(acc_gen)
            rows["images"].append(_uint8(data.eval_generate(G, info_codes(INFO_PRIOR, 10, 3)).reshape(100, 28, 28)))
            rows["seconds"].append(time.time() - t0)
            if name == "InfoGAN":      # row k: code k, one noise draw per row; columns: −2 … 2
                z = INFO_PRIOR.set_codes(INFO_PRIOR.sample(10, torch.Generator().manual_seed(4))
                                         .repeat_interleave(len(TRAVERSE), 0),
                                         torch.arange(10).repeat_interleave(len(TRAVERSE)))
                traversal.append(np.stack([
                    _uint8(data.eval_generate(G, INFO_PRIOR.set_codes(
                        z, continuous={j: torch.as_tensor(TRAVERSE).repeat(10)})).reshape(10, len(TRAVERSE), 28, 28))
                    for j in range(INFO_PRIOR.uniform)]))
            print(name, seed, f"L_I/categorical {np.mean(rows['li_cat'][-1][-100:]):.3f}",
                  f"accuracy real {acc_real[-1]:.3f} generated {acc_gen[-1]:.3f}",
                  f"{rows['seconds'][-1]:.0f} s", flush=True)
        for k in keep:
            keep[k].append(rows[k])
    out.update({k: np.array(v) for k, v in keep.items()})
    out["traverse"], out["traversal"] = TRAVERSE, np.array(traversal)
    np.savez_compressed(args.out, **out)


def _uint8(x):
    return np.round((x.clamp(-1, 1).numpy() + 1) * 127.5).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", default="lsgan", choices=["lsgan", "wgan_gp", "loss_sensitive_gan", "cgan", "infogan", "ebgan"])
    ap.add_argument("--every", type=int, default=250, help="cgan, infogan: measure every this many steps")
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
    if args.recipe == "infogan":
        return infogan(args, mnist, judge, out)
    conditional, energy = args.recipe == "cgan", args.recipe == "ebgan"
    asked = torch.arange(1000) % 10                      # the digits a conditional G is asked for
    if conditional:
        out["fidelity_steps"] = np.arange(args.every, args.steps + 1, args.every)
    if energy:
        out["score_steps"] = np.arange(args.every, args.steps + 1, args.every)
    scores, classes, images, seconds, curves, energies = [], [], [], [], [], []
    for name, (objective, net_kw, train_kw) in losses.items():
        t0 = time.time()
        row_s, row_c, row_i, row_f, row_e = [], [], [], [], []
        for seed in args.seeds:
            curve = []
            if conditional:
                G, D = nets.conditional_dcgan(latent_dim=32, n_classes=10, image_size=28,
                                              width=args.width, seed=seed, **net_kw)

                def hook(run, step):
                    if step % args.every == 0:
                        x = run.sample(1000, seed=10_000 + step, labels=asked)
                        curve.append(metrics.label_fidelity(x, asked, judge).per_class)
            elif energy:
                G, D = nets.began(latent_dim=32, width=args.width, reconstruction="mse", seed=seed)

                def hook(run, step):
                    if step % args.every == 0:
                        curve.append(metrics.class_score(run.sample(1000, seed=10_000 + step), judge).score)
            else:
                G, D = nets.dcgan(latent_dim=64, image_size=28, width=args.width, seed=seed, **net_kw)
            run = ganlib.train(G, D, mnist, objective, steps=args.steps, batch_size=64, seed=seed,
                               progress=False, conditional=conditional,
                               hooks=[hook] if conditional or energy else (), **train_kw)
            if conditional:
                s = metrics.class_score(run.sample(1000, labels=asked), judge)
                row_i.append(_uint8(run.sample(100, labels=torch.arange(100) // 10).reshape(100, 28, 28)))
                row_f.append(curve)
            else:
                s = metrics.class_score(run.sample(1000), judge)
                row_i.append(_uint8(run.sample(36).reshape(36, 28, 28)))
            if energy:
                row_f.append(curve)
                row_e.append(np.stack([run.history["energy/real"], run.history["energy/fake"]], 1))
            row_s.append(s.score), row_c.append(s.classes_covered)
            print(name, seed, s, *(["fidelity", np.round(curve[-1], 2)] if conditional else []),
                  *(["score curve", np.round(curve, 2)] if energy else []), flush=True)
        scores.append(row_s), classes.append(row_c), images.append(row_i), curves.append(row_f)
        energies.append(row_e)
        seconds.append(time.time() - t0)
    if conditional:
        out["fidelity"] = np.array(curves)                  # [loss, seed, snapshot, digit]
    if energy:
        out["score_curve"], out["energy"] = np.array(curves), np.array(energies, dtype=np.float32)
    np.savez_compressed(args.out, scores=np.array(scores), classes=np.array(classes),
                        images=np.array(images), seconds=np.array(seconds), **out)


if __name__ == "__main__":
    main()
