"""ganlib.triangles: Lucic et al.'s triangles against a literal copy of the colab's renderer,
their geometry, and the distance to their manifold against known answers."""
import itertools
import math

import numpy as np
import pytest
import torch
from matplotlib import path
from scipy import ndimage

from ganlib import triangles as tri


def colab_images(n, seed, raster_dim=28, scale=0.75, r=8):
    """The colab's GenerateDataset(n, 3, 20, scale, raster_dim, r, shift_to_mean=True, seed),
    step by step (matplotlib's point-in-polygon test, scipy's convolution), mapped to ganlib's
    ink-high [-1, 1]."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        angles = [i * 120.0 + 10.0 + rng.rand() * 110.0 for i in range(3)]
        rad = np.array(angles) * np.pi / 180.0
        v = (np.column_stack((np.cos(rad), np.sin(rad))) + 1.0) / 2.0
        theta = np.radians(rng.rand() * 2 * np.pi)
        v = v @ np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        v = v * raster_dim * scale
        v += raster_dim / 2.0 - v.mean(axis=0)
        gx, gy = np.mgrid[0:raster_dim * r, 0:raster_dim * r]
        inside = path.Path(v * r).contains_points(np.column_stack((gx.ravel(), gy.ravel())))
        mask = np.array(~inside.reshape(raster_dim * r, raster_dim * r), dtype=np.float32)
        mask = ndimage.convolve(mask, np.ones((r, r)), mode="constant", cval=1.0)
        out.append(mask[::r, ::r] / (r * r))
    out = np.array(out)[rng.permutation(n)]
    return torch.as_tensor(1.0 - 2.0 * out, dtype=torch.float32)[:, None]


@pytest.mark.parametrize("r, raster_dim, scale", [(8, 28, 0.75), (3, 20, 0.9), (4, 28, 0.5)])
def test_images_equal_the_colab(r, raster_dim, scale):
    ref = colab_images(25, seed=11, raster_dim=raster_dim, scale=scale, r=r)
    ours = tri.triangles(25, seed=11, raster_dim=raster_dim, scale=scale, subpixel_res=r).images
    assert ours.shape == ref.shape == (25, 1, raster_dim, raster_dim)
    # measured: identical at r = 8 and r = 4; at r = 3 only float rounding of k/9 (~6e-8)
    assert float((ours - ref).abs().max()) < 1e-6


def _area(phi, radius):
    """Area of the triangle inscribed in a circle: R²/2 (sin α + sin β + sin γ), its arcs."""
    a = torch.deg2rad(phi)
    arcs = torch.stack([a[:, 1] - a[:, 0], a[:, 2] - a[:, 1], 2 * math.pi - a[:, 2] + a[:, 0]], 1)
    return radius ** 2 / 2 * torch.sin(arcs).sum(1)


def test_geometry_and_determinism():
    data = tri.triangles(400, seed=3)
    x, phi = data.images, data.angles
    assert x.dtype == torch.float32 and phi.dtype == torch.float64 and phi.shape == (400, 3)
    assert (data.labels == 0).all() and "Lucic" in data.source
    assert x.min() >= -1 and x.max() <= 1
    levels = (x + 1) * 32                                     # 0 … 64 subpixels inside
    assert torch.allclose(levels, levels.round(), atol=1e-4)
    assert tri.admissible(phi).all()
    # vertices: on a circle of radius 10.5 about their circumcentre, their mean at (14, 14)
    v = tri.triangle_vertices(phi)
    (ax, ay), (bx, by), (cx, cy) = v[:, 0].T, v[:, 1].T, v[:, 2].T
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    a2, b2, c2 = ax**2 + ay**2, bx**2 + by**2, cx**2 + cy**2
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    radius = (v - torch.stack([ux, uy], 1)[:, None]).norm(dim=2)
    assert torch.allclose(radius, torch.full_like(radius, 10.5), atol=1e-9)
    assert torch.allclose(v.mean(1), torch.full((400, 2), 14.0, dtype=torch.float64), atol=1e-12)
    # the ink: its area is the triangle's, its centroid the vertices' mean (a subpixel's
    # window in pixel i spans i − 3/8 … i + 4/8, so the pixel index is 1/16 short)
    ink = (x[:, 0].double() + 1) / 2
    area = ink.sum((1, 2))
    err = area - _area(phi, 10.5)          # measured over 2,000: max 1.12, mean |err| 0.043
    assert err.abs().max() < 1.5 and err.abs().mean() < 0.1 and abs(float(err.mean())) < 0.02
    idx = torch.arange(28, dtype=torch.float64)
    cx_ink = (ink.sum(2) * idx).sum(1) / area + 1 / 16
    cy_ink = (ink.sum(1) * idx).sum(1) / area + 1 / 16
    for c in (cx_ink, cy_ink):              # measured over 2,000: max 0.046, mean ~4e-5
        assert (c - 14).abs().max() < 0.1 and abs(float(c.mean()) - 14) < 0.01
    assert torch.equal(tri.triangles(400, seed=3).images, x)
    assert not torch.equal(tri.triangles(400, seed=4).images, x)
    assert torch.equal(tri.sample_angles(5, seed=8), tri.sample_angles(5, seed=8))


def test_projection_is_nearest_admissible_point():
    g = torch.Generator().manual_seed(0)
    phi = torch.rand(200, 3, generator=g, dtype=torch.float64) * 500 - 70
    p = tri.project_angles(phi)
    assert tri.admissible(p).all()
    inside = tri.sample_angles(20000, seed=1)
    brute = torch.cdist(phi, inside).min(1).values
    assert ((p - phi).norm(dim=1) <= brute + 1e-9).all()
    assert torch.allclose(tri.project_angles(inside[:100]), inside[:100], atol=1e-9)


def test_data_triangles_are_on_the_manifold():
    data = tri.triangles(200, seed=2024)
    dist, phi = tri.manifold_distance(data.images, return_angles=True)
    assert dist.dtype == torch.float64 and dist.shape == (200,)
    # measured: at most 0.17 over 1,000 (seed 123), median 0.07; one subpixel flip is 2/64
    assert float(dist.max()) <= 0.25 and float(dist.median()) <= 0.1
    assert tri.admissible(phi).all()
    again = (tri.render(phi) - data.images).flatten(1).double().norm(dim=1)
    assert torch.allclose(again, dist, atol=1e-9)
    flat = tri.manifold_distance(data.images[:3].reshape(3, 784))
    assert torch.allclose(flat, dist[:3])


def test_blank_image_is_as_far_as_the_least_ink():
    # the least-area admissible triangles have arcs {10°, 120°, 230°}: an angle at an end of
    # its segment next to a neighbour's (e.g. a = 120, 130, 250), turned by any θ ∈ [0, 2π°];
    # brute force over these and angles moved up to 2° inwards
    corners = [(120, 130, 250), (120, 130, 360), (120, 240, 250), (10, 240, 250),
               (10, 130, 360), (10, 240, 360)]
    cands = []
    for c in corners:
        c = torch.tensor(c, dtype=torch.float64)
        inward = torch.where(c == torch.tensor([10.0, 130, 250]), 1.0, -1.0)
        for t, d0, d1, d2 in itertools.product(np.linspace(0, 2 * np.pi, 16),
                                               *[np.arange(0, 2.1, 0.5)] * 3):
            cands.append(c + inward * torch.tensor([d0, d1, d2]) - t)
    cands = torch.stack(cands)
    cands = cands[tri.admissible(cands)]
    best = float(((tri.render(cands) + 1).flatten(1).double() ** 2).sum(1).min().sqrt())
    least = 10.5 ** 2 / 2 * sum(math.sin(math.radians(a)) for a in (10, 120, 230))   # 15.08
    assert float(_area(cands[:6 * 16 * 125:125], 10.5).sub(least).abs().max()) < 1e-9
    assert best <= 2 * math.sqrt(least) + 0.5         # ink² ≤ 4 · ink, ink ≈ area
    blank = -torch.ones(1, 1, 28, 28)
    d = float(tri.manifold_distance(blank)[0])
    assert abs(d - best) <= 0.25


def test_translated_and_noisy_triangles():
    data = tri.triangles(20, seed=77)
    x = data.images
    shifted = torch.full_like(x, -1.0)
    shifted[:, :, 2:] = x[:, :, :-2]                        # 2 pixels along x, background fill
    own = (shifted - x).flatten(1).double().norm(dim=1)
    d = tri.manifold_distance(shifted)
    assert (d > 1.0).all()                                  # the vertices' mean is off centre
    assert (d <= own + 0.25).all()                          # the original is on the manifold
    g = torch.Generator().manual_seed(5)
    e = torch.randn(x.shape, generator=g)
    e = e / e.flatten(1).norm(dim=1)[:, None, None, None] * 2.0
    d = tri.manifold_distance(x + e)
    assert (d <= 2.0 + 0.25).all()                          # ≤ ‖e‖ + dist(x), dist(x) = 0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="phi"):
        tri.render(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="phi"):
        tri.render(torch.tensor([[0.0, float("nan"), 1.0]]))
    with pytest.raises(ValueError, match="subpixel_res"):
        tri.render(torch.zeros(1, 3), subpixel_res=0)
    with pytest.raises(ValueError, match="scale"):
        tri.triangles(5, scale=1.5)
    with pytest.raises(ValueError, match="n"):
        tri.triangles(0)
    with pytest.raises(ValueError, match="seed"):
        tri.triangles(5, seed=-1)
    with pytest.raises(ValueError, match="raster_dim"):
        tri.manifold_distance(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match="images"):
        tri.manifold_distance(torch.zeros(2, 3, 28, 28))
    bad = torch.zeros(2, 1, 28, 28)
    bad[1, 0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="images"):
        tri.manifold_distance(bad)
    with pytest.raises(ValueError, match="grid"):
        tri.manifold_distance(torch.zeros(1, 784), grid=1)
