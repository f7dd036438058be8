"""Optimal transport: exact W1 between discrete distributions (primal and dual linear programs)
and Lipschitz extensions of a critic known on points."""
from __future__ import annotations

import math

import numpy as np

from .._checks import check_positive

__all__ = ["w1_primal", "w1_dual", "lipschitz_extension", "LipschitzExtension"]


# --------------------------------------------------------------------------- optimal transport
def _points(x, name):
    """Samples as a float array [n, d] (a 1-D array is n points on the line)."""
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers") from None
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [n] or [n, d], got {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    return x


def _weights(w, n, name, points):
    """Weights of n points: uniform 1/n by default; otherwise non-negative, summing to 1."""
    if w is None:
        return np.full(n, 1.0 / n), True
    w = np.asarray(w, dtype=float).ravel()
    if w.shape != (n,):
        raise ValueError(f"{name} must hold one weight per point of {points} ({n}), got {w.shape}")
    if not np.isfinite(w).all() or np.any(w < 0) or not math.isclose(w.sum(), 1.0, rel_tol=1e-9):
        raise ValueError(f"{name} must be non-negative weights that sum to 1")
    return w, False


def _discrete(x, y, a, b):
    x, y = _points(x, "x"), _points(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be points of the same dimension, got shapes {x.shape} "
                         f"and {y.shape}")
    (a, a_uniform), (b, b_uniform) = _weights(a, len(x), "a", "x"), _weights(b, len(y), "b", "y")
    return x, y, a, b, a_uniform and b_uniform and len(x) == len(y)


def w1_primal(x, y, *, a=None, b=None):
    """Exact W1 between the discrete distributions Σ a_i δ(x_i) and Σ b_j δ(y_j) in R^d
    (Euclidean cost): the optimal-transport linear program min_γ Σ γ_ij ‖x_i − y_j‖ over the
    couplings γ of a and b.  Points are arrays [n] (on the line) or [n, d]; the weights default
    to 1/n each.  For two uniform sets of equal size an optimal coupling can be taken to be a
    permutation (Birkhoff), so the program is an assignment problem (scipy's
    ``linear_sum_assignment``), which handles thousands of points; otherwise scipy's ``linprog``
    (HiGHS) solves it.  Returns ``(value, plan)``, ``plan[i, j]`` the mass moved from x_i to
    y_j; for two uniform sets of equal size, ``plan.argmax(1)`` is the optimal pairing."""
    x, y, a, b, assignment = _discrete(x, y, a, b)
    cost = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1)
    n, m = cost.shape
    if assignment:
        from scipy.optimize import linear_sum_assignment
        rows, cols = linear_sum_assignment(cost)
        plan = np.zeros((n, m))
        plan[rows, cols] = 1.0 / n
        return float(cost[rows, cols].mean()), plan
    from scipy.optimize import linprog
    A = np.vstack([np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))])
    res = linprog(cost.ravel(), A_eq=A, b_eq=np.concatenate([a, b]), bounds=(0, None),
                  method="highs")
    if not res.success:  # pragma: no cover - a feasible bounded LP always solves
        raise RuntimeError(res.message)
    return float(res.fun), res.x.reshape(n, m)


def w1_dual(x, y, *, a=None, b=None):
    """The Kantorovich–Rubinstein side of :func:`w1_primal`: W1 = max Σ a_i f(x_i) − Σ b_j f(y_j)
    over the functions f that are 1-Lipschitz on the points, a linear program (scipy
    ``linprog``, HiGHS) with one constraint f(p) − f(p') ≤ ‖p − p'‖ per ordered pair of points.
    Returns ``(value, f_x, f_y)``, f at the points of x and of y (defined up to a constant:
    f(x_0) = 0); extend f to the whole space with :func:`lipschitz_extension`."""
    from scipy.optimize import linprog
    x, y, a, b, _ = _discrete(x, y, a, b)
    pts, n = np.vstack([x, y]), len(x)
    k = len(pts)
    dist = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=-1)
    i, j = np.nonzero(~np.eye(k, dtype=bool))
    A = np.zeros((len(i), k))
    A[np.arange(len(i)), i], A[np.arange(len(i)), j] = 1.0, -1.0     # f_i − f_j ≤ ‖p_i − p_j‖
    c = -np.concatenate([a, -b])                                     # maximise Σ a f(x) − Σ b f(y)
    bounds = [(0, 0)] + [(None, None)] * (k - 1)
    res = linprog(c, A_ub=A, b_ub=dist[i, j], bounds=bounds, method="highs")
    if not res.success:  # pragma: no cover - bounded and feasible
        raise RuntimeError(res.message)
    return float(-res.fun), res.x[:n], res.x[n:]


class LipschitzExtension:
    """f(u) = min_i (values_i + k·‖u − points_i‖): the largest k-Lipschitz function that takes
    ``values`` at ``points`` (McShane–Whitney); ``lower(u)`` = max_i (values_i − k·‖u − points_i‖)
    is the smallest.  The norm is Euclidean (``ord=2``) or L1 (``ord=1``).  ``grad(u)`` is the
    gradient of f, defined wherever the minimum is attained by one point that u does not
    coincide with."""

    def __init__(self, points, values, k, ord=2):
        self.points, self.values, self.k, self.ord = points, values, k, ord

    def _diffs(self, u):
        u = np.asarray(u, float).reshape(-1, self.points.shape[1])
        diff = u[:, None, :] - self.points[None, :, :]
        return diff, np.linalg.norm(diff, ord=self.ord, axis=-1)

    def __call__(self, u):
        _, d = self._diffs(u)
        return (self.values[None, :] + self.k * d).min(axis=1)

    def lower(self, u):
        _, d = self._diffs(u)
        return (self.values[None, :] - self.k * d).max(axis=1)

    def grad(self, u):
        diff, d = self._diffs(u)
        i = (self.values[None, :] + self.k * d).argmin(axis=1)
        diff = diff[np.arange(len(i)), i]
        if self.ord == 1:
            return self.k * np.sign(diff)
        return self.k * diff / np.maximum(np.linalg.norm(diff, axis=1, keepdims=True), 1e-300)


def lipschitz_extension(points, values, k=1.0, ord=2):
    """Extend ``values`` given at ``points`` ([n, d] or [n]) to a k-Lipschitz function on R^d
    (see :class:`LipschitzExtension`), for the Euclidean (``ord=2``) or L1 (``ord=1``) norm.
    The values must be k-Lipschitz on the points."""
    points = np.asarray(points, float)
    points = points[:, None] if points.ndim == 1 else points
    values = np.asarray(values, float).ravel()
    if points.ndim != 2 or len(points) != len(values) or len(values) == 0:
        raise ValueError(f"points ([n, d]) and values ([n]) must match, got {points.shape} "
                         f"and {values.shape}")
    k = check_positive(k, "k")
    if ord not in (1, 2):
        raise ValueError(f"ord must be 1 or 2, got {ord!r}")
    gaps = np.abs(values[:, None] - values[None, :])
    dist = np.linalg.norm(points[:, None, :] - points[None, :, :], ord=ord, axis=-1)
    if np.any(gaps > k * dist + 1e-9 * (1 + np.abs(values).max())):
        raise ValueError(f"values are not {k:g}-Lipschitz on the points: no such extension")
    return LipschitzExtension(points, values, k, ord)


