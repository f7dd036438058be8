"""The training-outcome cases, shared by the tests (which assert a statistic over seeds) and
by ``scripts/outcome_margins.py`` (which measures each case over many seeds and numeric paths,
so that a threshold is set from measured margins, not from one lucky run).

Each case takes a ``seed`` and returns plain numbers.  The settings here are the ones the tests
use; change them in one place only.
"""
import numpy as np
import torch

import ganlib
from ganlib import data, metrics, nets, objectives, theory

torch.set_num_threads(1)        # tiny models: one thread is fastest, and the same on every machine


def _bulk_grid(p, q, mass=0.98, n=1000):
    (a, b), (c, d) = p.bulk(mass), q.bulk(mass)
    return np.linspace(min(a, c), max(b, d), n)


MINIMAX_CASES = {
    "gaussians": (data.gaussian(0, 1), data.gaussian(1.5, 0.7)),
    "mixture": (data.mixture([data.gaussian(-2, 0.5), data.gaussian(2, 0.5)]),
                data.gaussian(0, 1.5)),
}


def minimax_fit(case, seed):
    """The learned D against D* (largest gap on the bulk) and its JS estimate's relative error."""
    p, q = MINIMAX_CASES[case]
    fit = ganlib.fit_discriminator(p, q, objectives.Minimax(), steps=3000, n_eval=100_000,
                                   seed=seed, progress=False)
    x = _bulk_grid(p, q)
    gap = float(np.abs(fit.d(x) - theory.optimal_discriminator(p, q)(x)).max())
    js = theory.js(p, q)
    return {"gap": gap, "rel_err": abs(fit.estimate - js) / js}


def fdivergence_fit(name, seed):
    """The relative error of the learned f-divergence estimate."""
    p, q = data.gaussian(0, 1), data.gaussian(0.6, 1)
    fit = ganlib.fit_discriminator(p, q, objectives.FDivergence(name), steps=1500, n_eval=100_000,
                                   seed=seed, progress=False)
    truth = theory.f_divergence(p, q, theory.f_generator(name))
    return {"rel_err": abs(fit.estimate - truth) / abs(truth)}


def lsgan_fit(seed):
    """The learned LSGAN D against D* and its 2C(G) estimate's relative error."""
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.8)
    obj = objectives.LeastSquares()
    fit = ganlib.fit_discriminator(p, q, obj, steps=1500, seed=seed, n_eval=100_000,
                                   progress=False)
    x = np.linspace(-2, 3, 200)
    gap = float(np.abs(fit.d(x) - theory.optimal_discriminator(p, q, obj)(x)).max())
    truth = theory.lsgan_criterion(p, q)
    return {"gap": gap, "rel_err": abs(fit.estimate - truth) / truth}


def gp_fit(seed, one_sided=False, restarts=0):
    """The gradient-penalty critic's estimate divided by the exact W1 = 1.5 (N(0, 1) vs
    N(1.5, 0.6)), and the restarts the sign guard took; a critic of the wrong sign gives a
    ratio near −(1 − 1.5/(2λ)) = −0.925, the right one about 1 + 1.5/(2λ) = 1.075."""
    import warnings
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # the margins script reports the sign itself
        fit = ganlib.fit_discriminator(p, q, objectives.WassersteinGP(one_sided=one_sided),
                                       steps=1000, n_eval=100_000, seed=seed, progress=False,
                                       restarts=restarts)
    return {"ratio": fit.estimate / theory.w1(p, q), "restarts": fit.restarts}


def ring_coverage(n_modes, seed, steps=2000, width=64):
    """Modes covered and the share of high-quality samples (3σ) of a non-saturating GAN."""
    ring = data.ring(n_modes=n_modes)
    G = nets.mlp(2, 2, hidden=(width,) * 3, seed=seed)
    D = nets.mlp(2, 1, hidden=(width,) * 3, seed=seed + 100)
    run = ganlib.train(G, D, ring, objectives.NonSaturating(), steps=steps, batch_size=256,
                       lr_g=1e-3, lr_d=1e-3, seed=seed, hooks=[ganlib.linear_lr_decay()],
                       progress=False)
    cov = metrics.mode_coverage(run.sample(2500, seed=seed), ring)
    return {"modes": cov.modes_covered, "high_quality": cov.high_quality}


# The WGAN-GP chapter's budget recipe for the ring (λ = 1, n_critic 2, batch 256, lr 5e-3 decaying
# to 5 %, 1,000 steps; the paper's toy code: λ = 0.1, n_critic 5, batch 256, lr 1e-4, 3×512,
# 100,000 steps), and the GAN on the same nets, batch, steps and schedule
RING_RECIPES = {
    "WGAN-GP": (lambda: objectives.WassersteinGP(lam=1.0),
                dict(lr_g=5e-3, lr_d=5e-3, betas=(0.5, 0.9), n_critic=2)),
    "GAN": (objectives.NonSaturating, dict(lr_g=2e-3, lr_d=2e-3, betas=(0.5, 0.999), n_critic=1)),
}


def ring_recipe_runs(method, seeds, steps=1000, batch_size=256):
    """Modes covered and high-quality share (3σ) on the 8-Gaussian ring, per seed, for the
    chapter's recipes, trained at once with train_many (3×64 MLPs, lr decaying to 5 %)."""
    make, kw = RING_RECIPES[method]
    G = [nets.mlp(2, 2, hidden=(64,) * 3, seed=1 + 10 * s) for s in seeds]
    D = [nets.mlp(2, 1, hidden=(64,) * 3, seed=2 + 10 * s) for s in seeds]
    runs = ganlib.train_many(G, D, data.ring(), make(), seeds=list(seeds), steps=steps,
                             batch_size=batch_size, lr_schedule=ganlib.linear_decay(0.05),
                             progress=False, device="cpu", **kw)
    covs = [metrics.mode_coverage(run.sample(2500), data.ring()) for run in runs]
    return [dict(modes=c.modes_covered, high_quality=c.high_quality) for c in covs]


def ring_recipe(seed, method):
    return ring_recipe_runs(method, [seed])[0]


def classifier(seed):
    """Held-out accuracy and class score on real digits of the classifier trained here."""
    ds = data.digits()
    clf = metrics.train_classifier(ds, steps=400, seed=seed)
    s = metrics.class_score(ds.sample(500, torch.Generator().manual_seed(seed)), clf)
    return {"accuracy": clf.accuracy, "score": s.score, "classes": s.classes_covered}


# A labelled 1-D case with unequal class weights: class k of p is p(x | y = k), class k of q plays
# the conditional generator p_g(x | y = k)
CONDITIONAL_CASE = (data.mixture([data.gaussian(-1.0, 0.6), data.gaussian(1.5, 0.8)], [0.3, 0.7]),
                    data.mixture([data.gaussian(-0.4, 0.6), data.gaussian(1.0, 1.2)], [0.3, 0.7]))


def conditional_fit(seed):
    """The learned D(x | y) against D*(x | y) (largest gap over both classes on the bulk) and
    the relative error of its estimate of E_y JS(p(·|y) ‖ q(·|y))."""
    p, q = CONDITIONAL_CASE
    fit = ganlib.fit_discriminator(p, q, objectives.Minimax(), steps=1500, n_eval=100_000,
                                   seed=seed, conditional=True, progress=False)
    gap = 0.0
    for k, (pk, qk) in enumerate(zip(p.components, q.components)):
        x = _bulk_grid(pk, qk)
        gap = max(gap, float(np.abs(fit.d(x, k) - theory.optimal_discriminator(pk, qk)(x)).max()))
    truth = theory.conditional_js(p, q)
    return {"gap": gap, "rel_err": abs(fit.estimate - truth) / truth}


def cgan_ring_runs(seeds, conditioning="concat", steps=500):
    """The CGAN chapter's ring recipe: G(z, y) and D(x, y), 3×64 MLPs, one class per mode,
    non-saturating loss, batch 256, lr 2e-3 decaying to 5 %, trained at once with train_many.
    Per seed: label fidelity (the share of samples asked for mode k that land within 3σ of
    mode k), the worst class's, and the modes covered."""
    ring = data.ring()
    G = [nets.conditional_mlp(2, 2, 8, hidden=(64,) * 3, seed=1 + 10 * s) for s in seeds]
    D = [nets.conditional_mlp(2, 1, 8, hidden=(64,) * 3, conditioning=conditioning, seed=2 + 10 * s)
         for s in seeds]
    runs = ganlib.train_many(G, D, ring, objectives.NonSaturating(), seeds=list(seeds), steps=steps,
                             batch_size=256, lr_g=2e-3, lr_d=2e-3, conditional=True,
                             lr_schedule=ganlib.linear_decay(0.05), progress=False, device="cpu")
    y = torch.arange(2400) % 8
    out = []
    for run in runs:
        x = run.sample(2400, labels=y)
        fid = metrics.label_fidelity(x, y, ring)
        out.append(dict(fidelity=fid.accuracy, worst=float(fid.per_class.min()),
                        modes=metrics.mode_coverage(x, ring).modes_covered))
    return out


def cgan_ring(seed, conditioning="concat"):
    return cgan_ring_runs([seed], conditioning)[0]


def infogan_ring(seed, lam_generator=None, steps=500):
    """InfoGAN's L_I (mean of the last 50 steps) with a Cat(8) code on the ring, 3×64 MLPs, lr
    2e-3 decaying to 5 %, batch 256; ``lam_generator=0`` is the paper's control (Q trained, G
    not asked to keep its code).  The bound's ceiling is H(c) = log 8.  ``code_to_mode``: the
    matched accuracy of the code against each sample's nearest mode (Hungarian matching)."""
    prior = data.Prior(2, categorical=8)
    obj = objectives.InfoGAN(prior, lam_generator=lam_generator)
    G = nets.mlp(prior.dim, 2, hidden=(64,) * 3, seed=1 + 10 * seed)
    D = nets.info_mlp(2, obj.q_dim, hidden=(64,) * 3, seed=2 + 10 * seed)
    run = ganlib.train_many([G], [D], data.ring(), obj, prior=prior, seeds=[seed], steps=steps,
                            batch_size=256, lr_g=2e-3, lr_d=2e-3, progress=False, device="cpu",
                            lr_schedule=ganlib.linear_decay(0.05))[0]
    z = prior.sample(2400, torch.Generator().manual_seed(5))
    x = data.eval_generate(run.G, z)
    nearest = torch.cdist(x, data.ring().centers).argmin(1).numpy()
    accuracy = metrics.matched_accuracy(prior.split(z)[1][0].numpy(), nearest)[0]
    return {"L_I": float(np.mean(run.history["L_I"][-50:])), "code_to_mode": accuracy}


def ebgan_ring_runs(seeds, pt_weight):
    """EBGAN chapter's ring recipe (std 0.05, margin 0.1, MLP auto-encoder D with an 8-d code,
    3×64 G of 8-d noise, lr 1e-3 decaying to 5 %, batch 256, 1,000 steps), one run per seed
    trained at once: modes covered and the share of high-quality samples of 2,500."""
    ring = data.ring(std=0.05)
    G = [nets.mlp(8, 2, hidden=(64,) * 3, seed=1 + 10 * s) for s in seeds]
    D = [nets.autoencoder_mlp(2, 8, hidden=(64, 64), seed=2 + 10 * s) for s in seeds]
    runs = ganlib.train_many(G, D, ring, objectives.EBGAN(margin=0.1, pt_weight=pt_weight),
                             seeds=list(seeds), steps=1000, batch_size=256, lr_g=1e-3, lr_d=1e-3,
                             latent_dim=8, lr_schedule=ganlib.linear_decay(0.05), progress=False,
                             device="cpu")
    cover = [metrics.mode_coverage(r.sample(2500), ring) for r in runs]
    return [dict(modes=c.modes_covered, high_quality=c.high_quality) for c in cover]


def ebgan_ring(seed, pt_weight=1.0):
    return ebgan_ring_runs([seed], pt_weight)[0]


def began_ring_runs(seeds, gamma=0.5, lambda_k=0.01, steps=3000):
    """BEGAN chapter's ring recipe (std 0.05, MLP auto-encoder D with a 1-d code and the L1 loss,
    3×64 G of 2-d noise, Adam 1e-3, batch 128), one run per seed trained at once: the final k_t
    and loss ratio L(G(z))/L(x) (means over the last 300 steps) and the modes covered.
    ``lambda_k=0`` is the control without the adversarial term (k_t ≡ 0)."""
    ring = data.ring(std=0.05)
    G = [nets.mlp(2, 2, hidden=(64,) * 3, seed=1 + 10 * s) for s in seeds]
    D = [nets.autoencoder_mlp(2, 1, hidden=(64, 64), reconstruction="l1", seed=2 + 10 * s) for s in seeds]
    runs = ganlib.train_many(G, D, ring, objectives.BEGAN(gamma=gamma, lambda_k=lambda_k), seeds=list(seeds),
                             steps=steps, batch_size=128, lr_g=1e-3, lr_d=1e-3, latent_dim=2,
                             progress=False, device="cpu")
    out = []
    for r in runs:
        h = {key: np.asarray(r.history[key][-300:]) for key in ("k", "L_real", "L_fake")}
        out.append(dict(k=float(h["k"].mean()), ratio=float(h["L_fake"].mean() / h["L_real"].mean()),
                        modes=metrics.mode_coverage(r.sample(2500), ring).modes_covered))
    return out


def began_ring(seed, lambda_k=0.01):
    return began_ring_runs([seed], lambda_k=lambda_k)[0]


# name -> (function, keyword arguments): what scripts/outcome_margins.py measures
CASES = {
    **{f"minimax_fit[{c}]": (minimax_fit, {"case": c}) for c in MINIMAX_CASES},
    **{f"fdivergence_fit[{n}]": (fdivergence_fit, {"name": n})
       for n in ("kl", "reverse_kl", "pearson", "neyman", "hellinger", "js", "gan")},
    "lsgan_fit": (lsgan_fit, {}),
    "gp_fit[two-sided]": (gp_fit, {}),
    "gp_fit[one-sided]": (gp_fit, {"one_sided": True}),
    "gp_fit[two-sided, guarded]": (gp_fit, {"restarts": 2}),
    "ring_coverage[4]": (ring_coverage, {"n_modes": 4}),
    "ring_coverage[8]": (ring_coverage, {"n_modes": 8}),
    "ring_recipe[WGAN-GP]": (ring_recipe, {"method": "WGAN-GP"}),
    "ring_recipe[GAN]": (ring_recipe, {"method": "GAN"}),
    "classifier": (classifier, {}),
    "conditional_fit": (conditional_fit, {}),
    **{f"cgan_ring[{c}]": (cgan_ring, {"conditioning": c}) for c in ("concat", "embed", "projection")},
    "infogan_ring": (infogan_ring, {}),
    "infogan_ring[control]": (infogan_ring, {"lam_generator": 0.0}),
    "ebgan_ring": (ebgan_ring, {}),
    "ebgan_ring[no PT]": (ebgan_ring, {"pt_weight": 0.0}),
    "began_ring": (began_ring, {}),
    "began_ring[k=0]": (began_ring, {"lambda_k": 0.0}),
}
