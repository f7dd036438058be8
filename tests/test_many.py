"""train_many: K models at once, each equal to a single train with its seed and settings."""
import numpy as np
import pytest
import torch
from torch import nn

import ganlib
from ganlib import data, nets, objectives


def _nets(k, width=16):
    G = [nets.mlp(2, 2, hidden=(width, width), seed=10 + i) for i in range(k)]
    D = [nets.mlp(2, 1, hidden=(width, width), seed=20 + i) for i in range(k)]
    return G, D


CASES = {
    "non-saturating, adam": (objectives.NonSaturating(), dict(lr_g=[1e-3, 2e-3, 5e-4], lr_d=1e-3)),
    "wgan-gp": (objectives.WassersteinGP(), dict(lr_g=1e-3, lr_d=[1e-3, 5e-4, 2e-3], betas=(0.0, 0.9))),
    "wgan clip, rmsprop": (objectives.Wasserstein(clip=0.05), dict(optimizer="rmsprop", lr_g=5e-4,
                                                                     lr_d=5e-4)),
    "lsgan, sgd": (objectives.LeastSquares(), dict(optimizer="sgd", lr_g=[0.05, 0.02, 0.01],
                                                   lr_d=0.05)),
    "loss-sensitive": (objectives.LossSensitive(), dict(lr_g=1e-3, lr_d=1e-3)),
    "linear decay": (objectives.NonSaturating(), dict(lr_g=[1e-2, 5e-3, 2e-3], lr_d=1e-2,
                                                      lr_schedule=ganlib.linear_decay(0.1))),
}


@pytest.mark.parametrize("case", CASES)
def test_member_k_equals_a_single_train(case):
    obj, kw = CASES[case]
    seeds = [3, 0, 7]
    G, D = _nets(3)
    G0, D0 = _nets(3)
    runs = ganlib.train_many(G, D, data.ring(), obj, seeds=seeds, steps=25, batch_size=32,
                             snapshot_every=10, n_snapshot=100, progress=False, device="cpu", **kw)
    for i, seed in enumerate(seeds):
        single_kw = {key: (v[i] if isinstance(v, list) else v) for key, v in kw.items()}
        if single_kw.pop("lr_schedule", None) is not None:       # the same schedule as a hook
            single_kw["hooks"] = [ganlib.linear_lr_decay(0.1)]
        one = ganlib.train(G0[i], D0[i], data.ring(), obj, seed=seed, steps=25, batch_size=32,
                           snapshot_every=10, n_snapshot=100, progress=False, device="cpu",
                           **single_kw)
        assert set(runs[i].history) == set(one.history)
        for key in one.history:
            np.testing.assert_allclose(runs[i].history[key], one.history[key], rtol=1e-4,
                                       atol=1e-5, err_msg=f"{case}, member {i}, {key}")
        for (s1, x1), (s2, x2) in zip(runs[i].snapshots, one.snapshots):
            assert s1 == s2
            torch.testing.assert_close(x1, x2, rtol=1e-4, atol=1e-5)
        for p1, p2 in zip(G[i].parameters(), G0[i].parameters()):
            torch.testing.assert_close(p1, p2, rtol=1e-4, atol=1e-5)
        for p1, p2 in zip(D[i].parameters(), D0[i].parameters()):
            torch.testing.assert_close(p1, p2, rtol=1e-4, atol=1e-5)
        assert runs[i].config["seed"] == seed and runs[i].steps_done == 25


def test_members_differ_and_any_module_runs_through_functional_call():
    class Wrapped(nn.Module):                       # not a Sequential: the functional_call path
        def __init__(self, seed):
            super().__init__()
            self.body = nets.mlp(2, 1, hidden=(8,), seed=seed)

        def forward(self, x):
            return self.body(x)

    G = [nets.mlp(2, 2, hidden=(8,), seed=i) for i in range(2)]
    D = [Wrapped(5 + i) for i in range(2)]
    runs = ganlib.train_many(G, D, data.ring(), objectives.NonSaturating(), seeds=[0, 1],
                             steps=5, batch_size=16, progress=False)
    assert runs[0].history["d_loss"] != runs[1].history["d_loss"]
    assert all(r.steps_done == 5 for r in runs)


@pytest.mark.parametrize("kwargs,exc,message", [
    (dict(seeds=[0, 1, 2]), ValueError, "one network per seed"),
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(seeds=[0, 1], lr_g=[1e-3]), ValueError, "lr_g"),
    (dict(seeds=[0, 1], optimizer="adamw"), ValueError, "optimizer"),
])
def test_bad_arguments_are_named(kwargs, exc, message):
    G, D = _nets(2)
    with pytest.raises(exc, match=message):
        ganlib.train_many(G, D, data.ring(), objectives.NonSaturating(), steps=2, progress=False,
                          **kwargs)


def test_batch_norm_and_mixed_architectures_are_refused():
    G, D = _nets(2)
    with pytest.raises(ValueError, match="batch norm"):
        ganlib.train_many(G, [nets.mlp(2, 1, hidden=(8,), batch_norm=True) for _ in range(2)],
                          data.ring(), objectives.NonSaturating(), seeds=[0, 1], steps=2)
    with pytest.raises(ValueError, match="one architecture"):
        ganlib.train_many(G, [nets.mlp(2, 1, hidden=(8,)), nets.mlp(2, 1, hidden=(9,))],
                          data.ring(), objectives.NonSaturating(), seeds=[0, 1], steps=2)


def test_a_diverging_member_is_named():
    G, D = _nets(2)
    with pytest.raises(ganlib.TrainingDiverged, match=r"member \d, seed \d"):
        ganlib.train_many(G, D, data.ring(), objectives.NonSaturating(), seeds=[0, 1], steps=50,
                          optimizer="sgd", lr_g=1e12, lr_d=1e12, progress=False)
