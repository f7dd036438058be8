"""InfoGAN's variational bound (Chen et al. 2016) on discrete cases, against independent truths."""
import numpy as np
import pytest
import sympy as sp
from scipy.special import xlogy
from sklearn.metrics import mutual_info_score

from ganlib import theory

P_C = np.array([0.2, 0.3, 0.5])
P_X_GIVEN_C = np.array([[0.7, 0.2, 0.1, 0.0],
                        [0.1, 0.6, 0.2, 0.1],
                        [0.05, 0.05, 0.3, 0.6]])


def test_infogan_derivation_steps_are_identities():
    d = theory.infogan_derivation()
    assert d["split"] == 0 and d["kl_nonnegative"] == 0 and d["lemma"] == 0
    assert len(d.steps) == 6
    with pytest.raises(ValueError, match="n_codes"):
        theory.infogan_derivation(1)


def test_mutual_information_matches_scikit_learn():
    # mutual_info_score takes a contingency table of counts: the joint, scaled
    truth = mutual_info_score(None, None, contingency=P_C[:, None] * P_X_GIVEN_C * 1e6)
    assert theory.mutual_information(P_C, P_X_GIVEN_C) == pytest.approx(truth, abs=1e-9)
    # extremes: x independent of c gives 0, x = c gives H(c)
    assert theory.mutual_information(P_C, np.tile([0.25, 0.25, 0.5], (3, 1))) == pytest.approx(0, abs=1e-12)
    entropy = -np.sum(P_C * np.log(P_C))
    assert theory.mutual_information(P_C, np.eye(3)) == pytest.approx(entropy)


def test_the_bound_is_tight_at_the_posterior_and_below_elsewhere():
    mi = theory.mutual_information(P_C, P_X_GIVEN_C)
    post = theory.code_posterior(P_C, P_X_GIVEN_C)
    # the posterior by hand, Bayes' rule
    joint = P_C[:, None] * P_X_GIVEN_C
    assert np.allclose(post, (joint / joint.sum(0)).T)
    assert theory.infogan_bound(P_C, P_X_GIVEN_C, post) == pytest.approx(mi, abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = rng.dirichlet(np.ones(3), size=4)
        gap = mi - theory.infogan_bound(P_C, P_X_GIVEN_C, q)
        p_x = joint.sum(0)
        kl = sum(p_x[j] * np.sum(xlogy(post[j], post[j]) - xlogy(post[j], q[j])) for j in range(4))
        assert gap == pytest.approx(kl, abs=1e-10) and gap > 0
    # a Q that rules out a code the data can have: the bound is −inf
    q = np.tile([0.0, 0.5, 0.5], (4, 1))
    assert theory.infogan_bound(P_C, P_X_GIVEN_C, q) == -np.inf


def test_information_functions_name_bad_arguments():
    with pytest.raises(ValueError, match="p_c"):
        theory.mutual_information([0.5, 0.6], np.eye(2))
    with pytest.raises(ValueError, match="one row P\\(x \\| c\\) per code"):
        theory.mutual_information(P_C, np.eye(2))
    with pytest.raises(ValueError, match="q_c_given_x"):
        theory.infogan_bound(P_C, P_X_GIVEN_C, np.full((3, 3), 1 / 3))


# ----------------------------------------------------------------------------- the objective
import math  # noqa: E402

import torch  # noqa: E402

import ganlib  # noqa: E402
from ganlib import data, nets, objectives  # noqa: E402


def _codes(prior, n=64, seed=0):
    z = prior.sample(n, torch.Generator().manual_seed(seed))
    return z, prior.split(z)


def test_info_term_is_log_q_plus_the_codes_entropy():
    prior = data.Prior(3, categorical=(4, 2), uniform=2)
    obj = objectives.InfoGAN(prior)
    assert obj.q_dim == 4 + 2 + 2
    z, (_, classes, cont) = _codes(prior)
    # a Q that is sure of the right classes and has the right means: L_I = H(c) − ½ log 2π·(codes)
    sure = torch.cat([20.0 * torch.nn.functional.one_hot(classes[0], 4),
                      20.0 * torch.nn.functional.one_hot(classes[1], 2), cont], 1).float()
    cat, cnt = obj.info(sure, z)
    assert float(cat) == pytest.approx(math.log(4) + math.log(2), abs=1e-6)
    assert float(cnt) == pytest.approx(2 * (math.log(2) - 0.5 * math.log(2 * math.pi)), abs=1e-6)
    # an uninformed Q (uniform logits, mean 0): the categorical bound is 0
    blank = torch.zeros(64, 8)
    cat, cnt = obj.info(blank, z)
    assert float(cat) == pytest.approx(0.0, abs=1e-6)
    expected = float((-0.5 * math.log(2 * math.pi) - 0.5 * cont ** 2).sum(1).mean()) + 2 * math.log(2)
    assert float(cnt) == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="1 \\+ 8 columns"):
        obj.info(torch.zeros(64, 5), z)


@torch.no_grad()          # values only: no graph needed
def test_infogan_losses_are_the_base_losses_minus_lambda_times_l_i():
    prior = data.Prior(2, categorical=3, uniform=1)
    D = nets.info_mlp(2, 4, hidden=(16,), seed=0)
    G = nets.mlp(prior.dim, 2, hidden=(16,), seed=1)
    z, _ = _codes(prior)
    real, fake = torch.randn(64, 2), G(z)
    batch = objectives.Batch(real=real, fake=fake.detach(), z=z)
    base = objectives.NonSaturating()
    score = lambda x: D(x)[:, :1]
    for lam, lam_c in ((1.0, 1.0), (2.0, 0.5)):
        obj = objectives.InfoGAN(prior, lam=lam, lam_continuous=lam_c)
        cat, cnt = obj.info(D(fake.detach())[:, 1:], z)
        loss, logs = obj.d_loss(D, batch)
        assert float(loss) == pytest.approx(float(base.d_loss(score, batch)[0] - lam * cat - lam_c * cnt), abs=1e-6)
        assert float(logs["L_I"]) == pytest.approx(float(cat + cnt), abs=1e-6)
        g_batch = objectives.Batch(fake=fake, z=z)
        g_loss, _ = obj.g_loss(D, g_batch)
        assert float(g_loss) == pytest.approx(float(base.g_loss(score, g_batch)[0] - lam * cat - lam_c * cnt), abs=1e-6)
    control = objectives.InfoGAN(prior, lam_generator=0.0)      # Q learns, G is not asked
    g_loss, _ = control.g_loss(D, objectives.Batch(fake=fake, z=z))
    assert float(g_loss) == pytest.approx(float(base.g_loss(score, objectives.Batch(fake=fake, z=z))[0]), abs=1e-6)


def test_info_mlp_score_is_the_plain_mlp_on_the_same_weights():
    # the score head is exactly nets.mlp(seed) - one activation per hidden layer, none doubled
    D, plain = nets.info_mlp(3, 4, hidden=(8, 8), seed=5), nets.mlp(3, 1, hidden=(8, 8), seed=5)
    x = torch.randn(32, 3)
    with torch.no_grad():
        assert torch.equal(D(x)[:, :1], plain(x))
    acts = [m for m in D.body if not isinstance(m, torch.nn.Linear)]
    assert len(acts) == 2


def test_infogan_names_bad_arguments():
    with pytest.raises(TypeError, match="prior"):
        objectives.InfoGAN(10)
    with pytest.raises(ValueError, match="no categorical or uniform codes"):
        objectives.InfoGAN(data.Prior(4))
    with pytest.raises(ValueError, match="lam must be non-negative"):
        objectives.InfoGAN(data.Prior(4, categorical=2), lam=-1)
    with pytest.raises(TypeError, match="base"):
        objectives.InfoGAN(data.Prior(4, categorical=2), base="gan")


def test_infogan_trains_with_train_and_train_many_alike():
    prior = data.Prior(2, categorical=4)
    obj = objectives.InfoGAN(prior)
    kw = dict(steps=15, batch_size=32, lr_g=2e-3, lr_d=2e-3, prior=prior, progress=False, device="cpu")
    make = lambda s: (nets.mlp(prior.dim, 2, hidden=(16, 16), seed=s), nets.info_mlp(2, obj.q_dim, hidden=(16, 16), seed=s + 9))
    (g0, d0), (g1, d1) = make(0), make(1)
    runs = ganlib.train_many([g0, g1], [d0, d1], data.ring(4), obj, seeds=[5, 6], **kw)
    g, d = make(1)
    single = ganlib.train(g, d, data.ring(4), obj, seed=6, **kw)
    assert np.allclose(runs[1].history["L_I"], single.history["L_I"], atol=1e-5)
    assert "L_I/categorical" in single.history and single.config["prior"]["categorical"] == [4]


def test_info_dcgan_shapes():
    prior = data.Prior(16, categorical=10, uniform=2)
    G, D = nets.info_dcgan(prior.dim, 12, image_size=8, width=8, seed=0)
    G.eval(), D.eval()
    x = G(prior.sample(5))
    assert x.shape == (5, 1, 8, 8) and D(x).shape == (5, 13)


def test_matched_accuracy_recovers_a_known_permutation():
    from ganlib import metrics
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=2000)
    perm = rng.permutation(10)
    codes = perm[labels]                               # code = perm[label]: a relabelling
    acc, mapping = metrics.matched_accuracy(codes, labels)
    assert acc == 1.0 and np.array_equal(mapping[perm], np.arange(10))
    noisy = codes.copy()
    flip = rng.random(2000) < 0.1
    noisy[flip] = rng.integers(0, 10, size=flip.sum())
    acc, _ = metrics.matched_accuracy(noisy, labels)
    assert acc == pytest.approx(1 - 0.1 * 0.9, abs=0.02)      # a flip hits the right code 1/10 of the time
    with pytest.raises(ValueError, match="same, non-zero length"):
        metrics.matched_accuracy(codes[:5], labels)


# Margins (scripts/outcome_margins.py infogan_ring, seeds 0-5, default and SSE4.2 paths): L_I
# 2.047-2.079 for InfoGAN (log 8 = 2.079), 0.0065-0.018 for the control whose G ignores Q.
@pytest.mark.training_outcome
def test_infogan_keeps_its_code_and_the_control_does_not():
    # measured over 6 seeds on two numeric paths (scripts/outcome_margins.py infogan_ring):
    # L_I 2.069-2.079 and code -> mode 0.999-1.0 for InfoGAN; 0.008-0.17 and 0.15-0.22 for the control.
    # On an AMD EPYC host's default path (2026-12-04) code -> mode was 0.785 for seed 0 and 0.873 for
    # seed 5 (two modes sharing a code), L_I 2.054-2.079, control 0.154-0.20: the claim is that the
    # code picks the mode far above the control's chance level, so the threshold is 0.6, not 0.9.
    from outcome_cases import infogan_ring
    info = [infogan_ring(s) for s in (0, 1)]
    control = [infogan_ring(s, lam_generator=0.0) for s in (0, 1)]
    assert min(r["L_I"] for r in info) > 1.9 and min(r["code_to_mode"] for r in info) > 0.6
    assert max(r["L_I"] for r in control) < 0.3 and max(r["code_to_mode"] for r in control) < 0.4


MIX = data.mixture([data.gaussian(-2.0, 1.0), data.gaussian(0.0, 0.5), data.gaussian(2.5, 1.0)],
                   [0.2, 0.5, 0.3])


def test_mixture_information_is_the_entropy_difference():
    # I(c; x) = h(x) − h(x | c): the mixture's differential entropy by scipy quadrature, minus
    # the Gaussians' closed-form entropies ½ log(2πe σ²)
    from scipy.integrate import quad
    h_x = quad(lambda t: -MIX.pdf(t) * MIX.logpdf(t), -12, 14, points=[-2, 0, 2.5], limit=200)[0]
    h_x_given_c = sum(w * 0.5 * np.log(2 * np.pi * np.e * s ** 2) for w, s in zip(MIX.weights, (1.0, 0.5, 1.0)))
    assert theory.mixture_information(MIX) == pytest.approx(h_x - h_x_given_c, abs=1e-7)
    one = data.mixture([data.gaussian(0, 1), data.gaussian(0, 1)], [0.4, 0.6])   # x says nothing of c
    assert theory.mixture_information(one) == pytest.approx(0.0, abs=1e-9)
    post = theory.mixture_posterior(MIX, np.array([-2.0, 0.0, 2.5]))
    assert np.allclose(post.sum(1), 1) and np.array_equal(post.argmax(1), [0, 1, 2])
    with pytest.raises(TypeError, match="p must be a ganlib.data.mixture"):
        theory.mixture_information(data.gaussian(0, 1))


def test_fit_posterior_reaches_the_information_from_below():
    fit = ganlib.fit_posterior(MIX, steps=800, n_eval=100_000, seed=0, progress=False)
    truth = theory.mixture_information(MIX)
    assert fit.entropy == pytest.approx(-np.sum(MIX.weights * np.log(MIX.weights)))
    # a bound: below I(c; x) up to its sampling error, and close to it for a fitted posterior
    assert truth - 0.02 < fit.bound < truth + 3 * fit.bound_se + 1e-3
    x = np.linspace(-3, 3.5, 50)
    assert np.abs(fit.q(x) - theory.mixture_posterior(MIX, x)).max() < 0.1
    with pytest.raises(ValueError, match="labelled data"):
        ganlib.fit_posterior(data.gaussian(0, 1), progress=False)
