"""Networks: small, explicit ``torch.nn`` modules."""
import math

import torch
from torch import nn

from ._checks import check_positive_int

__all__ = ["mlp", "dcgan", "dcgan_init", "DCGANGenerator", "DCGANDiscriminator",
           "ConditionalMLP", "conditional_mlp", "ConditionalDCGANGenerator",
           "ConditionalDCGANDiscriminator", "conditional_dcgan", "CONDITIONINGS", "InfoMLP",
           "info_mlp", "InfoDCGANDiscriminator", "info_dcgan", "AutoEncoderMLP", "autoencoder_mlp",
           "BEGANEncoder", "BEGANDecoder", "ConvAutoEncoder", "began", "image_mlp"]

_ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh,
                "elu": nn.ELU, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}


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


def image_mlp(latent_dim, shape, hidden=(256, 256), activation="leaky_relu", seed=None):
    """An MLP generator and discriminator for small images of ``shape`` (C, H, W) in [-1, 1]:
    G maps z through ``hidden`` to tanh pixels and unflattens them; D flattens an image and maps
    it through ``hidden`` to one score.  Both are flat ``nn.Sequential``s of plain layers, so that
    :func:`ganlib.train_many` runs K of them at once as plain calls."""
    shape = tuple(check_positive_int(s, "shape") for s in shape)
    dim = math.prod(shape)
    g = mlp(latent_dim, dim, hidden=hidden, activation=activation, out_activation="tanh", seed=seed)
    d = mlp(dim, 1, hidden=tuple(reversed(hidden)), activation=activation,
            seed=None if seed is None else seed + 1)
    G = nn.Sequential(*g, nn.Unflatten(1, shape))
    D = nn.Sequential(nn.Flatten(), *d)
    G.in_dim, G.out_dim, D.in_dim, D.out_dim = latent_dim, dim, dim, 1
    return G, D


# --------------------------------------------------------------------------- conditional
# Mirza & Osindero (2014) feed the label y to both networks as an extra input.  Three ways:
#   "concat"      the one-hot vector of y appended to the input (the paper's);
#   "embed"       a learned vector e_y appended instead (an embedding table, n_classes × e);
#   "projection"  for a discriminator only (Miyato & Koyama 2018): f(x, y) = ψ(φ(x)) + ⟨e_y, φ(x)⟩,
#                 the label enters as an inner product with D's last features φ(x);
#   "none"        the label is ignored: an unconditional network with the conditional signature,
#                 to show what conditioning one player only does.
CONDITIONINGS = ("concat", "embed", "projection", "none")


def _one_hot(y, n_classes, dtype):
    # a comparison rather than F.one_hot, which reads y's values and so cannot run under vmap
    # (train_many)
    return (y[:, None] == torch.arange(n_classes, device=y.device)).to(dtype)


def _check_images(x, channels, image_size):
    shape = (channels, image_size, image_size)
    if x.dim() != 4 or tuple(x.shape[1:]) != shape:
        raise ValueError(f"x must have shape [n, {', '.join(map(str, shape))}], got {tuple(x.shape)}")


def _check_labels(y, n):
    if y.dim() != 1 or y.shape[0] != n or y.dtype != torch.long:
        raise ValueError(f"y must be a long tensor of {n} labels (one per sample), got shape "
                         f"{tuple(y.shape)} and dtype {y.dtype}")


def _check_conditioning(conditioning, out_dim, allow_projection=True):
    options = CONDITIONINGS if allow_projection else ("concat", "embed")
    if conditioning not in options:
        raise ValueError(f"conditioning must be one of {options}, got {conditioning!r}")
    if conditioning == "projection" and out_dim != 1:
        raise ValueError(f"conditioning='projection' scores each sample once: it needs out_dim=1, "
                         f"got out_dim={out_dim}")


class ConditionalMLP(nn.Module):
    """f(x, y): an MLP of the input x and the class label y ∈ {0, …, n_classes − 1}.

    ``conditioning`` (see ``CONDITIONINGS``): ``"concat"`` appends one_hot(y) to x, ``"embed"``
    appends a learned ``embed_dim``-vector e_y, ``"projection"`` (a discriminator, out_dim 1)
    adds ⟨e_y, φ(x)⟩ to the score ψ(φ(x)) of the last hidden layer φ, and ``"none"`` ignores y.
    As a generator G(z, y), ``in_dim`` is the latent dimension.
    """

    def __init__(self, in_dim, out_dim, n_classes, hidden=(128, 128), conditioning="concat",
                 embed_dim=None, activation="leaky_relu", out_activation=None, seed=None):
        super().__init__()
        in_dim, out_dim = check_positive_int(in_dim, "in_dim"), check_positive_int(out_dim, "out_dim")
        self.n_classes = check_positive_int(n_classes, "n_classes")
        _check_conditioning(conditioning, out_dim)
        hidden = tuple(hidden)
        if conditioning == "projection" and not hidden:
            raise ValueError("conditioning='projection' needs at least one hidden layer (φ)")
        self.conditioning, self.in_dim, self.out_dim = conditioning, in_dim, out_dim
        self.latent_dim = in_dim
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            if conditioning in ("concat", "none"):
                extra = n_classes if conditioning == "concat" else 0
                self.net = mlp(in_dim + extra, out_dim, hidden, activation, out_activation)
            elif conditioning == "embed":
                e = check_positive_int(embed_dim if embed_dim is not None else n_classes, "embed_dim")
                self.embed = nn.Embedding(n_classes, e)
                self.net = mlp(in_dim + e, out_dim, hidden, activation, out_activation)
            else:
                body = mlp(in_dim, 1, hidden, activation, out_activation)
                self.phi = nn.Sequential(*list(body)[:-1])          # x → last hidden features
                self.psi = body[-1]                                  # features → unconditional score
                self.embed = nn.Embedding(n_classes, hidden[-1])
                nn.init.normal_(self.embed.weight, 0.0, 1.0 / hidden[-1] ** 0.5)

    def forward(self, x, y):
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"x must have shape [n, {self.in_dim}], got {tuple(x.shape)}")
        _check_labels(y, len(x))
        if self.conditioning == "concat":
            return self.net(torch.cat([x, _one_hot(y, self.n_classes, x.dtype)], 1))
        if self.conditioning == "none":
            return self.net(x)
        if self.conditioning == "embed":
            return self.net(torch.cat([x, self.embed(y)], 1))
        h = self.phi(x)
        return self.psi(h) + (self.embed(y) * h).sum(1, keepdim=True)


def conditional_mlp(in_dim, out_dim, n_classes, hidden=(128, 128), conditioning="concat",
                    embed_dim=None, activation="leaky_relu", out_activation=None, seed=None):
    """A :class:`ConditionalMLP` ``f(x, y)``; ``seed`` fixes its initial weights."""
    return ConditionalMLP(in_dim, out_dim, n_classes, hidden, conditioning, embed_dim, activation,
                          out_activation, seed)


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
        _check_images(x, self.channels, self.image_size)
        return self.net(x).flatten(1)


def dcgan(latent_dim=64, image_size=28, channels=1, width=64, norm="batch", d_norm="same",
          seed=None):
    """A DCGAN generator and discriminator pair, initialised as in the paper.

    ``norm`` is G's normalisation; ``d_norm`` is D's (``"same"``: as ``norm``).  Options
    are ``"batch"``, ``"layer"`` and ``None``.  ``seed`` makes the initial weights reproducible
    without touching the global random state.
    """
    d_norm = norm if d_norm == "same" else d_norm
    return _seeded_pair(seed, lambda: DCGANGenerator(latent_dim, image_size, channels, width, norm),
                        lambda: DCGANDiscriminator(image_size, channels, width, d_norm))


def _seeded_pair(seed, make_g, make_d):
    """G = make_g(), then D = make_d(), each initialised by :func:`dcgan_init`, in that order,
    from ``seed`` (when given) without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        G = dcgan_init(make_g())
        D = dcgan_init(make_d())
    return G, D


def _dcgan_features(image_size, width):
    """The number of features of the DCGAN discriminator's last feature map."""
    side, k = _DCGAN_SIZES[image_size]
    return width * 2 ** (k - 1) * side * side


class ConditionalDCGANGenerator(nn.Module):
    """G(z, y): the DCGAN generator fed [z, code(y)], with code one_hot(y) (``"concat"``, as
    in Mirza & Osindero 2014) or a learned ``embed_dim``-vector (``"embed"``)."""

    def __init__(self, latent_dim=64, n_classes=10, image_size=28, channels=1, width=64,
                 norm="batch", conditioning="concat", embed_dim=None):
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.n_classes = check_positive_int(n_classes, "n_classes")
        _check_conditioning(conditioning, 1, allow_projection=False)
        self.conditioning = conditioning
        code = n_classes
        if conditioning == "embed":
            code = check_positive_int(embed_dim if embed_dim is not None else n_classes, "embed_dim")
            self.embed = nn.Embedding(n_classes, code)
        self.body = DCGANGenerator(latent_dim + code, image_size, channels, width, norm)
        self.image_size, self.channels = image_size, channels

    def forward(self, z, y):
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape [n, {self.latent_dim}], got {tuple(z.shape)}")
        _check_labels(y, len(z))
        code = (self.embed(y) if self.conditioning == "embed"
                else _one_hot(y, self.n_classes, z.dtype))
        return self.body(torch.cat([z, code], 1))


class ConditionalDCGANDiscriminator(nn.Module):
    """D(x, y): the DCGAN discriminator with the label fed in.

    ``"concat"``: one_hot(y) as ``n_classes`` constant feature maps appended to the image's
    channels (the common conditional DCGAN).  ``"projection"`` (Miyato & Koyama 2018): the
    score of the last feature map φ(x) plus ⟨e_y, φ(x)⟩.
    """

    def __init__(self, n_classes=10, image_size=28, channels=1, width=64, norm="batch",
                 conditioning="projection"):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        _check_conditioning(conditioning, 1)
        if conditioning in ("embed", "none"):
            raise ValueError(f"conditioning={conditioning!r} is not offered for a conditional DCGAN "
                             f"discriminator: it takes 'concat' or 'projection'")
        self.conditioning = conditioning
        self.image_size, self.channels = image_size, channels
        extra = n_classes if conditioning == "concat" else 0
        body = DCGANDiscriminator(image_size, channels + extra, width, norm)
        self.phi, self.psi = body.net[:-1], body.net[-1]
        if conditioning == "projection":
            features = _dcgan_features(image_size, width)
            self.embed = nn.Embedding(n_classes, features)
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x, y):
        _check_images(x, self.channels, self.image_size)
        _check_labels(y, len(x))
        if self.conditioning == "concat":
            maps = _one_hot(y, self.n_classes, x.dtype)[:, :, None, None]
            x = torch.cat([x, maps.expand(-1, -1, *x.shape[2:])], 1)
            return self.psi(self.phi(x)).flatten(1)
        h = self.phi(x)
        return self.psi(h).flatten(1) + (self.embed(y) * h.flatten(1)).sum(1, keepdim=True)


def conditional_dcgan(latent_dim=64, n_classes=10, image_size=28, channels=1, width=64,
                      norm="batch", d_norm="same", g_conditioning="concat",
                      d_conditioning="projection", embed_dim=None, seed=None):
    """A conditional DCGAN pair G(z, y), D(x, y), initialised as in the DCGAN paper
    (:func:`dcgan_init`; label embeddings keep their own N(0, 0.02) start)."""
    d_norm = norm if d_norm == "same" else d_norm
    return _seeded_pair(seed, lambda: ConditionalDCGANGenerator(latent_dim, n_classes, image_size, channels,
                                                                width, norm, g_conditioning, embed_dim),
                        lambda: ConditionalDCGANDiscriminator(n_classes, image_size, channels, width, d_norm,
                                                              d_conditioning))


# --------------------------------------------------------------------------- InfoGAN
# Chen et al. (2016): Q shares all of D's body; one extra hidden layer per head gives the GAN
# score (one column) and Q's parameters (q_dim columns), returned side by side as [score | q].
class InfoMLP(nn.Module):
    """D(x) → [score, Q's q_dim parameters]: an MLP body shared by the score head (linear)
    and the Q head (one hidden layer of ``q_hidden`` units)."""

    def __init__(self, in_dim, q_dim, hidden=(128, 128), q_hidden=64, activation="leaky_relu",
                 seed=None):
        super().__init__()
        self.in_dim, self.q_dim = check_positive_int(in_dim, "in_dim"), check_positive_int(q_dim, "q_dim")
        hidden = tuple(hidden)
        if not hidden:
            raise ValueError("InfoMLP needs at least one hidden layer (the shared body)")
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            body = mlp(in_dim, 1, hidden, activation)
            self.body = body[:-1]  # every hidden layer with its activation; the last linear is the score
            self.score = body[-1]
            self.q = nn.Sequential(nn.Linear(hidden[-1], check_positive_int(q_hidden, "q_hidden")),
                                   _activation(activation, "activation"), nn.Linear(q_hidden, q_dim))

    def forward(self, x):
        h = self.body(x)
        return torch.cat([self.score(h), self.q(h)], 1)


def info_mlp(in_dim, q_dim, hidden=(128, 128), q_hidden=64, activation="leaky_relu", seed=None):
    """An :class:`InfoMLP` discriminator with a Q head; ``q_dim`` is ``objectives.InfoGAN(prior).q_dim``."""
    return InfoMLP(in_dim, q_dim, hidden, q_hidden, activation, seed)


class InfoDCGANDiscriminator(nn.Module):
    """The DCGAN discriminator with InfoGAN's Q head: the strided convolutions are shared; the
    score is the DCGAN's last convolution, and Q is a linear layer of ``q_hidden`` units
    (normalised as the body, LeakyReLU 0.2) and a linear layer to ``q_dim`` parameters."""

    def __init__(self, q_dim, image_size=28, channels=1, width=64, norm="batch", q_hidden=128):
        super().__init__()
        self.q_dim = check_positive_int(q_dim, "q_dim")
        body = DCGANDiscriminator(image_size, channels, width, norm)
        self.image_size, self.channels = image_size, channels
        self.phi, self.psi = body.net[:-1], body.net[-1]
        features = _dcgan_features(image_size, width)
        q_hidden = check_positive_int(q_hidden, "q_hidden")
        q_norm = {"batch": nn.BatchNorm1d(q_hidden), "layer": nn.LayerNorm(q_hidden)}.get(norm, nn.Identity())
        self.q = nn.Sequential(nn.Flatten(), nn.Linear(features, q_hidden), q_norm,
                               nn.LeakyReLU(0.2, True), nn.Linear(q_hidden, q_dim))

    def forward(self, x):
        _check_images(x, self.channels, self.image_size)
        h = self.phi(x)
        return torch.cat([self.psi(h).flatten(1), self.q(h)], 1)


def info_dcgan(latent_dim, q_dim, image_size=28, channels=1, width=64, norm="batch",
               d_norm="same", seed=None):
    """An InfoGAN pair: the DCGAN generator of the whole latent vector (noise and codes,
    ``latent_dim = prior.dim``) and :class:`InfoDCGANDiscriminator`, initialised as in the
    DCGAN paper."""
    d_norm = norm if d_norm == "same" else d_norm
    return _seeded_pair(seed, lambda: DCGANGenerator(latent_dim, image_size, channels, width, norm),
                        lambda: InfoDCGANDiscriminator(q_dim, image_size, channels, width, d_norm))


# --------------------------------------------------------------------------- auto-encoder D
# EBGAN (Zhao, Mathieu & LeCun 2017) and BEGAN (Berthelot, Schumm & Metz 2017): the
# discriminator is an auto-encoder, and its per-sample reconstruction error is the score (an
# energy, a loss).  Every auto-encoder here returns [error | code]: the error in column 0, then
# the encoder's code (EBGAN's pulling-away term is computed on it).
_RECONSTRUCTION = ("mse", "l1")


def _reconstruction_error(x, x_hat, kind):
    diff = (x_hat - x).flatten(1)
    return (diff ** 2 if kind == "mse" else diff.abs()).mean(1, keepdim=True)


def _check_reconstruction(kind):
    if kind not in _RECONSTRUCTION:
        raise ValueError(f"reconstruction must be 'mse' (EBGAN) or 'l1' (BEGAN), got {kind!r}")
    return kind


class AutoEncoderMLP(nn.Module):
    """x ∈ R^dim → [reconstruction error, code]: an MLP encoder to a ``code_dim`` code and an
    MLP decoder back, the error being the per-sample mean of the squared (``"mse"``, EBGAN) or
    absolute (``"l1"``, BEGAN) differences; ``reconstruct(x)`` is the decoder's output."""

    def __init__(self, dim, code_dim=8, hidden=(64,), activation="leaky_relu", reconstruction="mse",
                 seed=None):
        super().__init__()
        self.dim, self.code_dim = check_positive_int(dim, "dim"), check_positive_int(code_dim, "code_dim")
        self.reconstruction = _check_reconstruction(reconstruction)
        hidden = tuple(hidden)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.encoder = mlp(dim, code_dim, hidden, activation)
            self.decoder = mlp(code_dim, dim, tuple(reversed(hidden)), activation)

    def reconstruct(self, x):
        return self.decoder(self.encoder(x))

    def forward(self, x):
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape [n, {self.dim}], got {tuple(x.shape)}")
        code = self.encoder(x)
        return torch.cat([_reconstruction_error(x, self.decoder(code), self.reconstruction), code], 1)


def autoencoder_mlp(dim, code_dim=8, hidden=(64,), activation="leaky_relu", reconstruction="mse",
                    seed=None):
    """An :class:`AutoEncoderMLP` discriminator for EBGAN (``reconstruction="mse"``) or BEGAN
    (``"l1"``)."""
    return AutoEncoderMLP(dim, code_dim, hidden, activation, reconstruction, seed)


def _began_side(image_size):
    side, k = _DCGAN_SIZES.get(image_size, (None, None))
    if side is None:
        raise ValueError(f"image_size must be one of {sorted(_DCGAN_SIZES)}, got {image_size!r}")
    return side, k


class BEGANDecoder(nn.Module):
    """BEGAN's decoder, also its generator: a linear map of h ∈ R^code_dim to ``width`` maps of
    the smallest side, then per scale two 3×3 convolutions with ELU and a nearest-neighbour
    upsampling ×2, and a last 3×3 convolution to ``channels`` maps (no normalisation anywhere)."""

    def __init__(self, code_dim, image_size=28, channels=1, width=32, out_activation=None):
        super().__init__()
        self.code_dim = check_positive_int(code_dim, "code_dim")
        self.side, k = _began_side(image_size)
        self.width = check_positive_int(width, "width")
        self.fc = nn.Linear(code_dim, width * self.side * self.side)
        layers = []
        for i in range(k + 1):
            layers += [nn.Conv2d(width, width, 3, 1, 1), nn.ELU(), nn.Conv2d(width, width, 3, 1, 1), nn.ELU()]
            if i < k:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        layers.append(nn.Conv2d(width, check_positive_int(channels, "channels"), 3, 1, 1))
        if out_activation is not None:
            layers.append(_activation(out_activation, "out_activation"))
        self.net = nn.Sequential(*layers)

    def forward(self, h):
        if h.dim() != 2 or h.shape[1] != self.code_dim:
            raise ValueError(f"the input must have shape [n, {self.code_dim}], got {tuple(h.shape)}")
        return self.net(self.fc(h).reshape(len(h), self.width, self.side, self.side))


class BEGANEncoder(nn.Module):
    """BEGAN's encoder: a 3×3 convolution to ``width`` maps, then per scale two 3×3
    convolutions with ELU, the channels growing by ``width`` and a stride-2 convolution halving
    the side, and a linear map of the smallest maps to the code."""

    def __init__(self, code_dim, image_size=28, channels=1, width=32):
        super().__init__()
        side, k = _began_side(image_size)
        width = check_positive_int(width, "width")
        layers, ch = [nn.Conv2d(check_positive_int(channels, "channels"), width, 3, 1, 1), nn.ELU()], width
        for i in range(k + 1):
            out = width * (i + 1)
            layers += [nn.Conv2d(ch, ch, 3, 1, 1), nn.ELU(), nn.Conv2d(ch, out, 3, 1, 1), nn.ELU()]
            if i < k:
                layers += [nn.Conv2d(out, out, 3, 2, 1), nn.ELU()]
            ch = out
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.fc = nn.Linear(ch * side * side, check_positive_int(code_dim, "code_dim"))

    def forward(self, x):
        return self.fc(self.net(x))


class ConvAutoEncoder(nn.Module):
    """image → [reconstruction error, code]: BEGAN's encoder and decoder (3×3 convolutions,
    ELU, no batch norm, nearest-neighbour upsampling) around a ``code_dim`` code."""

    def __init__(self, image_size=28, channels=1, width=32, code_dim=32, reconstruction="l1"):
        super().__init__()
        self.image_size, self.channels = image_size, channels
        self.reconstruction = _check_reconstruction(reconstruction)
        self.encoder = BEGANEncoder(code_dim, image_size, channels, width)
        self.decoder = BEGANDecoder(code_dim, image_size, channels, width)

    def reconstruct(self, x):
        return self.decoder(self.encoder(x))

    def forward(self, x):
        _check_images(x, self.channels, self.image_size)
        code = self.encoder(x)
        return torch.cat([_reconstruction_error(x, self.decoder(code), self.reconstruction), code], 1)


def began(latent_dim=32, image_size=28, channels=1, width=32, code_dim=None, reconstruction="l1",
          seed=None):
    """A BEGAN pair: G is the decoder's architecture on z (tanh output, images in (−1, 1)) and D
    the :class:`ConvAutoEncoder` with a ``code_dim`` code (default: ``latent_dim``), PyTorch's
    default initialisation.  ``reconstruction="mse"`` gives EBGAN's energy instead."""
    code_dim = latent_dim if code_dim is None else code_dim
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        G = BEGANDecoder(latent_dim, image_size, channels, width, out_activation="tanh")
        D = ConvAutoEncoder(image_size, channels, width, code_dim, reconstruction)
    return G, D
