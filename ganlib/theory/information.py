"""Mutual information for discrete codes and observations, and InfoGAN's variational lower bound
L_I (Chen et al. 2016), exactly: the truths the InfoGAN chapter checks a learned Q against.
For a code c that picks the component of a 1-D mixture, the information I(c; x) and the
posterior P(c | x) come from the densities, by quadrature."""
from __future__ import annotations

import numpy as np
from scipy import special
from scipy.special import xlogy

__all__ = ["code_posterior", "mutual_information", "infogan_bound", "mixture_posterior",
           "mixture_information"]


def _check(p_c, p_x_given_c):
    p_c = np.asarray(p_c, dtype=float)
    table = np.asarray(p_x_given_c, dtype=float)
    if p_c.ndim != 1 or len(p_c) < 2 or np.any(p_c < 0) or not np.isclose(p_c.sum(), 1.0):
        raise ValueError(f"p_c must be a probability vector over at least 2 codes, got {p_c!r}")
    if table.ndim != 2 or table.shape[0] != len(p_c):
        raise ValueError(f"p_x_given_c must have one row P(x | c) per code: shape "
                         f"({len(p_c)}, n_x), got {table.shape}")
    if np.any(table < 0) or not np.allclose(table.sum(1), 1.0):
        raise ValueError("every row of p_x_given_c must be a probability vector over x")
    return p_c, table


def code_posterior(p_c, p_x_given_c):
    """P(c | x) by Bayes' rule, shape [n_x, n_codes]; rows of x that have no mass are uniform."""
    p_c, table = _check(p_c, p_x_given_c)
    joint = (p_c[:, None] * table).T                    # [x, c]
    p_x = joint.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p_x > 0, joint / np.where(p_x > 0, p_x, 1.0), 1.0 / len(p_c))


def mutual_information(p_c, p_x_given_c):
    """I(c; x) = H(c) − H(c | x) in nats, for a discrete code c ~ p_c and x ~ P(x | c)."""
    p_c, table = _check(p_c, p_x_given_c)
    joint = p_c[:, None] * table                        # [c, x]
    p_x = joint.sum(0)
    ratio = np.divide(joint, p_c[:, None] * p_x[None, :], out=np.ones_like(joint),
                      where=joint > 0)
    return float(np.sum(xlogy(joint, ratio)))


def infogan_bound(p_c, p_x_given_c, q_c_given_x):
    """L_I(Q) = E_{c ~ p_c, x ~ P(x|c)}[log Q(c | x)] + H(c), InfoGAN's lower bound on I(c; x).

    ``q_c_given_x`` has one row Q(· | x) per value of x.  L_I ≤ I(c; x), with equality exactly
    when Q(· | x) is the posterior P(· | x) wherever x has mass: the gap is
    E_x KL(P(· | x) ‖ Q(· | x)).  A Q that puts no mass on a code the data can have gives −inf.
    """
    p_c, table = _check(p_c, p_x_given_c)
    q = np.asarray(q_c_given_x, dtype=float)
    if q.shape != (table.shape[1], len(p_c)):
        raise ValueError(f"q_c_given_x must have one row Q(c | x) per x: shape "
                         f"({table.shape[1]}, {len(p_c)}), got {q.shape}")
    if np.any(q < 0) or not np.allclose(q.sum(1), 1.0):
        raise ValueError("every row of q_c_given_x must be a probability vector over the codes")
    joint = (p_c[:, None] * table).T                    # [x, c]
    entropy = -float(np.sum(xlogy(p_c, p_c)))
    with np.errstate(divide="ignore"):
        log_q = np.log(q)
    if np.any((joint > 0) & (q == 0)):
        return -np.inf
    return float(np.sum(joint * np.where(joint > 0, log_q, 0.0))) + entropy


def _check_mixture(p):
    from ..data import Mixture
    if not isinstance(p, Mixture):
        raise TypeError(f"p must be a ganlib.data.mixture (its component is the code c), got "
                        f"{type(p).__name__}")
    return p


def mixture_posterior(p, x):
    """P(c = k | x) = π_k p_k(x) / p(x) for the mixture ``p``, shape [n, n_components]."""
    p = _check_mixture(p)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    logs = np.stack([c.logpdf(x) for c in p.components], 1)
    with np.errstate(divide="ignore"):
        logs = logs + np.log(p.weights)
    return np.exp(logs - special.logsumexp(logs, axis=1, keepdims=True))


def mixture_information(p):
    """I(c; x) in nats when c ~ π picks the component of the mixture ``p`` and x ~ p_c:
    Σ_k π_k KL(p_k ‖ p), each KL by adaptive quadrature (``theory.kl``)."""
    from .divergences import kl
    p = _check_mixture(p)
    return float(sum(w * kl(c, p) for w, c in zip(p.weights, p.components) if w > 0))
