"""Sample-quality measures."""
from dataclasses import dataclass

import numpy as np
import torch

from . import _lang
from ._checks import check_positive, check_positive_int
from .data import GaussianMixture2D, ImageData

__all__ = ["ModeCoverage", "mode_coverage", "Classifier", "train_classifier", "ClassScore",
           "class_score", "LabelFidelity", "label_fidelity", "matched_accuracy", "gaussian_stats",
           "frechet_distance", "fid", "PrecisionRecall", "precision_recall"]


@dataclass
class ModeCoverage:
    n_modes: int                 # modes of the target
    modes_covered: int           # modes with at least min_count high-quality samples
    high_quality: float          # share of samples within n_std stds of their nearest mode
    counts: np.ndarray           # high-quality samples per mode

    def __str__(self):
        if _lang.get() == "zh":
            return (f"覆盖 {self.modes_covered}/{self.n_modes} 个模式，"
                    f"高质量样本 {100 * self.high_quality:.1f}%")
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
    if len(x) == 0:
        raise ValueError("samples must hold at least one sample, got an empty array")
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


class Classifier:
    """A classifier of images trained here (no downloaded weights), used to judge samples."""

    def __init__(self, net, shape, accuracy):
        self.net, self.shape, self.accuracy = net, shape, accuracy

    def _check(self, x):
        x = torch.as_tensor(x, dtype=torch.float32)
        if tuple(x.shape[1:]) != self.shape:
            raise ValueError(f"images must have shape [n, {', '.join(map(str, self.shape))}], "
                             f"got {list(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("images contain NaN or inf (did training diverge?)")
        return x

    @torch.no_grad()
    def probs(self, x):
        """Class probabilities p(y | x), shape [n, n_classes]."""
        self.net.eval()
        x = self._check(x).cpu()
        return torch.cat([torch.softmax(self.net(c.flatten(1)), 1) for c in x.split(4096)])

    @torch.no_grad()
    def features(self, x):
        """The activations of the last hidden layer, shape [n, width]: the features in which
        :func:`fid` measures, as FID measures in Inception's pool layer."""
        self.net.eval()
        x = self._check(x).cpu()
        return torch.cat([self.net[:-1](c.flatten(1)) for c in x.split(4096)])

    def __repr__(self):
        return f"Classifier(held-out accuracy {100 * self.accuracy:.1f}%)"


def train_classifier(data, steps=600, hidden=(256,), batch_size=128, lr=1e-3, held_out=0.2,
                     seed=0):
    """An MLP classifier of ``data`` (an :class:`~ganlib.data.ImageData`), trained with Adam on
    all but a ``held_out`` share of the images; ``.accuracy`` is measured on that share."""
    from .nets import mlp
    if not isinstance(data, ImageData):
        raise TypeError(f"data must be a ganlib.data.ImageData, got {type(data).__name__}")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_positive(lr, "lr")
    if not 0 < held_out < 1:
        raise ValueError(f"held_out must lie in (0, 1), got {held_out}")
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(data), generator=gen)
    n_test = int(round(held_out * len(data)))
    test, train = order[:n_test], order[n_test:]
    x, y = data.images.flatten(1), data.labels
    n_classes = int(y.max()) + 1
    net = mlp(x.shape[1], n_classes, hidden=hidden, activation="relu", seed=seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        idx = train[torch.randint(len(train), (batch_size,), generator=gen)]
        loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = float((net(x[test]).argmax(1) == y[test]).float().mean())
    return Classifier(net, tuple(data.shape), accuracy)


@dataclass
class ClassScore:
    score: float             # exp(E_x KL(p(y|x) ‖ p(y))): the Inception-score formula, 1 … n_classes
    classes_covered: int     # classes predicted for at least half their fair share of samples
    n_classes: int
    confident: float         # share of samples whose top class has probability ≥ 0.9
    counts: np.ndarray       # samples per predicted class

    def __str__(self):
        if _lang.get() == "zh":
            return (f"得分 {self.score:.2f}/{self.n_classes}，覆盖 {self.classes_covered}/{self.n_classes} "
                    f"个类别，{100 * self.confident:.0f}% 的样本分类有把握")
        return (f"score {self.score:.2f}/{self.n_classes}, {self.classes_covered}/{self.n_classes} "
                f"classes, {100 * self.confident:.0f}% confident")


def class_score(samples, classifier):
    """How a trained classifier sees generated images.

    ``score`` applies the Inception-score formula (Salimans et al. 2016) with this book's own
    classifier instead of Inception: exp of the mean KL divergence between p(y | x) and the
    marginal p(y).  It is high when each sample is confidently one class *and* the classes are
    balanced.  It is comparable only between runs judged by the same classifier.
    """
    if not isinstance(classifier, Classifier):
        raise TypeError(f"classifier must be a ganlib.metrics.Classifier, got {type(classifier).__name__}")
    if len(samples) == 0:
        raise ValueError("samples must hold at least one image, got an empty batch")
    p = classifier.probs(samples).double()
    marginal = p.mean(0, keepdim=True)
    kl = (p * (torch.log(p.clamp_min(1e-12)) - torch.log(marginal.clamp_min(1e-12)))).sum(1)
    n_classes = p.shape[1]
    counts = np.bincount(p.argmax(1).numpy(), minlength=n_classes)
    fair = len(p) / n_classes
    return ClassScore(float(torch.exp(kl.mean())), int((counts >= fair / 2).sum()), n_classes,
                      float((p.max(1).values >= 0.9).double().mean()), counts)


@dataclass
class LabelFidelity:
    """How often a conditional generator makes the class it was asked for."""
    per_class: np.ndarray    # share of the samples asked for class k that are judged class k
    requested: np.ndarray    # samples asked for, per class
    accuracy: float          # the same share over all samples
    judge: str               # "mode (3 std)" or "classifier"

    def __str__(self):
        worst = int(np.argmin(np.where(self.requested > 0, self.per_class, np.inf)))
        if _lang.get() == "zh":
            return (f"标签一致率 {100 * self.accuracy:.1f}%（最差的类别 {worst}："
                    f"{100 * self.per_class[worst]:.1f}%）")
        return (f"label fidelity {100 * self.accuracy:.1f}% (worst class {worst}: "
                f"{100 * self.per_class[worst]:.1f}%)")


def label_fidelity(samples, labels, judge, n_std=3.0):
    """The share of generated samples that are of the class they were generated for, per class.

    ``labels`` are the classes the samples were asked for (G(z, y)).  ``judge`` is either a 2-D
    ring or grid, where a sample asked for mode k counts when it is a high-quality sample of
    mode k (within ``n_std`` standard deviations of its centre, as in :func:`mode_coverage`),
    or a :class:`Classifier` trained here, whose top class must be k.
    """
    y = torch.as_tensor(labels)
    if y.dim() != 1 or y.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"labels must be a 1-D array of integer classes, got shape "
                         f"{tuple(y.shape)} and dtype {y.dtype}")
    if len(y) != len(samples):
        raise ValueError(f"labels must give one class per sample: {len(y)} labels for "
                         f"{len(samples)} samples")
    if len(y) == 0:
        raise ValueError("samples must hold at least one sample, got an empty batch")
    y = y.long()
    if isinstance(judge, GaussianMixture2D):
        x = torch.as_tensor(samples, dtype=torch.float32)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"samples must have shape [n, 2], got {list(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("samples contain NaN or inf")
        n_std = check_positive(n_std, "n_std")
        n_classes, name = judge.n_modes, f"mode ({n_std:g} std)"
        if int(y.min()) < 0 or int(y.max()) >= n_classes:
            raise ValueError(f"labels must lie in 0 … {n_classes - 1} (the modes), got "
                             f"{int(y.min())} … {int(y.max())}")
        dist_to_own = (x - judge.centers[y]).norm(dim=1)
        hit = dist_to_own <= n_std * judge.std
    elif isinstance(judge, Classifier):
        p = judge.probs(samples)
        n_classes, name = p.shape[1], "classifier"
        if int(y.min()) < 0 or int(y.max()) >= n_classes:
            raise ValueError(f"labels must lie in 0 … {n_classes - 1} (the classifier's "
                             f"classes), got {int(y.min())} … {int(y.max())}")
        hit = p.argmax(1) == y
    else:
        raise TypeError(f"judge must be a ring or grid from ganlib.data or a "
                        f"ganlib.metrics.Classifier, got {type(judge).__name__}")
    requested = np.bincount(y.numpy(), minlength=n_classes)
    hits = np.bincount(y[hit].numpy(), minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(requested > 0, hits / np.maximum(requested, 1), np.nan)
    return LabelFidelity(per_class, requested, float(hit.float().mean()), name)


def matched_accuracy(codes, labels):
    """Unsupervised classification accuracy: the share of samples whose code maps to their
    label under the best one-to-one matching of codes to labels (the Hungarian method,
    ``scipy.optimize.linear_sum_assignment`` on the contingency table), as InfoGAN's "5 %
    error" on MNIST is measured.  Returns ``(accuracy, mapping)`` with ``mapping[code] = label``
    (−1 for a code left unmatched when there are more codes than labels)."""
    from scipy.optimize import linear_sum_assignment
    codes, labels = np.asarray(codes), np.asarray(labels)
    if codes.ndim != 1 or codes.shape != labels.shape or len(codes) == 0:
        raise ValueError(f"codes and labels must be two 1-D arrays of the same, non-zero length, "
                         f"got shapes {codes.shape} and {labels.shape}")
    for name, v in (("codes", codes), ("labels", labels)):
        if not np.issubdtype(v.dtype, np.integer) or v.min() < 0:
            raise ValueError(f"{name} must be non-negative integers")
    table = np.zeros((codes.max() + 1, labels.max() + 1), dtype=np.int64)
    np.add.at(table, (codes, labels), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.full(table.shape[0], -1)
    mapping[rows] = cols
    return float(table[rows, cols].sum() / len(codes)), mapping


# --------------------------------------------------------------------------- Fréchet distance
def _features(x, name):
    """[n, ...] array or tensor -> float64 numpy [n, d], checked."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must have shape [n, d] with n >= 1, got {list(x.shape)}")
    x = x.reshape(len(x), -1)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf (did training diverge?)")
    return x


def gaussian_stats(features):
    """The mean and covariance (float64, the unbiased n − 1 estimate) of ``features`` [n, d]:
    the Gaussian that the Fréchet distance fits to a sample."""
    x = _features(features, "features")
    if len(x) < 2:
        raise ValueError(f"features must hold at least 2 samples for a covariance, got {len(x)}")
    return x.mean(0), np.atleast_2d(np.cov(x, rowvar=False))


def _stats(a, name):
    if isinstance(a, tuple):
        if len(a) != 2:
            raise ValueError(f"{name} must be features [n, d] or a (mean, covariance) pair")
        mu, sigma = np.atleast_1d(np.asarray(a[0], np.float64)), np.atleast_2d(np.asarray(a[1], np.float64))
        if mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
            raise ValueError(f"{name}: the mean must be [d] and the covariance [d, d], got "
                             f"{list(mu.shape)} and {list(sigma.shape)}")
        return mu, sigma
    return gaussian_stats(_features(a, name))


def frechet_distance(a, b):
    """The Fréchet distance between the Gaussians fitted to two samples,

        d² = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}),

    the squared 2-Wasserstein distance between N(μ_a, Σ_a) and N(μ_b, Σ_b).  ``a`` and ``b``
    are features [n, d] or (mean, covariance) pairs.  Tr (Σ_a Σ_b)^{1/2} is the sum of the
    square roots of the eigenvalues of Σ_a Σ_b, taken in float64 with their real parts summed,
    as torchmetrics and torch-fidelity do (Σ_a Σ_b is not symmetric, so not ``eigvalsh``).
    A tiny negative value for identical inputs is rounding and is returned as it is."""
    mu1, s1 = _stats(a, "a")
    mu2, s2 = _stats(b, "b")
    if mu1.shape != mu2.shape:
        raise ValueError(f"a and b must have the same feature dimension, got {len(mu1)} and {len(mu2)}")
    eig = np.linalg.eigvals(s1 @ s2).astype(np.complex128)
    tr_sqrt = np.sqrt(eig).real.sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def fid(samples, reference, classifier):
    """The Fréchet distance between ``samples`` and ``reference`` images in the features of
    ``classifier`` (a :class:`Classifier` trained here, :meth:`Classifier.features`).  This is
    "FID in the features of this book's classifier": its numbers are not comparable with the
    Inception FID of papers, only with each other under the same classifier and sample sizes
    (the estimate is biased upward, more so for fewer samples)."""
    if not isinstance(classifier, Classifier):
        raise TypeError(f"classifier must be a ganlib.metrics.Classifier, got {type(classifier).__name__}")
    return frechet_distance(classifier.features(samples), classifier.features(reference))


# --------------------------------------------------------------------------- precision and recall
@dataclass
class PrecisionRecall:
    """k-nearest-neighbour precision and recall (Kynkäänniemi et al. 2019) and density and
    coverage (Naeem et al. 2020) of generated samples against real ones."""
    precision: float     # share of fakes inside some real sample's k-NN ball
    recall: float        # share of reals inside some fake sample's k-NN ball
    density: float       # mean number of real balls holding a fake, divided by k
    coverage: float      # share of real balls that hold at least one fake
    k: int

    def __str__(self):
        if _lang.get() == "zh":
            return (f"精确率 {self.precision:.3f}，召回率 {self.recall:.3f}，密度 {self.density:.3f}，"
                    f"覆盖率 {self.coverage:.3f}（k = {self.k}）")
        return (f"precision {self.precision:.3f}, recall {self.recall:.3f}, density {self.density:.3f}, "
                f"coverage {self.coverage:.3f} (k = {self.k})")


def _kth_neighbour(x, k, chunk):
    """Distance from each row of x to its k-th nearest other row."""
    out = []
    for c in x.split(chunk):
        d = torch.cdist(c, x)
        out.append(d.topk(k + 1, dim=1, largest=False).values[:, k])     # index 0 is the point itself
    return torch.cat(out)


def precision_recall(real, fake, k=5, chunk=2048):
    """Precision, recall, density and coverage of ``fake`` against ``real`` (features [n, d];
    images are flattened), from the balls around each sample whose radius is the distance to its
    k-th nearest neighbour in its own set.  A point is inside a ball when its distance is
    strictly smaller than the radius, as in the ``prdc`` package of Naeem et al.  Distances are
    computed in float64, ``chunk`` rows at a time."""
    x = torch.from_numpy(_features(real, "real"))
    y = torch.from_numpy(_features(fake, "fake"))
    k = check_positive_int(k, "k")
    chunk = check_positive_int(chunk, "chunk")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"real and fake must have the same feature dimension, got {x.shape[1]} and {y.shape[1]}")
    for name, v in (("real", x), ("fake", y)):
        if len(v) <= k:
            raise ValueError(f"{name} must hold more than k = {k} samples, got {len(v)}")
    r_real, r_fake = _kth_neighbour(x, k, chunk), _kth_neighbour(y, k, chunk)
    in_real_balls = torch.zeros(len(y), dtype=torch.float64)       # per fake: real balls holding it
    real_covered = torch.zeros(len(x), dtype=torch.bool)            # per real: its ball holds a fake
    real_in_fake = torch.zeros(len(x), dtype=torch.bool)            # per real: inside some fake ball
    for start in range(0, len(x), chunk):
        d = torch.cdist(x[start:start + chunk], y)                  # [reals in chunk, fakes]
        inside = d < r_real[start:start + chunk, None]
        in_real_balls += inside.sum(0)
        real_covered[start:start + chunk] = inside.any(1)
        real_in_fake[start:start + chunk] = (d < r_fake[None, :]).any(1)
    return PrecisionRecall(precision=float((in_real_balls > 0).double().mean()),
                           recall=float(real_in_fake.double().mean()),
                           density=float(in_real_balls.mean() / k),
                           coverage=float(real_covered.double().mean()), k=k)


# --------------------------------------------------------------------------- inverting a generator
def distance_to_generator(G, x, latent_dim, *, restarts=4, steps=300, lr=0.05, seed=0, chunk=1024):
    """For each image in ``x``, the smallest distance ‖G(z) − x‖ (L2 over all pixels) that Adam
    finds over z from ``restarts`` random starts z ~ N(0, I) of ``latent_dim`` dimensions, each
    ``steps`` steps with learning rate ``lr``, keeping the best z seen; z is not constrained to
    the prior's typical set.  Chapter 12 measures recall on Lucic et al.'s triangles with it: a
    test image counts as recalled when the generator comes within δ of it.  Each distance is one that G reaches,
    so an upper bound on the true distance to G's range; G's weights are left as they are
    (eval mode during the search).  Returns float64 [n]."""
    if not isinstance(G, torch.nn.Module):
        raise TypeError(f"G must be a torch.nn.Module, got {type(G).__name__}")
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.dim() < 2 or len(x) == 0:
        raise ValueError(f"x must be a batch of images [n, ...], got shape {list(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("x contains NaN or inf")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    restarts, steps = check_positive_int(restarts, "restarts"), check_positive_int(steps, "steps")
    lr, chunk = check_positive(lr, "lr"), check_positive_int(chunk, "chunk")
    dev = next(G.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    was, flags = G.training, [p.requires_grad for p in G.parameters()]
    G.eval()
    for p in G.parameters():
        p.requires_grad_(False)
    out = []
    try:
        for part in x.split(max(1, chunk // restarts)):
            target = part.to(dev).repeat_interleave(restarts, 0)
            z = torch.randn(len(target), latent_dim, generator=gen).to(dev).requires_grad_(True)
            opt = torch.optim.Adam([z], lr=lr)
            best = torch.full((len(target),), float("inf"), device=dev)
            for _ in range(steps + 1):
                sq = (G(z) - target).flatten(1).pow(2).sum(1)
                best = torch.minimum(best, sq.detach())
                opt.zero_grad(set_to_none=True)
                sq.sum().backward()
                opt.step()
            out.append(best.view(-1, restarts).min(1).values.double().sqrt().cpu())
    finally:
        for p, f in zip(G.parameters(), flags):
            p.requires_grad_(f)
        G.train(was)
    return torch.cat(out)
