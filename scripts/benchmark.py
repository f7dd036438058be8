"""Execute each chapter in a fresh kernel and print its wall time and peak memory.

    python scripts/benchmark.py [NOTEBOOK ...]      (default: every book/*/*.ipynb)

Each notebook runs in its own child process (so that peak memory is the kernel's own), with
the settings readers see. The budgets (DESIGN.md): ≤ 60 s median, ≤ 90 s worst on 2 CPU cores.

Besides wall time it prints the kernel's CPU time (user + system). On a quiet machine the two
agree for the book's one-thread chapters; on a shared virtual machine whose host takes CPU
away ("steal", the 8th number of /proc/stat's cpu line) wall time grows and CPU time does not,
so the CPU column is the one to compare across runs. The steal share during the run is printed
at the end (Linux only). A shared host's CPU can also run slower without any steal; a fixed
reference workload (2,000 Adam steps of a 2→128→128→1 MLP on 256 points, one thread) timed
before and after the chapters shows how fast this machine was: compare chapter times across
machines or sessions in units of it.
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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)                # the kernel, once reaped
    peak_kib = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)    # Linux: KiB
    print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                      "peak_mib": peak_kib / 1024}))


def reference_workload():
    """CPU seconds of a fixed tiny training loop in this process, one thread."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 1))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.randn(256, 2, generator=gen)
    start = time.process_time()
    for _ in range(2000):
        opt.zero_grad()
        net(x).square().mean().backward()
        opt.step()
    torch.set_num_threads(threads)
    return time.process_time() - start


def _cpu_ticks():
    """(steal, total) jiffies of all CPUs so far, or None where /proc/stat is missing."""
    try:
        fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[7], sum(fields[:8])


def main(paths):
    paths = paths or sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("book/*/*.ipynb"))
    env = dict(os.environ, GANLIB_PROGRESS="0")
    rows, w = [], max(len(p) for p in paths) + 2
    ticks = _cpu_ticks()
    ref_start = reference_workload()
    print(f"{'chapter':<{w}}{'seconds':>10}{'cpu s':>10}{'peak MiB':>10}")
    for path in paths:
        out = subprocess.run([sys.executable, __file__, "--one", path], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{path:<{w}}{'FAILED':>10}\n{out.stderr[-2000:]}")
            rows.append((path, float("nan"), float("nan")))
            continue
        res = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((path, res["seconds"], res["cpu_seconds"]))
        print(f"{path:<{w}}{res['seconds']:>10.1f}{res['cpu_seconds']:>10.1f}{res['peak_mib']:>10.0f}",
              flush=True)
    for column, label in ((1, "wall"), (2, "cpu")):
        times = [row[column] for row in rows if row[column] == row[column]]
        if times:
            print(f"{label}: median {statistics.median(times):.1f} s, worst {max(times):.1f} s "
                  f"(budget: median <= 60 s, worst <= 90 s on 2 CPU cores)")
    print(f"reference workload: {ref_start:.2f} s before the chapters, {reference_workload():.2f} s after")
    end = _cpu_ticks()
    if ticks and end and end[1] > ticks[1]:
        print(f"steal: {100 * (end[0] - ticks[0]) / (end[1] - ticks[1]):.0f} % of all CPU time during the run")
    return 1 if any(row[1] != row[1] for row in rows) else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1:]))
