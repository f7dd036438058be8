"""Sample-quality measures."""
from dataclasses import dataclass

import numpy as np
import torch

from ._checks import check_positive, check_positive_int
from .data import GaussianMixture2D

__all__ = ["ModeCoverage", "mode_coverage"]


@dataclass
class ModeCoverage:
    n_modes: int                 # modes of the target
    modes_covered: int           # modes with at least min_count high-quality samples
    high_quality: float          # share of samples within n_std stds of their nearest mode
    counts: np.ndarray           # high-quality samples per mode

    def __str__(self):
        return (f"{self.modes_covered}/{self.n_modes} modes covered, "
                f"{100 * self.high_quality:.1f}% high-quality samples")


def mode_coverage(samples, dist, n_std=3.0, min_count=20):
    """Mode coverage of 2-D samples on a ring or grid of Gaussians.

    A sample is *high quality* if it lies within ``n_std`` standard deviations of the
    nearest mode's centre (VEEGAN, Srivastava et al. 2017); a mode is *covered* if at least
    ``min_count`` high-quality samples fall on it (PacGAN, Lin et al. 2018, use 20 of 2,500).
    """
    if not isinstance(dist, GaussianMixture2D):
        raise TypeError("dist must be a 2-D Gaussian mixture from ganlib.data.ring or "
                        f"ganlib.data.grid, got {type(dist).__name__}")
    x = torch.as_tensor(samples, dtype=torch.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"samples must have shape [n, 2], got {list(x.shape)}")
    n_std = check_positive(n_std, "n_std")
    min_count = check_positive_int(min_count, "min_count")
    if not torch.isfinite(x).all():
        raise ValueError("samples contain NaN or inf")
    dists = torch.cdist(x, dist.centers)
    best, idx = dists.min(dim=1)
    good = best <= n_std * dist.std
    counts = np.bincount(idx[good].numpy(), minlength=dist.n_modes)
    return ModeCoverage(dist.n_modes, int((counts >= min_count).sum()),
                        float(good.float().mean()), counts)
