"""Execute each chapter in a fresh kernel and print its wall time and peak memory.

    python scripts/benchmark.py [NOTEBOOK ...]      (default: every book/*/*.ipynb)

Each notebook runs in its own child process (so that peak memory is the kernel's own), with
the settings readers see. The budgets (DESIGN.md): ≤ 60 s median, ≤ 90 s worst on 2 CPU cores.
"""
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_one(path):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(pathlib.Path(path).parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss   # the kernel (Linux: KiB)
    if sys.platform == "darwin":
        peak_kib //= 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024}))


def main(paths):
    paths = paths or sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("book/*/*.ipynb"))
    env = dict(os.environ, GANLIB_PROGRESS="0")
    rows, w = [], max(len(p) for p in paths) + 2
    print(f"{'chapter':<{w}}{'seconds':>10}{'peak MiB':>10}")
    for path in paths:
        out = subprocess.run([sys.executable, __file__, "--one", path], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{path:<{w}}{'FAILED':>10}\n{out.stderr[-2000:]}")
            rows.append((path, float("nan"), float("nan")))
            continue
        res = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((path, res["seconds"], res["peak_mib"]))
        print(f"{path:<{w}}{res['seconds']:>10.1f}{res['peak_mib']:>10.0f}", flush=True)
    times = [t for _, t, _ in rows if t == t]
    if times:
        print(f"median {statistics.median(times):.1f} s, worst {max(times):.1f} s "
              f"(budget: median <= 60 s, worst <= 90 s on 2 CPU cores)")
    return 0 if len(times) == len(rows) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1:]))
