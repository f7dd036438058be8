"""ganlib: the small PyTorch library behind *Executable GANs / 可执行的生成对抗网络*.

Every GAN objective is a variational estimate of a divergence between the data and the
generator's distribution; ganlib makes that idea executable:

* ``ganlib.data``        distributions to learn (1-D with densities, 2-D rings/grids, images)
* ``ganlib.theory``      the truth: numerical divergences (scipy) and sympy derivations
* ``ganlib.objectives``  one small class per paper
* ``ganlib.nets``        networks
* ``ganlib.train``       ``fit_discriminator`` and ``train``: one loop for every objective
* ``ganlib.train_many``  K models of one architecture trained at once (``torch.func``)
* ``ganlib.metrics``     sample-quality measures
* ``ganlib.plot``        figures in English or Chinese
* ``ganlib.results``     shipped results of runs too long for a chapter (``scripts/``)
* ``ganlib.distributed`` ``train`` under ``torchrun``: DistributedDataParallel, NCCL or gloo
* ``python -m ganlib.train`` and ``python -m ganlib.study``: resumable long runs and the
  hyperparameter study, in one process or under ``torchrun``
"""
from . import data, metrics, nets, objectives, results, theory  # noqa: F401
from .training import (FitWarning, Run, TrainingDiverged, device,  # noqa: F401
                       fit_discriminator, fit_posterior, linear_decay, linear_lr_decay, train,
                       wgan_critic_schedule)
from .many import train_many  # noqa: F401

__version__ = "0.1.0"
__all__ = ["data", "theory", "objectives", "nets", "metrics", "plot", "results", "device",
           "fit_discriminator", "fit_posterior", "FitWarning", "train", "train_many", "linear_decay",
           "linear_lr_decay", "wgan_critic_schedule", "Run", "TrainingDiverged"]


def __getattr__(name):  # matplotlib is imported only when plotting is asked for
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'ganlib' has no attribute {name!r}")
