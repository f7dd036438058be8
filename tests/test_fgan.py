"""f-divergences: conjugates by sympy against the paper's table, closed forms, FDivergence."""
import math

import numpy as np
import pytest
import sympy as sp
import torch

import hand
from ganlib import data, objectives, theory

u, t, v = sp.symbols("u t v", real=True)
NAMES = sorted(theory.F_GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_matches_paper_table_inside_domain(name):
    f = theory.f_generator(name)
    (uu,) = f.free_symbols
    fstar = theory.fenchel_conjugate(f.subs(uu, u), u, t)
    inside = fstar.args[0][0] if isinstance(fstar, sp.Piecewise) else fstar
    paper = theory.PAPER_CONJUGATES[name].subs(sp.Symbol("t", real=True), t)
    dom = theory.conjugate_domain(f, uu)
    # compare at points inside the domain, exactly where sympy can, numerically always
    lo = float(dom.start) if dom.start.is_finite else -4.0
    hi = float(dom.end) if dom.end.is_finite else 4.0
    for x in np.linspace(lo, hi, 9)[1:-1]:
        assert float(inside.subs(t, x)) == pytest.approx(float(paper.subs(t, x)), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_a_supremum_numerically(name):
    """f*(t) ≥ t·u − f(u) for all u > 0, with equality at u = (f')^{-1}(t)."""
    f = theory.f_generator(name)
    (uu,) = f.free_symbols
    fstar = theory.fenchel_conjugate(f.subs(uu, u), u, t)
    f_np = sp.lambdify(uu, f, "numpy")
    grid = np.exp(np.linspace(-12, 12, 20001))
    dom = theory.conjugate_domain(f, uu)
    lo = float(dom.start) if dom.start.is_finite else -3.0
    hi = float(dom.end) if dom.end.is_finite else 3.0
    for x in np.linspace(lo, hi, 7)[1:-1]:
        sup = np.max(x * grid - f_np(grid))
        assert float(fstar.subs(t, x)) == pytest.approx(sup, rel=1e-4, abs=1e-6)


def test_conjugate_outside_the_range_of_f_prime():
    f = (u - 1) ** 2                      # f' ranges over (−2, ∞) for u > 0
    fstar = theory.fenchel_conjugate(f, u, t)
    assert fstar.subs(t, -3) == -1        # sup_{u>0} (−3u − (u−1)²) = −f(0+) = −1
    assert fstar.subs(t, 2) == 3          # t²/4 + t inside
    assert theory.fenchel_conjugate(-sp.log(u), u, t).subs(t, 1) == sp.oo


def test_conjugate_bad_input():
    with pytest.raises(TypeError, match="sympy expression"):
        theory.fenchel_conjugate(lambda x: x, u, t)


@pytest.mark.parametrize("name", NAMES)
def test_output_activation_and_conjugate_torch_forms(name):
    """The stable torch forms equal g_f(v) and f*(g_f(v)) from the sympy tables."""
    obj = objectives.FDivergence(name)
    g = theory.OUTPUT_ACTIVATIONS[name]
    fs = theory.PAPER_CONJUGATES[name]
    vs = torch.linspace(-3, 3, 13, dtype=torch.float64)
    for val in vs:
        gv = g.subs(sp.Symbol("v", real=True), float(val))
        assert float(obj.d_value(val)) == pytest.approx(float(gv), rel=1e-9, abs=1e-12)
        assert float(obj._fstar_T(val)) == pytest.approx(float(fs.subs(sp.Symbol("t", real=True), gv)),
                                                        rel=1e-9, abs=1e-12)


def test_f_divergences_against_closed_forms():
    p, q = data.gaussian(0, 1), data.gaussian(0.6, 1)
    d = 0.6
    closed = {
        "kl": d**2 / 2,
        "reverse_kl": d**2 / 2,
        "pearson": math.exp(d**2) - 1,
        "neyman": math.exp(d**2) - 1,
        "hellinger": 2 * (1 - math.exp(-d**2 / 8)),       # ∫(√p − √q)² = 2(1 − BC)
        "js": 2 * theory.js(p, q),
        "gan": 2 * theory.js(p, q) - math.log(4),
    }
    for name, ref in closed.items():
        assert theory.f_divergence(p, q, theory.f_generator(name)) == pytest.approx(ref, rel=1e-7), name


def test_f_divergence_neyman_heavy_tail_not_infinite():
    p, q = data.gaussian(0, 1), data.gaussian(0.7, 1.2)
    # Neyman χ²(P‖Q) = Pearson χ²(Q‖P), finite here
    assert theory.f_divergence(p, q, theory.f_generator("neyman")) == pytest.approx(
        theory.pearson_chi2(q, p), rel=1e-8)


@pytest.mark.training_outcome
@pytest.mark.parametrize("name", NAMES)
def test_fdivergence_fit_recovers_divergence(name):
    # robust over seeds and numeric paths: the worst relative error over 10 seeds × 3 paths
    # (scripts/outcome_margins.py) was 0.042 (Pearson), so 0.08 leaves a margin of about 2
    import outcome_cases
    assert outcome_cases.fdivergence_fit(name, seed=0)["rel_err"] <= 0.08


def test_fdivergence_hand_values():
    obj = objectives.FDivergence("kl")
    vr, vf = torch.tensor([1.0, 2.0]), torch.tensor([0.0])
    # E_P[v] − E_Q[exp(v − 1)] = 1.5 − e^{-1}
    d_loss, logs, g_loss = hand.on_scores(obj, vr, vf)
    assert logs["D_f"] == pytest.approx(1.5 - math.exp(-1))
    assert d_loss == pytest.approx(-(1.5 - math.exp(-1)))
    assert g_loss == pytest.approx(-math.exp(-1))
    alt = objectives.FDivergence("kl", generator_loss="alternative")
    assert float(hand.g_loss(alt, torch.tensor([0.5]))) == pytest.approx(-0.5)


def test_fdivergence_gan_matches_minimax():
    """The "gan" f-divergence is the original GAN: F = V(D, G) with D = sigmoid(v)."""
    vr, vf = torch.randn(50), torch.randn(40)
    assert hand.on_scores(objectives.FDivergence("gan"), vr, vf)[1]["D_f"] == pytest.approx(
        hand.on_scores(objectives.Minimax(), vr, vf)[1]["V"], rel=1e-6)


def test_fdivergence_bad_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"name must be one of \['gan', 'hellinger', 'js', 'kl', "
                                         r"'neyman', 'pearson', 'reverse_kl'\]"):
        objectives.FDivergence("wasserstein")
    with pytest.raises(ValueError, match="generator_loss"):
        objectives.FDivergence("kl", generator_loss="other")
    with pytest.raises(ValueError, match="name must be one of"):
        theory.f_generator("tv")
