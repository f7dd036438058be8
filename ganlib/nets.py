"""Networks: small, explicit ``torch.nn`` modules."""
import torch
from torch import nn

from ._checks import check_positive_int

__all__ = ["mlp", "dcgan", "dcgan_init", "DCGANGenerator", "DCGANDiscriminator"]

_ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh,
                "elu": nn.ELU, "sigmoid": nn.Sigmoid}


def _activation(name, arg):
    if name is None:
        return None
    if name not in _ACTIVATIONS:
        raise ValueError(f"{arg} must be one of {sorted(_ACTIVATIONS)} or None, got {name!r}")
    return _ACTIVATIONS[name]()


def mlp(in_dim, out_dim, hidden=(128, 128), activation="leaky_relu", out_activation=None,
        batch_norm=False, seed=None):
    """A multilayer perceptron ``in_dim → hidden… → out_dim``.

    ``activation`` between layers, optional ``out_activation`` at the end, optional batch
    normalisation after each hidden linear layer; ``seed`` makes the initial weights
    reproducible without touching the global random state.
    """
    in_dim = check_positive_int(in_dim, "in_dim")
    out_dim = check_positive_int(out_dim, "out_dim")
    hidden = tuple(check_positive_int(h, "hidden") for h in hidden)
    _activation(activation, "activation")
    _activation(out_activation, "out_activation")
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        layers, width = [], in_dim
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(_activation(activation, "activation"))
            width = h
        layers.append(nn.Linear(width, out_dim))
        if out_activation is not None:
            layers.append(_activation(out_activation, "out_activation"))
        net = nn.Sequential(*layers)
    net.in_dim, net.out_dim = in_dim, out_dim
    return net


# --------------------------------------------------------------------------- DCGAN
# Radford, Metz & Chintala (2016): strided (transposed) convolutions instead of pooling, batch
# norm in both nets (not on G's output or D's input layer), ReLU in G with tanh output,
# LeakyReLU(0.2) in D, weights drawn from N(0, 0.02).  For each image side: the side of the
# smallest feature map and the number of stride-2 layers that double it.
_DCGAN_SIZES = {8: (2, 2), 16: (4, 2), 28: (7, 2), 32: (4, 3), 64: (4, 4)}
_NORMS = ("batch", "layer", None)


def _norm(kind, channels):
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":                      # normalises each sample over (C, H, W)
        return nn.GroupNorm(1, channels)
    return nn.Identity()


def _check_dcgan(image_size, channels, width, norm, arg):
    if image_size not in _DCGAN_SIZES:
        raise ValueError(f"image_size must be one of {sorted(_DCGAN_SIZES)}, got {image_size!r}")
    check_positive_int(channels, "channels")
    check_positive_int(width, "width")
    if norm not in _NORMS:
        raise ValueError(f"{arg} must be one of {_NORMS}, got {norm!r}")


def dcgan_init(net):
    """The DCGAN paper's initialisation: conv/linear weights ~ N(0, 0.02), biases 0,
    normalisation scales ~ N(1, 0.02), shifts 0.  Works in place and returns ``net``."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


class DCGANGenerator(nn.Module):
    """z ∈ R^latent_dim → image [channels, image_size, image_size] in (−1, 1).

    A transposed convolution projects z (as a 1×1 map) to ``width·2^(k−1)`` maps of the
    smallest side, then k stride-2 transposed convolutions double the side and halve the
    channels; the last one outputs ``channels`` maps through tanh.
    """

    def __init__(self, latent_dim=64, image_size=28, channels=1, width=64, norm="batch"):
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        _check_dcgan(image_size, channels, width, norm, "norm")
        self.image_size, self.channels = image_size, channels
        side, k = _DCGAN_SIZES[image_size]
        ch = width * 2 ** (k - 1)
        layers = [nn.ConvTranspose2d(latent_dim, ch, side, 1, 0, bias=norm is None),
                  _norm(norm, ch), nn.ReLU(True)]
        for _ in range(k - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=norm is None),
                       _norm(norm, ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape [n, {self.latent_dim}], got {tuple(z.shape)}")
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """image [channels, image_size, image_size] → ``out_dim`` raw scores per image.

    k stride-2 convolutions halve the side and double the channels (LeakyReLU 0.2, no
    normalisation after the first), then a convolution over the whole smallest map gives the
    score.  ``norm="layer"`` (or None) is for objectives whose penalty is per sample, such as
    WGAN-GP, where batch norm would couple the samples of a batch.
    """

    def __init__(self, image_size=28, channels=1, width=64, norm="batch", out_dim=1):
        super().__init__()
        _check_dcgan(image_size, channels, width, norm, "norm")
        self.out_dim = check_positive_int(out_dim, "out_dim")
        self.image_size, self.channels = image_size, channels
        side, k = _DCGAN_SIZES[image_size]
        layers, ch = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)], width
        for _ in range(k - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm is None), _norm(norm, ch * 2),
                       nn.LeakyReLU(0.2, True)]
            ch *= 2
        layers += [nn.Conv2d(ch, out_dim, side, 1, 0)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        shape = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != shape:
            raise ValueError(f"x must have shape [n, {', '.join(map(str, shape))}], got {tuple(x.shape)}")
        return self.net(x).flatten(1)


def dcgan(latent_dim=64, image_size=28, channels=1, width=64, norm="batch", d_norm="same",
          seed=None):
    """A DCGAN generator and discriminator pair, initialised as in the paper.

    ``norm`` is G's normalisation; ``d_norm`` is D's (``"same"``: as ``norm``).  Options
    are ``"batch"``, ``"layer"`` and ``None``.  ``seed`` makes the initial weights reproducible
    without touching the global random state.
    """
    d_norm = norm if d_norm == "same" else d_norm
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        G = dcgan_init(DCGANGenerator(latent_dim, image_size, channels, width, norm))
        D = dcgan_init(DCGANDiscriminator(image_size, channels, width, d_norm))
    return G, D
