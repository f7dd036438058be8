"""Reading a study: the budget curve against its exact expectation, the best setting, and a small
study on digits with every field that the chapter reads."""
import math

import numpy as np
import pytest

from ganlib import study


def _study(values, model="m"):
    """A study with one seed per setting and the given FIDs (None: diverged)."""
    return {"results": [{"index": i, "model": model, "seeds": [
        {"seed": 0, "diverged": "x"} if v is None else {"seed": 0, "fid": v}]}
        for i, v in enumerate(values)]}


def test_budget_curve_is_the_expected_best_of_b_runs_drawn_without_replacement():
    values = [5.0, 1.0, 4.0, 2.0, 3.0, 7.0]
    budgets, mean, low, high = study.budget_curve(_study(values), "m", n_boot=40000, seed=1)
    v, n = sorted(values), len(values)
    # P(the best of b draws is the i-th smallest) = C(n − i, b − 1) / C(n, b), i = 1 … n
    exact = [sum(v[i - 1] * math.comb(n - i, b - 1) / math.comb(n, b) for i in range(1, n + 1))
             for b in budgets]
    np.testing.assert_allclose(mean, exact, atol=0.03)
    assert mean[-1] == 1.0 and low[-1] == high[-1] == 1.0
    assert low[0] == 1.0 and high[0] == 7.0 and np.all(np.diff(mean) <= 0)


def test_a_diverged_run_spends_budget_and_finds_nothing():
    budgets, mean, low, high = study.budget_curve(_study([None, 2.0]), "m", n_boot=4000)
    assert np.isinf(high[0]) and mean[1] == 2.0
    with pytest.raises(ValueError, match="model"):
        study.budget_curve(_study([1.0]), "other")


def test_best_setting_passes_over_settings_with_a_diverged_seed():
    s = {"results": [
        {"index": 0, "model": "m", "seeds": [{"seed": 0, "fid": 1.0}, {"seed": 1, "diverged": "x"}]},
        {"index": 1, "model": "m", "seeds": [{"seed": 0, "fid": 3.0}, {"seed": 1, "fid": 5.0}]},
        {"index": 2, "model": "m", "seeds": [{"seed": 0, "fid": 2.0}, {"seed": 1, "fid": 7.0}]}]}
    r, vals = study.best_setting(s, "m")
    assert r["index"] == 1 and vals == [3.0, 5.0]
    assert study.best_setting(s, "n") is None
    assert study.table(s, "fid")[1] == ("m", 0, 1, None)


def test_a_small_study_on_digits_records_what_made_it(tmp_path):
    out = tmp_path / "s.json"
    s = study.run(study.settings(["nonsaturating", "vae"], trials=1, seed=3), out=str(out),
                  progress=False, distributed_mode=False, search_seed=3, data="digits", seeds=(0, 1),
                  steps=5, hidden=16, latent_dim=4, n_eval=200)
    assert s["search_seed"] == 3 and s["options"]["data"] == "digits" and s["options"]["n_eval"] == 200
    assert s["code"] is None or len(s["code"].split("+")[0]) == 40
    keys = {"fid", "precision", "recall", "density", "coverage", "class_score"}
    assert set(s["reference"]) == keys and s["reference"]["fid"] < 5
    for r in s["results"]:
        assert [x["seed"] for x in r["seeds"]] == [0, 1]
        for x in r["seeds"]:
            assert "diverged" in x or (set(x) == keys | {"seed"} and x["fid"] > s["reference"]["fid"])
    with pytest.raises(ValueError, match="VAE is for images"):
        study.run_setting({"model": "vae", "lr": 1e-3}, data="ring", steps=2)


def test_resume_keeps_what_is_done_and_runs_the_rest(tmp_path, monkeypatch):
    out = str(tmp_path / "s.json")
    opts = dict(progress=False, distributed_mode=False, data="grid", seeds=(0,), steps=3, hidden=8)
    first = study.run(study.settings(["nonsaturating"], trials=2, seed=5), out=out, **opts)
    calls = []
    real = study.run_setting
    monkeypatch.setattr(study, "run_setting", lambda s, **kw: calls.append(s["index"]) or real(s, **kw))
    more = study.settings(["nonsaturating", "ebgan"], trials=2, seed=5)   # the same two first
    both = study.run(more, out=out, resume=True, **opts)
    assert calls == [2, 3]
    assert both["results"][:2] == first["results"] and [r["model"] for r in both["results"]] == [
        "nonsaturating", "nonsaturating", "ebgan", "ebgan"]
    with pytest.raises(ValueError, match="out: .* options"):
        study.run(more, out=out, resume=True, **(opts | {"steps": 4}))
    calls.clear()
    study.run(study.settings(["nonsaturating"], trials=2, seed=6), out=out, resume=True, **opts)
    assert calls == [0, 1]                       # other settings at the same index: run again


@pytest.mark.parametrize("model", ["loss-sensitive", "ebgan", "began"])
def test_every_objective_of_the_book_runs_in_the_study(model):
    s = study.settings([model], trials=1, seed=0)[0]
    for data in ("ring", "digits"):
        r = study.run_setting(s, data=data, seeds=(0, 1), steps=3, hidden=8, latent_dim=4, n_eval=50)
        assert [x["seed"] for x in r] == [0, 1]


def test_triangles_are_measured_by_exact_precision_and_recall():
    keys = {"fd_pixels", "precision", "recall", "median_distance", "median_recall_distance"}
    deltas = {f"{n}@{d:g}" for n in ("precision", "recall") for d in study.TRIANGLE_DELTAS}
    for model in ("nonsaturating", "vae"):
        s = study.settings([model], trials=1, seed=0)[0]
        (r,) = study.run_setting(s, data="triangles", seeds=(0,), steps=2, hidden=8, latent_dim=4, n_eval=20)
        assert set(r) == keys | deltas | {"seed"}
        assert r["precision"] == r["precision@4"] and 0 <= r["recall"] <= 1
    real = study.measure(study.target("triangles").images[:20], "triangles")
    assert real["precision"] == 1.0 and "recall" not in real        # recall needs a generator
