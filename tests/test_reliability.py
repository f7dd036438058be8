"""Reliability: D* in the tails, argument checks, empty samples, checkpoints that are verified
and atomic, shapes named before training, blow-ups caught after the last update, and
objective randomness that follows the run's seed."""
import warnings

import numpy as np
import pytest
import torch
from scipy import stats

import ganlib
from ganlib import data, nets, objectives


def test_optimal_discriminator_in_the_tails_is_computed_in_log_space():
    from scipy.special import expit
    p, q = data.gaussian(0, 0.05), data.gaussian(1, 0.05)
    x = np.array([-3.0, 0.2, 0.5, 0.8, 3.0])          # at ±3 both pdfs underflow to 0.0
    assert p.pdf(3.0) == 0.0 and q.pdf(3.0) == 0.0
    truth = expit(stats.norm(0, 0.05).logpdf(x) - stats.norm(1, 0.05).logpdf(x))
    got = ganlib.theory.optimal_discriminator(p, q)(x)
    np.testing.assert_allclose(got, truth, rtol=1e-12, atol=1e-300)
    assert got[-1] < 1e-300 and got[0] == pytest.approx(1.0)
    # the least-squares D* = (b·p + a·q)/(p + q) reaches the fake label a far on the fake side
    ls = ganlib.theory.optimal_discriminator(p, q, objectives.LeastSquares())(x)
    assert ls[-1] == pytest.approx(-1.0) and ls[0] == pytest.approx(1.0)
    # outside both supports the rule's own neutral value remains
    u, v = data.uniform(0, 1), data.uniform(2, 3)
    assert ganlib.theory.optimal_discriminator(u, v)(np.array([5.0]))[0] == 0.5


@pytest.mark.parametrize("mass", [2, 1.0, 0.0, -0.5, float("nan")])
def test_bulk_rejects_a_mass_outside_the_unit_interval(mass):
    with pytest.raises(ValueError, match="mass"):
        data.gaussian().bulk(mass)
    assert data.gaussian().bulk(0.5)[0] == pytest.approx(stats.norm.ppf(0.25))


def test_metrics_refuse_an_empty_sample():
    with pytest.raises(ValueError, match="at least one"):
        ganlib.metrics.mode_coverage(torch.zeros(0, 2), data.ring())
    clf = ganlib.metrics.train_classifier(data.digits(), steps=5)
    with pytest.raises(ValueError, match="at least one"):
        ganlib.metrics.class_score(torch.zeros(0, 1, 8, 8), clf)


def _saved_run(tmp_path):
    G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
    run = ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, batch_size=8,
                       progress=False, device="cpu")
    return run, run.save(tmp_path / "run.pt")


def test_a_corrupted_checkpoint_is_refused_and_changes_nothing(tmp_path):
    _, path = _saved_run(tmp_path)
    raw = bytearray(open(path, "rb").read())
    raw[len(raw) // 2] ^= 0x01                                   # one flipped bit
    bad = tmp_path / "flipped.pt"
    bad.write_bytes(bytes(raw))
    G2, D2 = nets.mlp(2, 2, hidden=(8,), seed=5), nets.mlp(2, 1, hidden=(8,), seed=6)
    before = [w.clone() for w in list(G2.parameters()) + list(D2.parameters())]
    with pytest.raises(ValueError, match="flipped.pt"):
        ganlib.Run.load(bad, G2, D2)
    after = list(G2.parameters()) + list(D2.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after))


def test_a_mismatched_network_is_refused_before_anything_is_loaded(tmp_path):
    _, path = _saved_run(tmp_path)
    G2, D2 = nets.mlp(2, 2, hidden=(8,), seed=5), nets.mlp(2, 1, hidden=(16,), seed=6)   # D differs
    g_before = [w.clone() for w in G2.parameters()]
    with pytest.raises(ValueError, match=r"run\.pt.*does not fit D"):
        ganlib.Run.load(path, G2, D2)
    assert all(torch.equal(a, b) for a, b in zip(g_before, G2.parameters()))   # G untouched too
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        ganlib.Run.load(tmp_path / "junk.pt", G2, D2)
    with pytest.raises(FileNotFoundError):
        ganlib.Run.load(tmp_path / "missing.pt", G2, D2)


def test_a_save_error_names_the_target(tmp_path):
    run, _ = _saved_run(tmp_path)
    target = tmp_path / "no-such-folder" / "run.pt"
    with pytest.raises(OSError, match="no-such-folder"):
        run.save(target)


def test_two_runs_with_one_penalty_instance_agree():
    """The penalty's ε comes from the run's seed, not from anything the instance keeps."""
    obj = objectives.WassersteinGP()
    losses = []
    for _ in range(2):
        G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
        run = ganlib.train(G, D, data.ring(), obj, steps=3, batch_size=16, seed=4, progress=False)
        losses.append(run.history["d_loss"])
    assert losses[0] == losses[1]
    fits = [ganlib.fit_discriminator(data.gaussian(0, 1), data.gaussian(1, 1), obj, steps=20,
                                     n_eval=1000, seed=0, progress=False).estimate for _ in range(2)]
    assert fits[0] == fits[1]


@pytest.mark.parametrize("make,kwargs,message", [
    (lambda: (nets.mlp(2, 3, hidden=(8,)), nets.mlp(2, 1, hidden=(8,))), {},
     r"G makes samples of shape \[n, 3\] but the data's samples have shape \[n, 2\]"),
    (lambda: (nets.mlp(2, 2, hidden=(8,)), nets.mlp(3, 1, hidden=(8,))), {},
     r"D cannot score the data's samples of shape \[n, 2\]"),
    (lambda: (nets.mlp(2, 2, hidden=(8,)), nets.mlp(2, 1, hidden=(8,))), {"latent_dim": 5},
     r"G cannot take latent batches of shape \[n, 5\]"),
])
def test_shape_mismatches_are_named_before_training(make, kwargs, message):
    G, D = make()
    with pytest.raises(ValueError, match=message):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=2, progress=False, **kwargs)


def test_a_blow_up_in_the_last_update_is_caught():
    """The losses of the last step are computed before its update; the final snapshot is not."""
    G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)

    def explode_at_the_end(run, step):
        if step == 3:
            with torch.no_grad():
                G[-1].weight.mul_(1e12)                     # finite, but far outside the ring
    with pytest.raises(ganlib.TrainingDiverged, match=r"step 3: max \|G\(z\)\| = .*e\+1\d, over 1000 times"):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, progress=False,
                     hooks=[explode_at_the_end])
    G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)

    def nan_at_the_end(run, step):
        if step == 3:
            with torch.no_grad():
                G[-1].bias.fill_(float("nan"))
    with pytest.raises(ganlib.TrainingDiverged, match=r"step 3: max \|G\(z\)\| = nan"):
        ganlib.train(G, D, data.ring(), objectives.NonSaturating(), steps=3, progress=False,
                     hooks=[nan_at_the_end])


def test_an_unstable_fit_is_never_returned_silently():
    """At lr = 30 the Minimax fit does not converge and reports a "JS" far below 0."""
    with pytest.warns(ganlib.FitWarning) as caught:
        fit = ganlib.fit_discriminator(data.gaussian(0, 1), data.gaussian(1, 1), steps=300, lr=30.0,
                                       n_eval=20_000, restarts=1, progress=False)
    messages = [str(w.message) for w in caught]
    assert any("refitting" in m for m in messages)                    # the restart, announced
    assert any("NOT the divergence" in m for m in messages)           # and the final verdict
    assert fit.estimate < 0 and fit.restarts == 1
    assert any("smaller lr" in m for m in messages)


def test_theory_never_imports_the_objectives_it_checks():
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(ganlib.theory))
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in names if "objectives" in m], names
    # and each objective's D* is theory's formula
    x = np.linspace(-2, 3, 7)
    p, q = data.gaussian(0, 1), data.gaussian(1, 0.5)
    for obj in (objectives.Minimax(), objectives.LeastSquares(0, 1, 1), objectives.FDivergence("kl")):
        np.testing.assert_allclose(ganlib.theory.optimal_discriminator(p, q, obj)(x),
                                   obj.optimal_discriminator(p.pdf(x), q.pdf(x)), rtol=1e-12)
    np.testing.assert_allclose(ganlib.theory.optimal_discriminator(p, q)(x),
                               p.pdf(x) / (p.pdf(x) + q.pdf(x)), rtol=1e-12)


def test_quadrature_reports_lost_accuracy():
    from ganlib.theory.divergences import QuadratureWarning, _integrate
    with pytest.warns(QuadratureWarning, match="error estimate"):
        _integrate(lambda x: np.sin(1 / x) / x, [(1e-6, 1.0)], [])      # wildly oscillating
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _integrate(lambda x: np.exp(-x), [(0.0, np.inf)], []) == pytest.approx(1.0, rel=1e-10)


class _Counting(objectives.NonSaturating):
    """An objective with state across steps (as BEGAN's k_t): the number of D updates seen."""

    def reset(self):
        self.updates = 0

    def after_step(self, D, logs):
        self.updates += 1

    def state_dict(self):
        return {"updates": self.updates}

    def load_state_dict(self, state):
        self.updates = int(state["updates"])


def test_objective_state_is_reset_per_run_and_saved_with_it(tmp_path):
    obj = _Counting()
    for _ in range(2):                                 # a second run starts from zero again
        G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
        run = ganlib.train(G, D, data.ring(), obj, steps=3, n_critic=2, batch_size=8,
                           progress=False)
        assert obj.updates == 6
    path = run.save(tmp_path / "run.pt")
    fresh = _Counting()
    fresh.reset()
    ganlib.Run.load(path, nets.mlp(2, 2, hidden=(8,)), nets.mlp(2, 1, hidden=(8,)), fresh)
    assert fresh.updates == 6
    with pytest.raises(ValueError, match=r"run\.pt.*does not fit"):
        ganlib.Run.load(path, nets.mlp(2, 2, hidden=(8,)), nets.mlp(2, 1, hidden=(8,)),
                        objectives.NonSaturating())          # keeps no state: refused by name


def test_a_nan_in_any_log_is_named_with_its_step():
    class Late(objectives.NonSaturating):
        def d_loss(self, D, batch):
            loss, logs = super().d_loss(D, batch)
            self.calls = getattr(self, "calls", 0) + 1
            return loss, logs | {"probe": loss * (float("nan") if self.calls == 7 else 1.0)}

    G, D = nets.mlp(2, 2, hidden=(8,), seed=0), nets.mlp(2, 1, hidden=(8,), seed=1)
    with pytest.raises(ganlib.TrainingDiverged, match=r"step 7: probe = nan"):
        ganlib.train(G, D, data.ring(), Late(), steps=150, batch_size=8, progress=False)
