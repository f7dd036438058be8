"""Goodfellow et al.'s Proposition 2 made executable: Algorithm 1 in function space.

The proposition updates the *density* p_g, not a network's parameters: at each step the
discriminator is at its optimum D*_G = p_data / (p_data + p_g), and p_g moves so as to
improve the virtual training criterion

    C(p_g) = Σ_x p_data(x) log D*(x) + Σ_x p_g(x) log(1 − D*(x))  =  −log 4 + 2 JS(p_data ‖ p_g).

C = sup_D V(D, p_g) is convex in p_g, and (Danskin) the gradient of V at the optimal D,
∂V/∂p_g(x) = log(1 − D*(x)), is the gradient of C.  On a finite support the simplex keeps
p_g a probability vector under exponentiated-gradient (mirror-descent) steps

    p_g ← p_g · exp(−lr · log(1 − D*)) / normaliser.

Because ∂²C/∂p_g(x)² = p_data / (p_g (p_data + p_g)) ≤ 1 / p_g, C is 1-smooth relative to
the negative entropy, so for ``lr ≤ 1`` every step decreases C and
C(p_k) + log 4 ≤ KL(p_data ‖ p_0) / (lr · k) (Lu, Freund and Nesterov 2018, Theorem 3.1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy   # x · log y with 0 · log 0 = 0

from .._checks import check_positive, check_positive_int

__all__ = ["discrete_criterion", "discrete_js", "function_space_descent", "FunctionSpaceRun"]

_TOL = 1e-9


def _probability_vector(v, name, size=None):
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of probabilities, got {type(v).__name__}") from None
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D array with at least 2 entries, got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} must have the shape of p_data, ({size},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)][0]}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got the entry {arr.min()}")
    total = arr.sum()
    if abs(total - 1.0) > _TOL * arr.size:
        raise ValueError(f"{name} must sum to 1 (a probability vector), got a sum of {total!r}")
    return arr / total


def _criterion(p_d, p_g):
    m = p_d + p_g
    return float(np.sum(xlogy(p_d, np.where(m > 0, p_d / np.where(m > 0, m, 1), 1.0)))
                 + np.sum(xlogy(p_g, np.where(m > 0, p_g / np.where(m > 0, m, 1), 1.0))))


def discrete_criterion(p_data, p_g):
    """C(p_g) = Σ p_data log D* + Σ p_g log(1 − D*) with D* = p_data / (p_data + p_g), for two
    probability vectors on the same finite support (0 · log 0 = 0; D* is not needed where both
    are zero).  Equals −log 4 + 2 JS(p_data ‖ p_g)."""
    p_d = _probability_vector(p_data, "p_data")
    return _criterion(p_d, _probability_vector(p_g, "p_g", p_d.size))


def discrete_js(p_data, p_g):
    """JS(p_data ‖ p_g) = ½ KL(p_data ‖ m) + ½ KL(p_g ‖ m), m = ½(p_data + p_g), in nats."""
    p_d = _probability_vector(p_data, "p_data")
    return _js(p_d, _probability_vector(p_g, "p_g", p_d.size))


def _js(p_d, p_g):
    m = (p_d + p_g) / 2
    safe = np.where(m > 0, m, 1.0)
    return float(0.5 * np.sum(xlogy(p_d, np.where(p_d > 0, p_d / safe, 1.0)))
                 + 0.5 * np.sum(xlogy(p_g, np.where(p_g > 0, p_g / safe, 1.0))))


@dataclass(frozen=True)
class FunctionSpaceRun:
    """The iterates of :func:`function_space_descent`: ``p_g[k]`` is the density after k
    steps (``p_g[0]`` the start), ``criterion[k]`` = C(p_g[k]), ``js[k]`` = JS(p_data ‖ p_g[k]),
    ``d_star[k]`` the optimal discriminator the k-th step was taken against."""
    p_data: np.ndarray
    p_g: np.ndarray
    criterion: np.ndarray
    js: np.ndarray
    d_star: np.ndarray
    lr: float

    @property
    def steps(self):
        return len(self.p_g) - 1


def function_space_descent(p_data, p_g, steps=100, lr=1.0):
    """Algorithm 1 of Goodfellow et al. (2014) in function space, as in their Proposition 2:
    at every step D is the optimal D*_G = p_data / (p_data + p_g), and p_g takes one
    exponentiated-gradient step on the simplex along the gradient of V at that D,
    ``log(1 − D*(x))``:  p_g ← p_g · (1 − D*)^(−lr), renormalised.

    ``p_data`` and ``p_g`` are probability vectors on the same finite support; ``p_g`` must be
    positive wherever ``p_data`` is (a multiplicative update cannot create mass from zero).
    With ``lr ≤ 1`` each step decreases C (C is 1-smooth relative to the entropy).
    Returns a :class:`FunctionSpaceRun` with ``steps + 1`` iterates."""
    p_d = _probability_vector(p_data, "p_data")
    q = _probability_vector(p_g, "p_g", p_d.size)
    steps = check_positive_int(steps, "steps")
    lr = check_positive(lr, "lr")
    if np.any((p_d > 0) & (q <= 0)):
        i = int(np.flatnonzero((p_d > 0) & (q <= 0))[0])
        raise ValueError(f"p_g must be positive wherever p_data is (entry {i}: p_data = "
                         f"{p_d[i]}, p_g = 0): the update multiplies p_g and cannot grow a zero")
    iterates, crit, js, dstars = [q], [_criterion(p_d, q)], [_js(p_d, q)], []
    for _ in range(steps):
        m = p_d + q
        d_star = np.where(m > 0, p_d / np.where(m > 0, m, 1.0), 0.0)
        # log-space update: log q - lr * log(1 - D*) = log q - lr * (log q - log m)
        with np.errstate(divide="ignore"):
            logq = np.log(q)
            logm = np.log(m)
        new = np.full_like(q, -np.inf)
        live = q > 0
        new[live] = logq[live] - lr * (logq[live] - logm[live])
        new = np.exp(new - new[live].max())
        q = new / new.sum()
        iterates.append(q)
        crit.append(_criterion(p_d, q))
        js.append(_js(p_d, q))
        dstars.append(d_star)
    return FunctionSpaceRun(p_data=p_d, p_g=np.array(iterates), criterion=np.array(crit),
                            js=np.array(js), d_star=np.array(dstars), lr=lr)
