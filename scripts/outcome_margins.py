"""Measure every training-outcome case of the tests over many seeds and numeric paths.

    python scripts/outcome_margins.py [--seeds N] [--paths default,avx2,sse] [--jobs J] [FILTER ...]

A training outcome changes with the seed and with the machine's rounding (torch's MKL picks its
kernels by CPU).  Before a test's threshold is set, this script shows the margin: for each case
in ``tests/outcome_cases.py`` (or those whose name contains a FILTER), each numeric path and each
seed, the numbers the case returns, then min / median / max.  The paths:

* ``default``: whatever this CPU picks;
* ``avx2``:    ``MKL_ENABLE_INSTRUCTIONS=AVX2``;
* ``sse``:     ``MKL_ENABLE_INSTRUCTIONS=SSE4_2 ATEN_CPU_CAPABILITY=default``.

Each (case, path, seed) runs in a fresh process with one torch thread, ``--jobs`` at a time.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PATHS = {
    "default": {},
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "sse": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ATEN_CPU_CAPABILITY": "default"},
}


def _one(case, seed):
    sys.path.insert(0, str(ROOT / "tests"))
    import outcome_cases
    fn, kwargs = outcome_cases.CASES[case]
    print(json.dumps(fn(seed=seed, **kwargs)))


def _child(case, path, seed):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", GANLIB_PROGRESS="0",
               **PATHS[path])
    out = subprocess.run([sys.executable, __file__, "--one", case, str(seed)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        return case, path, seed, {"error": out.stderr.strip().splitlines()[-1]}
    return case, path, seed, json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("filters", nargs="*")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--paths", default="default,avx2,sse")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="also write every result to this file")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import outcome_cases
    cases = [c for c in outcome_cases.CASES if not args.filters or any(f in c for f in args.filters)]
    paths = args.paths.split(",")
    for p in paths:
        if p not in PATHS:
            ap.error(f"--paths: unknown path {p!r} (known: {', '.join(PATHS)})")
    jobs = [(c, p, s) for c in cases for p in paths for s in range(args.seeds)]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for case, path, seed, res in pool.map(lambda j: _child(*j), jobs):
            results.setdefault(case, {}).setdefault(path, {})[seed] = res
    for case in cases:
        print(f"\n{case}")
        for path in paths:
            runs = results[case][path]
            errors = [r["error"] for r in runs.values() if "error" in r]
            if errors:
                print(f"  {path:8s} ERROR {errors[0]}")
                continue
            for key in runs[0]:
                vals = [runs[s][key] for s in sorted(runs)]
                print(f"  {path:8s} {key:13s} min {min(vals):8.4g}  median "
                      f"{statistics.median(vals):8.4g}  max {max(vals):8.4g}   "
                      + " ".join(f"{v:.3g}" for v in vals))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        _one(sys.argv[2], int(sys.argv[3]))
    else:
        main()
