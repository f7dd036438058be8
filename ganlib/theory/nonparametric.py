"""The Loss-Sensitive GAN's optimal loss over all Lipschitz functions, as a linear program."""
from __future__ import annotations

import math

import numpy as np

from .transport import LipschitzExtension, _points

__all__ = ["ls_gan_nonparametric", "NonparametricLoss"]


# --------------------------------------------------------------------------- LS-GAN
def _l1(a, b):
    """Δ(a, b) = ‖a − b‖₁ for every pair: rows of ``a`` against rows of ``b``."""
    return np.abs(a[:, None, :] - b[None, :, :]).sum(-1)


class NonparametricLoss:
    """The LS-GAN loss function that is optimal over *all* κ-Lipschitz losses L ≥ 0, known
    at the sample points (``l_real``, ``l_fake``), and the envelope of every κ-Lipschitz
    L ≥ 0 with those values: ``lower(x) = max_i (l_i − κΔ(x, x_i))₊`` and
    ``upper(x) = min_i (l_i + κΔ(x, x_i))`` (the McShane–Whitney extensions; both are
    themselves optimal).  Δ is the L1 distance.  Made by :func:`ls_gan_nonparametric`."""

    def __init__(self, real, fake, l_real, l_fake, objective, lam, kappa, cost):
        self.real, self.fake = real, fake
        self.l_real, self.l_fake = l_real, l_fake
        self.objective, self.lam, self.kappa, self.cost = objective, lam, kappa, cost

    @property
    def points(self):
        return np.concatenate([self.real, self.fake])

    @property
    def values(self):
        return np.concatenate([self.l_real, self.l_fake])

    def _extension(self, x):
        x = _points(x, "x")
        if x.shape[1] != self.real.shape[1]:
            raise ValueError(f"x must have {self.real.shape[1]} coordinate(s) per point, "
                             f"got {x.shape[1]}")
        return LipschitzExtension(self.points, self.values, self.kappa, ord=1), x

    def lower(self, x):
        """The smallest κ-Lipschitz L ≥ 0 taking the optimal values at the samples."""
        ext, x = self._extension(x)
        return np.maximum(ext.lower(x), 0.0)

    def upper(self, x):
        """The largest κ-Lipschitz L taking the optimal values at the samples."""
        ext, x = self._extension(x)
        return ext(x)

    def __repr__(self):
        return (f"NonparametricLoss(n_real={len(self.real)}, n_fake={len(self.fake)}, "
                f"lam={self.lam:g}, kappa={self.kappa:g}, cost={self.cost!r}, "
                f"objective={self.objective:.6g})")


def ls_gan_nonparametric(real, fake, lam, kappa=1.0, cost="hinge"):
    """Qi (2017), the non-parametric LS-GAN: the optimal loss over all κ-Lipschitz L ≥ 0,
    as a linear program on the samples (scipy ``linprog``, HiGHS).

    With Δ(x, z) = ‖x − z‖₁ and every real sample ``real[i]`` paired with every generated
    sample ``fake[j]`` (the empirical version of the expectation over independent x and z),
    the loss values l at the n + m sample points minimise

        (1/λ)·(1/n) Σ_i l(x_i) + (1/(n m)) Σ_ij C(Δ(x_i, z_j) + l(x_i) − l(z_j)),

    subject to l ≥ 0 and |l(a) − l(b)| ≤ κ·Δ(a, b) for all sample points a, b.  This is the
    paper's S = E L(x) + λ·E C(·) divided by λ, the weighting γ = 1/λ of the author's code
    (``objectives.LossSensitive(gamma=...)``); ``lam=math.inf`` drops the first term.
    ``cost="hinge"`` is LS-GAN's C(a) = (a)₊ (slack variables ξ_ij ≥ 0); ``cost="linear"`` is
    the generalised LS-GAN's C(a) = a, for which, with ``lam=math.inf``, the optimum is
    E Δ − κ·W1 (Kantorovich–Rubinstein).  ``real`` and ``fake`` are arrays [n] (points on the
    line) or [n, d].  On the line only neighbouring points need a Lipschitz constraint;
    in d > 1 every pair gets one.  Returns a :class:`NonparametricLoss`.
    """
    import numbers

    from scipy import sparse
    from scipy.optimize import linprog
    real, fake = _points(real, "real"), _points(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake must have the same number of coordinates, got "
                         f"{real.shape[1]} and {fake.shape[1]}")
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real):
        raise TypeError(f"lam must be a real number, got {type(lam).__name__} {lam!r}")
    lam = float(lam)
    if not lam > 0:
        raise ValueError(f"lam must be positive (math.inf allowed), got {lam}")
    if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real):
        raise TypeError(f"kappa must be a real number, got {type(kappa).__name__} {kappa!r}")
    kappa = float(kappa)
    if not (math.isfinite(kappa) and kappa > 0):
        raise ValueError(f"kappa must be positive and finite, got {kappa}")
    if cost not in ("hinge", "linear"):
        raise ValueError(f"cost must be 'hinge' or 'linear', got {cost!r}")

    n, m = len(real), len(fake)
    k = n + m
    pts = np.concatenate([real, fake])
    delta = _l1(real, fake)                                   # [n, m]
    gamma = 0.0 if math.isinf(lam) else 1.0 / lam
    # Lipschitz rows: l_a − l_b ≤ κΔ(a, b) and l_b − l_a ≤ κΔ(a, b)
    if pts.shape[1] == 1:
        order = np.argsort(pts[:, 0], kind="stable")
        a, b = order[:-1], order[1:]
    else:
        a, b = np.triu_indices(k, 1)
    gaps = kappa * np.abs(pts[a] - pts[b]).sum(1)
    n_lip = len(a)
    rows = np.repeat(np.arange(2 * n_lip), 2)
    cols = np.stack([np.concatenate([a, b]), np.concatenate([b, a])], 1).ravel()
    vals = np.tile([1.0, -1.0], 2 * n_lip)
    i, j = np.divmod(np.arange(n * m), m)
    if cost == "hinge":
        # variables [l (k), ξ (n m)]; l_i − l_{n+j} − ξ_ij ≤ −Δ_ij
        r = 2 * n_lip + np.arange(n * m)
        rows = np.concatenate([rows, r, r, r])
        cols = np.concatenate([cols, i, n + j, k + np.arange(n * m)])
        vals = np.concatenate([vals, np.ones(n * m), -np.ones(n * m), -np.ones(n * m)])
        c = np.concatenate([np.full(n, gamma / n), np.zeros(m), np.full(n * m, 1.0 / (n * m))])
        b_ub = np.concatenate([gaps, gaps, -delta.ravel()])
        shape, constant = (2 * n_lip + n * m, k + n * m), 0.0
    else:
        # C(a) = a: the mean of Δ + l(x_i) − l(z_j) is E Δ + E l(x) − E l(z), no slack needed
        c = np.concatenate([np.full(n, (gamma + 1.0) / n), np.full(m, -1.0 / m)])
        b_ub = np.concatenate([gaps, gaps])
        shape, constant = (2 * n_lip, k), float(delta.mean())
    A = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    res = linprog(c, A_ub=A, b_ub=b_ub, bounds=(0, None), method="highs",
                  options=dict(primal_feasibility_tolerance=1e-10,
                               dual_feasibility_tolerance=1e-10))
    if not res.success:  # pragma: no cover - the LP is feasible (l = ξ = large) and bounded
        raise RuntimeError(f"linprog failed: {res.message}")
    values = res.x[:k]
    return NonparametricLoss(real, fake, values[:n].copy(), values[n:].copy(),
                             float(res.fun) + constant, lam, kappa, cost)

