#!/usr/bin/env bash
# The checks that need a GPU (run on a CUDA machine from the repository root, with a python3 that
# has torch; ganlib from this tree): ganlib trains on CUDA, torchrun with NCCL, a timing of the
# same run on the GPU and on one CPU thread, and the unit tests with CUDA as the default device.
set -uo pipefail
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 GANLIB_PROGRESS=0
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
nvidia-smi -L; python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"

echo "== NCCL, one GPU: DDP with one rank equals one process (WGAN-GP, digits, DCGAN with layer norm)"
cat > /tmp/nccl_eq.py <<'PY'
import os, torch, ganlib
from ganlib import data, nets, objectives
def go(distributed):
    G, D = nets.dcgan(16, 8, 1, width=16, norm="layer", seed=0)
    r = ganlib.train(G, D, data.digits(), objectives.WassersteinGP(), steps=50, batch_size=64,
                     seed=1, progress=False, distributed=distributed)
    return r, next(G.parameters()).device
r1, dev = go("auto")
rank = int(os.environ.get("RANK", 0))
if rank == 0:
    torch.distributed.destroy_process_group()
    r0, _ = go(False)
    diff = max(float((a - b).abs().max()) for a, b in zip(r1.G.state_dict().values(), r0.G.state_dict().values()))
    print(f"device {dev}, world size {r1.world_size}, backend nccl; max |param diff| DDP vs plain = {diff:.2e}")
PY
torchrun --standalone --nproc-per-node 1 /tmp/nccl_eq.py 2>&1 | grep -v Warning | tail -4

echo "== the command line under torchrun (NCCL, 1 GPU): DCGAN with batch norm on digits, then resumed"
/usr/bin/time -f "%e s wall" torchrun --standalone --nproc-per-node 1 -m ganlib.train --out "$OUT/dcgan" \
  --data digits --image-size 8 --width 32 --latent-dim 16 --steps 1000 --checkpoint-every 500 --no-progress 2>&1 | tail -3
torchrun --standalone --nproc-per-node 1 -m ganlib.train --config "$OUT/dcgan/config.json" --steps 1200 2>&1 | tail -2
rm -f "$OUT/dcgan/run.pt"

echo "== two processes on one GPU fall back to gloo on the CPU (NCCL needs a GPU per process)"
torchrun --standalone --nproc-per-node 2 -m ganlib.train --out /tmp/two --data ring --steps 50 --no-progress 2>&1 | tail -2

echo "== timing: WGAN-GP on the ring, 300 steps, MLP 128x128, on cuda and on 1 CPU thread"
cat > /tmp/timing.py <<'PY'
import sys, time, torch, ganlib
from ganlib import data, nets, objectives
torch.set_num_threads(1)
for dev in ("cuda", "cpu"):
    G, D = nets.mlp(8, 2, hidden=(128, 128), seed=0), nets.mlp(2, 1, hidden=(128, 128), seed=1)
    t = time.perf_counter()
    r = ganlib.train(G, D, data.ring(), objectives.WassersteinGP(), steps=300, batch_size=256,
                     n_critic=5, seed=0, device=dev, progress=False, distributed=False)
    print(f"{dev}: {time.perf_counter() - t:.1f} s, last W1 {r.history['W1'][-1]:.3f}")
PY
python3 /tmp/timing.py

echo "== unit tests with CUDA as ganlib's default device"
timeout 330 python3 -m pytest -q -n 8 -p no:cacheprovider tests --ignore=tests/test_book.py \
  --ignore=tests/test_workflows.py -q 2>&1 | tee "$OUT/pytest.log" | tail -25
