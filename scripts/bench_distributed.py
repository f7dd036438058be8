"""Speed-up of training across 2 processes (torchrun, gloo, one thread each) against 1 process on
this CPU: a DCGAN on 28x28 MNIST and the ring study, the same global work each way.

    python scripts/bench_distributed.py [--steps 60]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1", GANLIB_PROGRESS="0")
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100, help="the longer runs' steps (the shorter: 1/5)")
    args = p.parse_args()
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node"]
    jobs = {   # (arguments, steps multiplier): the same global work for 1 and 2 processes
        "DCGAN, MNIST 28x28, batch 128": (["-m", "ganlib.train", "--data", "mnist", "--width", "32",
                                           "--batch-size", "128", "--checkpoint-every", "100000",
                                           "--no-progress"], 1),
        "study on the ring: 2 models x 2 trials x 2 seeds": (
            ["-m", "ganlib.study", "--models", "nonsaturating", "lsgan", "--trials", "2",
             "--no-progress"], 5),
    }
    # the time per step is the difference of a long and a short run (start-up, data and
    # process-group set-up cancel)
    long, short = args.steps, max(1, args.steps // 5)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (job, mult) in jobs.items():
            per = {}
            for n in (1, 2):
                t = {}
                for steps in (short, long):
                    out = os.path.join(tmp, f"{name[:5]}-{n}-{steps}")
                    t[steps] = timed(launch + [str(n)] + job + ["--steps", str(steps * mult),
                                                                "--out", out])
                per[n] = (t[long] - t[short]) / (long - short)
            print(json.dumps(dict(job=name, steps=f"{short * mult} and {long * mult}",
                                  one_process_s_per_step=round(per[1], 4),
                                  two_processes_s_per_step=round(per[2], 4),
                                  speedup=round(per[1] / per[2], 2))))


if __name__ == "__main__":
    main()
