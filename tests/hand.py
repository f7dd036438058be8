"""Objectives on hand-chosen scores: D is the identity, so the "samples" are D's raw scores."""
from ganlib.objectives import Batch


def identity(x):
    return x


def on_scores(obj, r_real, r_fake):
    """``(d_loss, d_logs, g_loss)`` as floats when D scores the real samples ``r_real`` and
    the generated ones ``r_fake``."""
    d, logs = obj.d_loss(identity, Batch(real=r_real, fake=r_fake))
    g, _ = obj.g_loss(identity, Batch(fake=r_fake))
    return float(d), {k: float(v) for k, v in logs.items()}, float(g)


def g_loss(obj, r_fake):
    return obj.g_loss(identity, Batch(fake=r_fake))[0]
