"""EBGAN and BEGAN: the margin loss and the pulling-away term on hand values, the non-parametric
game as a linear program against its closed form, BEGAN's k_t replayed by hand, the Jensen bound."""
import numpy as np
import pytest
import torch
from scipy import stats

import ganlib
from ganlib import data, nets, objectives, theory
from ganlib.objectives import Batch


class Fixed(torch.nn.Module):
    """D whose output for the batch x is x itself: the 'samples' are D's [energy | code] rows."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return x + 0 * self.w


@torch.no_grad()          # values only: no graph needed
def test_ebgan_losses_on_hand_values():
    real = torch.tensor([[0.5], [1.0]])
    fake = torch.tensor([[0.2], [3.0]])
    obj = objectives.EBGAN(margin=2.0)
    loss, logs = obj.d_loss(Fixed(), Batch(real=real, fake=fake))
    # E[D(x)] + E[(m − D(G(z)))₊] = 0.75 + (1.8 + 0) / 2
    assert float(loss) == pytest.approx(1.65)
    assert float(logs["TV"]) == pytest.approx(1 - 1.65 / 2)
    assert float(logs["energy/real"]) == pytest.approx(0.75) and float(logs["energy/fake"]) == pytest.approx(1.6)
    assert float(obj.g_loss(Fixed(), Batch(fake=fake))[0]) == pytest.approx(1.6)
    # a negative raw score counts as zero energy
    assert float(obj.d_loss(Fixed(), Batch(real=-real, fake=fake))[0]) == pytest.approx(0.9)


@torch.no_grad()
def test_pulling_away_term_on_hand_values():
    codes = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    # cos² of the pairs: (1, 2) 0, (1, 3) ½, (2, 3) ½; both orders over N(N − 1) = 6
    assert float(objectives.pulling_away(codes)) == pytest.approx(2 * (0 + 0.5 + 0.5) / 6)
    assert float(objectives.pulling_away(torch.eye(4))) == pytest.approx(0.0)
    assert float(objectives.pulling_away(torch.ones(5, 3))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 2 codes"):
        objectives.pulling_away(torch.ones(1, 3))
    obj = objectives.EBGAN(margin=1.0, pt_weight=0.1)
    out = torch.cat([torch.tensor([[0.3], [0.6], [0.9]]), codes], 1)
    loss, logs = obj.g_loss(Fixed(), Batch(fake=out))
    assert float(loss) == pytest.approx(0.6 + 0.1 / 3) and float(logs["PT"]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="needs D to return its code"):
        obj.g_loss(Fixed(), Batch(fake=torch.ones(3, 1)))


def test_ebgan_arguments_are_named():
    with pytest.raises(ValueError, match="margin must be positive"):
        objectives.EBGAN(margin=0)
    with pytest.raises(ValueError, match="pt_weight must be non-negative"):
        objectives.EBGAN(pt_weight=-1)


@pytest.mark.parametrize("seed", range(5))
def test_ebgan_linear_program_meets_the_closed_form(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    m = 0.5 + 2 * rng.random()
    value, energy = theory.ebgan_value(p, q, m)
    tv = 0.5 * np.abs(p - q).sum()
    assert value == pytest.approx(m * (1 - tv), abs=1e-9)
    assert np.allclose(energy[p > q], 0, atol=1e-9) and np.allclose(energy[p < q], m, atol=1e-9)
    assert value < m
    # only p_g = p_data leaves the discriminator's best value at the bound m
    assert theory.ebgan_value(p, p, m)[0] == pytest.approx(m)
    with pytest.raises(ValueError, match="p_g must be a probability vector"):
        theory.ebgan_value(p, q * 2, m)


def test_ebgan_derivation_steps_are_identities():
    d = theory.ebgan_derivation()
    assert str(d["pieces"]) == "a - b" and d["best_energy"] == (0, 0)
    assert len(d.steps) == 5
    assert theory.began_bound_derivation()["coupling"] == 0


def test_a_learned_ebgan_energy_estimates_tv_from_below():
    # 1 − L_D/m ≤ TV for every D (L_D ≥ its minimum m·(1 − TV)); a fitted D comes close
    p, q = data.gaussian(0, 1), data.gaussian(1.5, 0.7)
    fit = ganlib.fit_discriminator(p, q, objectives.EBGAN(margin=2.0), steps=1500, n_eval=100_000,
                                   progress=False)
    tv = theory.tv(p, q)
    assert tv - 0.03 < fit.estimate < tv + 3 * fit.estimate_se + 1e-3


def test_began_k_is_replayed_by_hand_and_saved_with_the_run(tmp_path):
    obj = objectives.BEGAN(gamma=0.5, lambda_k=0.1, k0=0.2)
    k, D = 0.2, Fixed()
    for l_real, l_fake in ((0.8, 0.1), (0.4, 0.5), (0.1, 0.9), (0.9, 0.0)):
        batch = Batch(real=torch.full((4, 1), l_real), fake=torch.full((4, 1), l_fake))
        loss, logs = obj.d_loss(D, batch)
        assert float(loss.detach()) == pytest.approx(l_real - k * l_fake)
        assert float(logs["M_global"]) == pytest.approx(l_real + abs(0.5 * l_real - l_fake))
        obj.after_step(D, logs)
        k = min(max(k + 0.1 * (0.5 * l_real - l_fake), 0.0), 1.0)
        assert float(obj.k) == pytest.approx(k)
    assert obj.state_dict() == {"k": pytest.approx(k)}
    obj.reset()
    assert obj.k == 0.2
    # in training: the logged k of each step follows from the previous step's losses
    ring = data.ring()
    G, Dae = nets.mlp(4, 2, hidden=(16,), seed=0), nets.autoencoder_mlp(2, 2, hidden=(16,), reconstruction="l1", seed=1)
    run = ganlib.train(G, Dae, ring, objectives.BEGAN(gamma=0.5, lambda_k=0.01), steps=30, batch_size=32,
                       latent_dim=4, progress=False)
    h = {key: np.array(run.history[key]) for key in ("k", "L_real", "L_fake")}
    replay = np.clip(h["k"][:-1] + 0.01 * (0.5 * h["L_real"][:-1] - h["L_fake"][:-1]), 0, 1)
    assert h["k"][0] == 0 and np.allclose(h["k"][1:], replay, atol=1e-6)
    run.save(tmp_path / "began.pt")
    again = ganlib.Run.load(tmp_path / "began.pt", G=nets.mlp(4, 2, hidden=(16,)),
                            D=nets.autoencoder_mlp(2, 2, hidden=(16,), reconstruction="l1"),
                            objective=objectives.BEGAN(gamma=0.5, lambda_k=0.01))
    assert again.objective.k == pytest.approx(run.objective.state_dict()["k"])
    class Opaque(objectives.BEGAN):        # a state that train_many cannot split by member
        member_state = ()
    with pytest.raises(ValueError, match="keeps state"):
        ganlib.train_many([G], [Dae], ring, Opaque(), seeds=[0], steps=1, latent_dim=4)


def test_began_in_train_many_gives_each_member_its_own_k():
    """Member i of train_many is train with seed i: the same k_t at every step, the same networks,
    and a run that ends with its own objective holding its own k."""
    ring, seeds = data.ring(), [2, 0, 5]
    make = lambda: ([nets.mlp(4, 2, hidden=(16,), seed=10 + i) for i in range(3)],
                    [nets.autoencoder_mlp(2, 2, hidden=(16,), reconstruction="l1", seed=20 + i) for i in range(3)])
    kw = dict(steps=40, batch_size=32, latent_dim=4, lr_g=1e-3, lr_d=1e-3, progress=False, device="cpu")
    obj = objectives.BEGAN(gamma=0.5, lambda_k=0.05, k0=0.1)
    G, D = make()
    runs = ganlib.train_many(G, D, ring, obj, seeds=seeds, **kw)
    assert obj.k == 0.1                                  # the shared objective is left as it started
    G0, D0 = make()
    for i, seed in enumerate(seeds):
        one = ganlib.train(G0[i], D0[i], ring, objectives.BEGAN(gamma=0.5, lambda_k=0.05, k0=0.1), seed=seed, **kw)
        for key in ("k", "L_real", "L_fake", "M_global", "g_loss"):
            np.testing.assert_allclose(runs[i].history[key], one.history[key], rtol=1e-4, atol=1e-6,
                                       err_msg=f"member {i}, {key}")
        assert runs[i].objective.k == pytest.approx(float(one.objective.k), abs=1e-6)
        assert runs[i].objective is not obj
    assert len({round(r.objective.k, 6) for r in runs}) == 3           # three different k_t


def test_began_arguments_are_named():
    for kwargs, word in (({"gamma": 0}, "gamma"), ({"gamma": 1.5}, "gamma"), ({"lambda_k": -1}, "lambda_k"),
                         ({"k0": 2}, "k0")):
        with pytest.raises(ValueError, match=word):
            objectives.BEGAN(**kwargs)


def test_the_means_of_two_loss_distributions_differ_by_at_most_w1():
    # known distributions: W1 by quadrature of |F1 − F2|; a shift is the case of equality
    for p, q in ((data.gaussian(0, 1), data.gaussian(1, 2)), (data.uniform(0, 1), data.gaussian(0.2, 0.1)),
                 (data.gaussian(0.3, 0.5), data.gaussian(1.1, 0.5))):
        assert abs(p.mean() - q.mean()) <= theory.w1(p, q) + 1e-9
    assert theory.w1(data.gaussian(0.3, 0.5), data.gaussian(1.1, 0.5)) == pytest.approx(0.8, abs=1e-6)
    # samples: scipy's W1 of the empirical distributions bounds the empirical means' gap exactly
    rng = np.random.default_rng(0)
    for _ in range(20):
        u, v = rng.exponential(1.0, 300), rng.gamma(2.0, 0.4, 500)
        assert abs(u.mean() - v.mean()) <= stats.wasserstein_distance(u, v) + 1e-12


def test_autoencoders_return_error_then_code():
    x = torch.randn(6, 3)
    for kind, fn in (("mse", lambda d: (d ** 2).mean(1)), ("l1", lambda d: d.abs().mean(1))):
        D = nets.autoencoder_mlp(3, 2, hidden=(8,), reconstruction=kind, seed=0)
        out = D(x)
        assert out.shape == (6, 3)
        assert torch.allclose(out[:, 0], fn(D.reconstruct(x) - x))
        assert torch.allclose(out[:, 1:], D.encoder(x))
    with pytest.raises(ValueError, match="reconstruction must be 'mse'"):
        nets.autoencoder_mlp(3, reconstruction="l2")
    with pytest.raises(ValueError, match="x must have shape"):
        nets.autoencoder_mlp(3)(torch.randn(2, 4))
    for size, channels in ((28, 1), (32, 3)):
        G, D = nets.began(latent_dim=8, image_size=size, channels=channels, width=4, seed=0)
        img = G(torch.randn(5, 8))
        assert img.shape == (5, channels, size, size) and img.abs().max() < 1
        out = D(img)
        assert out.shape == (5, 9) and torch.all(out[:, 0] >= 0)
        assert torch.allclose(out[:, 0], (D.reconstruct(img) - img).abs().flatten(1).mean(1))
    G1, D1 = nets.began(latent_dim=8, width=4, seed=3)
    G2, D2 = nets.began(latent_dim=8, width=4, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(D1.state_dict().values(), D2.state_dict().values()))


# Margins (python scripts/outcome_margins.py --seeds 8 --paths default,sse ebgan_ring): with the
# pulling-away term 6-8 modes in all 16 runs (mean of seeds 0-5: 7.67 on both paths); without it
# 1-7 (mean of seeds 0-5: 4.83 on both paths).
@pytest.mark.training_outcome
def test_the_pulling_away_term_covers_more_of_the_ring():
    from outcome_cases import ebgan_ring_runs
    seeds = list(range(6))
    with_pt = np.array([r["modes"] for r in ebgan_ring_runs(seeds, 1.0)])
    without = np.array([r["modes"] for r in ebgan_ring_runs(seeds, 0.0)])
    assert with_pt.mean() >= 6.5, with_pt
    assert with_pt.mean() - without.mean() >= 1.0, (with_pt, without)


# Margins (python scripts/outcome_margins.py --seeds 8 --paths default,sse began_ring): in every run
# whose k_t ends above 0.01 (6 of 8 on the default path, 3 of 8 on the SSE path) the loss ratio is
# within 0.081 of γ = 0.5; without the adversarial term (k_t ≡ 0) the ratio's median over seeds
# 0-5 is 0.14 (default) and 0.11 (SSE), against 0.50 and 0.64 for BEGAN.
@pytest.mark.training_outcome
def test_began_controller_holds_the_loss_ratio_at_gamma_and_the_control_does_not():
    from outcome_cases import began_ring_runs
    seeds = list(range(6))
    began = began_ring_runs(seeds, gamma=0.5, lambda_k=0.01)
    control = began_ring_runs(seeds, gamma=0.5, lambda_k=0.0)
    active = [r["ratio"] for r in began if r["k"] > 0.01]
    assert active, began
    assert max(abs(q - 0.5) for q in active) < 0.15, began
    assert np.median([r["ratio"] for r in control]) < 0.3, control
    assert np.median([r["ratio"] for r in began]) > 0.4, began
