"""Sample-quality measures."""
from dataclasses import dataclass

import numpy as np
import torch

from . import _lang
from ._checks import check_positive, check_positive_int
from .data import GaussianMixture2D, ImageData

__all__ = ["ModeCoverage", "mode_coverage", "Classifier", "train_classifier", "ClassScore",
           "class_score", "LabelFidelity", "label_fidelity", "matched_accuracy"]


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
