"""Training across processes and machines with PyTorch's own distributed engine.

``ganlib.train`` (and ``python -m ganlib.train``) run unchanged under ``torchrun``: the launcher's
environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``) is detected, the process
group is started (NCCL on CUDA, gloo on the CPU), and G and D are wrapped in
``torch.nn.parallel.DistributedDataParallel``, which averages their gradients over the ranks.

How a run is split, so that it equals a single process with the same arguments (to rounding):

* ``batch_size`` is the *global* batch.  Every rank draws the whole batch from the run's seeded
  streams (data, z, and the objective's variates u) and keeps its own contiguous share of
  ``batch_size / world_size`` samples.  The losses are means, so DDP's average of the ranks'
  gradients is the gradient of the global batch.
* The logs are averaged over the ranks when they are copied to the host, so every rank holds
  the same ``run.history``.  Rank 0 alone takes snapshots, shows the progress bar and writes
  checkpoints and log files.
"""
from __future__ import annotations

import os

import torch
from torch import distributed as dist
from torch import nn

__all__ = ["Context", "context", "launched"]


def launched():
    """Whether this process was started by ``torchrun`` (or another launcher that sets the whole
    ``env://`` rendezvous: ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``).  A lone
    ``RANK`` or ``WORLD_SIZE``, as some notebook services set, is not a launch."""
    return all(k in os.environ for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


class Context:
    """This process's place in a run: ``rank`` of ``world_size`` processes (one process, rank 0,
    when not distributed)."""

    def __init__(self, rank=0, world_size=1, local_rank=0, active=False, device=None):
        self.rank, self.world_size, self.local_rank, self.active = rank, world_size, local_rank, active
        self.device = device        # this rank's GPU under NCCL; None: train()'s usual choice

    def __repr__(self):
        return (f"Context(rank={self.rank}, world_size={self.world_size}, "
                f"backend={dist.get_backend() if self.active else None!r})")

    @property
    def is_main(self):
        return self.rank == 0

    def shard(self, t):
        """This rank's contiguous share of a global batch (the whole batch in one process)."""
        if not self.active or t is None:
            return t
        n = len(t) // self.world_size
        return t[self.rank * n:(self.rank + 1) * n]

    def mean(self, t):
        """The mean of ``t`` over the ranks (all-reduce), on every rank."""
        if not self.active or self.world_size == 1:
            return t
        t = t.clone()
        dist.all_reduce(t, op=dist.ReduceOp.SUM)        # gloo has no AVG
        return t / self.world_size

    def mean_(self, tensors):
        """Replace each tensor of ``tensors`` by its mean over the ranks, in one all-reduce."""
        if not self.active or self.world_size == 1 or not tensors:
            return
        flat = self.mean(torch.cat([t.reshape(-1) for t in tensors]))
        for t, part in zip(tensors, flat.split([t.numel() for t in tensors])):
            t.copy_(part.view_as(t))

    def wrap(self, net, dev):
        """``net`` in ``DistributedDataParallel`` (``net`` itself when not distributed)."""
        if not self.active:
            return net
        if not any(p.requires_grad for p in net.parameters()):
            return net
        # broadcast_buffers=False: DDP's default copies rank 0's batch-norm statistics into
        # every rank in place before each forward, and a GAN calls D twice (real, fake) before
        # one backward; on CUDA that in-place copy breaks the backward ("modified by an inplace
        # operation"). Every rank keeps its own statistics (identical with SyncBatchNorm).
        return nn.parallel.DistributedDataParallel(
            net, device_ids=[dev.index if dev.index is not None else torch.cuda.current_device()]
            if dev.type == "cuda" else None, broadcast_buffers=False)


def context(distributed="auto"):
    """The :class:`Context` of this process.

    ``distributed="auto"`` joins the process group when one is initialised, or starts it when
    the process was launched by ``torchrun``; otherwise the run is a single process.
    ``distributed=True`` requires one of the two; ``False`` never distributes."""
    if distributed not in ("auto", True, False):
        raise ValueError(f"distributed must be 'auto', True or False, got {distributed!r}")
    if distributed is False:
        return Context()
    if not dist.is_available():
        if distributed is True:
            raise RuntimeError("distributed=True, but this build of torch has no torch.distributed")
        return Context()
    if not dist.is_initialized():
        if not launched():
            if distributed is True:
                raise ValueError("distributed=True needs a process group: launch with torchrun "
                                 "(torchrun --nproc-per-node N ...) or call "
                                 "torch.distributed.init_process_group first")
            return Context()
        dist.init_process_group("nccl" if _one_gpu_per_rank() else "gloo")
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = None
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    return Context(dist.get_rank(), dist.get_world_size(), local_rank, active=True, device=device)


def _one_gpu_per_rank():
    """NCCL needs a GPU of its own for each process of a machine; with fewer GPUs than
    processes (say two processes on a laptop's one GPU) the run uses gloo."""
    local = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", 1)))
    return torch.cuda.is_available() and torch.cuda.device_count() >= local
