"""Networks: small, explicit ``torch.nn`` modules."""
import torch
from torch import nn

from ._checks import check_positive_int

__all__ = ["mlp"]

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
