"""Lucic et al.'s (2018, "Are GANs Created Equal?") synthetic triangles, and the distance of
an image to their manifold.

The data set is the one of google/compare_gan's ``colabs/Convex_Polygons_Dataset.ipynb`` with
the paper's parameters: 3 vertices, a minimum segment angle of 20°, scale 0.75, 28×28 pixels
rasterised with 8×8 subpixels per pixel, the vertices' mean moved to the raster's centre.  A
triangle is drawn so: vertex i's angle on the unit circle is a_i = 120·i + 10 + 110·U_i degrees
(U_i uniform on [0, 1)), and the whole triangle is turned by −θ, where the colab's
``np.radians(np.random.rand() * 2 * np.pi)`` makes θ uniform on [0, 2π) *degrees* (≈ 6.28°, a
quirk of the original, kept here).  Every triangle is therefore described by its three
effective angles φ_i = a_i − θ (degrees): its vertices are (R/2)·s·(cos φ_i, sin φ_i) plus the
shift that puts their mean at (R/2, R/2), R the raster size and s the scale (radius 10.5 pixels
at 28 × 0.75).  Only triangles (n_vertices = 3) are supported.

Images follow ganlib's conventions: float32 in [-1, 1], shape ``[n, 1, R, R]``, ink high (the
background is −1, the triangle +1), i.e. ``1 − 2·p`` for the colab's pixel p (white background
1, dark triangle 0).  ``image[..., i, j]`` is the pixel at x = i, y = j, as in the colab.  All
distances are Euclidean norms over the pixels on this [-1, 1] scale: twice the colab's.
"""
from __future__ import annotations

import itertools
import math
import numbers

import numpy as np
import torch

from ._checks import check_positive, check_positive_int

__all__ = ["MIN_SEGMENT_ANGLE", "MAX_ROTATION", "sample_angles", "admissible", "project_angles",
           "triangle_vertices", "render", "triangles", "manifold_distance"]

MIN_SEGMENT_ANGLE = 20.0
"""The paper's minimum segment angle (degrees)."""
MAX_ROTATION = 2 * math.pi
"""The colab's rotation θ is uniform on [0, MAX_ROTATION) degrees (2π taken as degrees)."""

_SEGMENT = 120.0
_LOW = torch.tensor([_SEGMENT * i + MIN_SEGMENT_ANGLE / 2 for i in range(3)], dtype=torch.float64)
_HIGH = _LOW + (_SEGMENT - MIN_SEGMENT_ANGLE / 2)          # a_i ∈ [LOW_i, HIGH_i]: 110° wide


def _check_angles(phi, name="phi"):
    phi = torch.as_tensor(phi)
    if not (phi.is_floating_point() or phi.dtype in (torch.int32, torch.int64)):
        raise TypeError(f"{name} must hold real numbers, got dtype {phi.dtype}")
    phi = phi.to(torch.float64)
    if phi.dim() != 2 or phi.shape[1] != 3:
        raise ValueError(f"{name} must have shape [n, 3] (three angles in degrees per triangle), "
                         f"got {tuple(phi.shape)}")
    if not torch.isfinite(phi).all():
        raise ValueError(f"{name} must be finite (it holds NaN or infinity)")
    return phi


def _check_raster(raster_dim, scale, subpixel_res):
    raster_dim = check_positive_int(raster_dim, "raster_dim")
    if raster_dim < 2:
        raise ValueError(f"raster_dim must be at least 2, got {raster_dim}")
    scale = check_positive(scale, "scale")
    if scale > 1:
        raise ValueError(f"scale must lie in (0, 1], got {scale}")
    return raster_dim, scale, check_positive_int(subpixel_res, "subpixel_res")


def sample_angles(n, seed=0):
    """The effective angles φ (degrees, float64 tensor ``[n, 3]``) of ``n`` triangles drawn as
    the colab draws them, from numpy's legacy ``RandomState(seed)``: per triangle three uniforms
    for the vertices' angles, then one for the rotation, in the colab's order."""
    n = check_positive_int(n, "n")
    return _angles(np.random.RandomState(_check_seed(seed)), n)


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


def _angles(rng, n):
    u = torch.as_tensor(rng.rand(n, 4))
    a = _LOW + u[:, :3] * (_HIGH - _LOW)
    theta = u[:, 3:] * MAX_ROTATION                                 # degrees (the colab's quirk)
    return a - theta


def admissible(phi, atol=1e-9):
    """Whether each row of ``phi`` ([n, 3], degrees) is a triangle the data set can hold: some
    θ ∈ [0, MAX_ROTATION] has φ_i + θ ∈ [120·i + 10, 120·i + 120] for i = 0, 1, 2.  A bool
    tensor ``[n]``."""
    phi = _check_angles(phi)
    lo = torch.clamp((_LOW - phi).amax(1), min=0.0)
    hi = torch.clamp((_HIGH - phi).amin(1), max=MAX_ROTATION)
    return lo <= hi + atol


def project_angles(phi):
    """The Euclidean projection of each row of ``phi`` ([n, 3], degrees) onto the admissible
    set {a − θ·(1, 1, 1): a in the box [LOW, HIGH], θ ∈ [0, MAX_ROTATION]} (see
    :func:`admissible`): the θ minimising the squared distance of φ + θ to the box, a convex
    function of θ, is found by bisection on its derivative, then φ + θ is clipped to the box."""
    phi = _check_angles(phi)
    lo = torch.zeros(len(phi), dtype=torch.float64)
    hi = torch.full((len(phi),), MAX_ROTATION, dtype=torch.float64)
    for _ in range(50):
        t = (lo + hi) / 2
        s = phi + t[:, None]
        slope = (s - s.clamp(_LOW, _HIGH)).sum(1)     # half the derivative, nondecreasing in θ
        up = slope < 0
        lo = torch.where(up, t, lo)
        hi = torch.where(up, hi, t)
    t = ((lo + hi) / 2)[:, None]
    return (phi + t).clamp(_LOW, _HIGH) - t


def triangle_vertices(phi, raster_dim=28, scale=0.75):
    """The vertices (pixels, float64 ``[n, 3, 2]``, (x, y) in the colab's raster coordinates)
    of the triangles with angles ``phi`` ([n, 3], degrees): on the circle of radius
    raster_dim·scale/2, shifted so that their mean is at (raster_dim/2, raster_dim/2)."""
    phi = _check_angles(phi)
    raster_dim, scale, _ = _check_raster(raster_dim, scale, 1)
    rad = torch.deg2rad(phi)
    v = raster_dim * scale / 2 * torch.stack([torch.cos(rad), torch.sin(rad)], -1)
    return v + (raster_dim / 2 - v.mean(1, keepdim=True))


def _render_chunk(v, raster_dim, r):
    """Ink-high images of triangles with vertices ``v`` ([m, 3, 2], pixels): for each column X of
    the subpixel grid the inside points form an interval of Y, counted per pixel window."""
    p = v * r
    x, y = p[..., 0], p[..., 1]
    cw = (x[:, 1] - x[:, 0]) * (y[:, 2] - y[:, 0]) - (y[:, 1] - y[:, 0]) * (x[:, 2] - x[:, 0]) < 0
    order = torch.tensor([[0, 1, 2], [0, 2, 1]])[cw.long()]          # make every one anticlockwise
    x, y = x.gather(1, order), y.gather(1, order)
    n_sub = raster_dim * r
    grid = torch.arange(n_sub, dtype=torch.float64)
    lo = torch.full((len(p), n_sub), -1.0, dtype=torch.float64)
    hi = torch.full((len(p), n_sub), float(n_sub), dtype=torch.float64)
    for k in range(3):
        x0, y0 = x[:, k:k + 1], y[:, k:k + 1]
        dx, dy = x[:, (k + 1) % 3, None] - x0, y[:, (k + 1) % 3, None] - y0
        # inside edge k: dx·(Y − y0) − dy·(X − x0) ≥ 0, a bound on Y in each column X
        bound = y0 + dy * (grid - x0) / torch.where(dx == 0, torch.ones_like(dx), dx)
        lo = torch.where(dx > 0, torch.maximum(lo, bound), lo)
        hi = torch.where(dx < 0, torch.minimum(hi, bound), hi)
        cut = (dx == 0) & (dy * (grid - x0) > 0)                  # a vertical edge: all or none
        lo = torch.where(cut, float(n_sub), lo)
    ylo = torch.ceil(lo.clamp(-1.0, n_sub)).clamp(min=0).float()
    yhi = torch.floor(hi.clamp(-1.0, n_sub)).clamp(max=n_sub - 1).float()
    h = (r - 1) // 2                   # scipy's convolve with ones((r, r)): offsets −h … r − 1 − h
    start = (torch.arange(raster_dim) * r - h).float()
    count = (torch.minimum(yhi[..., None], start + (r - 1))
             - torch.maximum(ylo[..., None], start) + 1).clamp(min=0)     # [m, X, pixel j]
    count = torch.nn.functional.pad(count, (0, 0, h, 0))[:, :n_sub]
    inside = count.reshape(len(p), raster_dim, r, raster_dim).sum(2)
    return (inside * (2.0 / (r * r)) - 1.0)[:, None]


def render(phi, raster_dim=28, scale=0.75, subpixel_res=8, chunk=512):
    """Images (float32 ``[n, 1, raster_dim, raster_dim]`` in [-1, 1], ink high) of the
    triangles with angles ``phi`` ([n, 3], degrees; any angles, admissible or not), rasterised
    as the colab does: pixel (i, j) is +1 − 2·(the share of its subpixel_res² subpixel points
    outside the triangle), where the points are the integer pairs (X, Y) = (i·r + a, j·r + b),
    a, b ∈ {−⌊(r−1)/2⌋ … ⌊r/2⌋} (the window of scipy.ndimage.convolve with ones((r, r))), in
    units of 1/r pixel, r = subpixel_res; points off the grid [0, raster_dim·r) count as outside
    (the colab's cval = 1).  A point is inside if it lies in the closed triangle (on an edge
    counts as inside, up to rounding; matplotlib's test, which the colab uses, is ambiguous
    there).  Rendered
    ``chunk`` triangles at a time."""
    phi = _check_angles(phi)
    raster_dim, scale, r = _check_raster(raster_dim, scale, subpixel_res)
    chunk = check_positive_int(chunk, "chunk")
    v = triangle_vertices(phi, raster_dim, scale)
    out = torch.empty(len(v), 1, raster_dim, raster_dim)
    for s in range(0, len(v), chunk):
        out[s:s + chunk] = _render_chunk(v[s:s + chunk], raster_dim, r)
    return out


def triangles(n=10000, seed=0, raster_dim=28, scale=0.75, subpixel_res=8):
    """``n`` of Lucic et al.'s triangles as an :class:`ganlib.data.ImageData` (labels all 0).

    Drawn as the colab's ``GenerateDataset(n, 3, 20, scale, raster_dim, subpixel_res,
    shift_to_mean=True, seed=seed)`` draws them (numpy's legacy generator, the same stream,
    then the same final shuffle), so up to points exactly on an edge the images are the colab's;
    the paper used n = 80,000: the first 60,000 for training, the next 10,000 for testing, the
    last 10,000 held out.  The triangles' angles φ ([n, 3], degrees, float64, in the images'
    order) are kept as ``.angles``."""
    from .data import ImageData          # here, so that ganlib.data may re-export this module
    n = check_positive_int(n, "n")
    rng = np.random.RandomState(_check_seed(seed))
    raster_dim, scale, r = _check_raster(raster_dim, scale, subpixel_res)
    phi = _angles(rng, n)
    phi = phi[torch.as_tensor(rng.permutation(n))]
    data = ImageData(render(phi, raster_dim, scale, r), torch.zeros(n, dtype=torch.long),
                     f"Lucic et al. (2018) triangles ({n}, seed {seed}, {raster_dim}x{raster_dim}, "
                     f"scale {scale}, {r}x{r} subpixels)")
    data.angles = phi
    return data


_GRIDS = {}


def _grid(per_axis, raster_dim, scale, r):
    """Admissible angles on a regular grid of ``per_axis`` values per angle, their images
    (flattened) and squared norms; cached."""
    key = (per_axis, raster_dim, scale, r)
    if key not in _GRIDS:
        axes = [torch.linspace(float(_LOW[i]) - MAX_ROTATION, float(_HIGH[i]), per_axis,
                               dtype=torch.float64) for i in range(3)]
        phi = torch.cartesian_prod(*axes)
        phi = phi[admissible(phi)]
        img = render(phi, raster_dim, scale, r).flatten(1)
        _GRIDS[key] = (phi, img, (img * img).sum(1))
    return _GRIDS[key]


def _check_images(images, raster_dim):
    x = torch.as_tensor(images)
    if not x.is_floating_point():
        raise TypeError(f"images must hold floats in [-1, 1], got dtype {x.dtype}")
    d = raster_dim * raster_dim
    ok = (x.dim() == 4 and x.shape[1] == 1 and x.shape[2] == x.shape[3]) or x.dim() == 2
    if not ok:
        raise ValueError(f"images must have shape [n, 1, H, W] or [n, H*W], got {tuple(x.shape)}")
    if x[0].numel() != d:
        raise ValueError(f"images must be {raster_dim}x{raster_dim} (raster_dim={raster_dim}), got "
                         f"{x[0].numel()} pixels per image (shape {tuple(x.shape)})")
    if len(x) == 0:
        raise ValueError("images must hold at least one image")
    x = x.reshape(len(x), d).float()
    if not torch.isfinite(x).all():
        raise ValueError("images must be finite (they hold NaN or infinity)")
    return x


def manifold_distance(images, raster_dim=28, scale=0.75, subpixel_res=8, grid=32, starts=1,
                      min_step=None, max_iter=100, return_angles=False):
    """The Euclidean distance (float64 ``[n]``, over the pixels on the [-1, 1] scale: twice the
    colab's scale) of each image to the triangles' data manifold, the set of images
    ``render(φ)`` for all admissible φ (see :func:`admissible`).

    ``images``: ``[n, 1, raster_dim, raster_dim]`` or ``[n, raster_dim²]``, floats.  The
    manifold is three-dimensional, so it is searched so: (a) the nearest of the admissible
    points of a grid of ``grid`` values per angle (rendered once and cached: 32 gives 32,222
    triangles, 100 MB at 28×28); (b) from each of the ``starts`` nearest grid points, a compass
    search over φ (the image is piecewise constant in φ, so no derivatives): poll
    φ + step·d for the 26 directions d ∈ {−1, 0, 1}³ ∖ {0}, each projected onto the admissible
    set (:func:`project_angles`), move to the best poll if it is strictly nearer, else halve
    the step; from half the grid's spacing down to ``min_step`` degrees (default: the angle
    that moves a vertex by 1/(8r) pixel, r = subpixel_res), at most ``max_iter`` rounds.
    Fewer axes' directions (coordinates only) stall in the valleys of this piecewise constant
    function; ``starts=2`` doubles the time and changed little on data triangles.

    The result is the distance to a triangle found, so an upper bound on the exact distance,
    tight to the search's tolerance: rendered data triangles (exactly on the manifold) were
    found at median 0.07–0.08 and at most 0.17 (1,000 of seed 123) and 0.20 (500 of seed 99)
    away, i.e. a few dozen subpixels flipped (each moves one pixel by 2/r²), where a data
    triangle's nearest neighbour among 800 others is ~5 away; the tests assert at most 0.25.
    At the defaults it takes about 10 s per 1,000 28×28 images on one CPU core (plus ~1.5 s
    once to render the grid).  With ``return_angles`` also returns the minimising φ (float64
    ``[n, 3]``, admissible), whose render is at the returned distance."""
    raster_dim, scale, r = _check_raster(raster_dim, scale, subpixel_res)
    x = _check_images(images, raster_dim)
    grid = check_positive_int(grid, "grid")
    if grid < 2:
        raise ValueError(f"grid must be at least 2, got {grid}")
    starts = check_positive_int(starts, "starts")
    max_iter = check_positive_int(max_iter, "max_iter")
    radius = raster_dim * scale / 2
    min_step = (math.degrees(1 / (8 * r) / radius) if min_step is None
                else check_positive(min_step, "min_step"))
    g_phi, g_img, g_sq = _grid(grid, raster_dim, scale, r)
    first_step = (float(_HIGH[0] - _LOW[0]) + MAX_ROTATION) / (grid - 1) / 2
    dist, phi = [], []
    for s in range(0, len(x), 256):
        xs = x[s:s + 256]
        d2 = (xs * xs).sum(1, keepdim=True) - 2 * xs @ g_img.T + g_sq     # (a) nearest grid points
        start = g_phi[d2.topk(min(starts, len(g_phi)), dim=1, largest=False).indices]
        d, p = _compass(xs.double(), start, first_step, min_step, max_iter, raster_dim, scale, r)
        dist.append(d)
        phi.append(p)
    dist, phi = torch.cat(dist), torch.cat(phi)
    return (dist, phi) if return_angles else dist


_MOVES = torch.tensor(list(itertools.product([-1.0, 0.0, 1.0], repeat=3)),
                      dtype=torch.float64)[[i for i in range(27) if i != 13]]      # not (0, 0, 0)


def _compass(x, start, step, min_step, max_iter, raster_dim, scale, r):
    """Compass search from the angles ``start`` ([m, k, 3]) towards the images ``x`` ([m, D],
    float64): the least distance found per image and its angles."""
    m, k = start.shape[:2]
    phi = start.reshape(m * k, 3).clone()
    target = x.repeat_interleave(k, 0)
    dist2 = ((render(phi, raster_dim, scale, r).flatten(1).double() - target) ** 2).sum(1)
    step = torch.full((m * k,), step, dtype=torch.float64)
    n_moves = len(_MOVES)
    for _ in range(max_iter):
        live = (step >= min_step).nonzero().flatten()
        if len(live) == 0:
            break
        poll = project_angles((phi[live, None] + step[live, None, None] * _MOVES).reshape(-1, 3))
        img = render(poll, raster_dim, scale, r).double().reshape(len(live), n_moves, -1)
        d2min, arg = ((img - target[live, None]) ** 2).sum(2).min(1)
        better = d2min < dist2[live]
        win = live[better]
        phi[win] = poll.reshape(len(live), n_moves, 3)[better, arg[better]]
        dist2[win] = d2min[better]
        step[live[~better]] /= 2
    dist2, j = dist2.reshape(m, k).min(1)
    return dist2.clamp(min=0).sqrt(), phi.reshape(m, k, 3)[torch.arange(m), j]
