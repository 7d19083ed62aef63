"""Times AIF360's OptimPreproc.fit (the program built by OptTools and solved by cvxpy's default solver) on the
AIF360 Adult demo's setup on fairlab's rows, the program `fairlab-bench optimpreproc` solves in-house from
Tests/FairlabHostTests/Fixtures/optimpreproc_goldens.json (tools/golden/make_optimpreproc_goldens.py).

    /work/pyenv/bin/python tools/bench/optimpreproc.py [--runs 3]

Each timing runs in its own subprocess, once with OPENBLAS_NUM_THREADS=1 (and OMP/MKL likewise) and once with the
default threads; imports and the dataset's loading are excluded, the fit (problem construction + solve) is
timed. Prints one JSON object per line: the median seconds and the objective reached.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def worker(runs):
    sys.path.insert(0, os.path.join(HERE, "..", "golden"))
    import make_optimpreproc_goldens as golden  # noqa: E402 (the same AIF360 setup as the fixture's)
    times, objective = [], None
    for _ in range(runs):
        fit = golden.fit_with_stats(golden.adult_fit)
        start = time.perf_counter()
        _, _, problem, _ = fit()
        times.append(time.perf_counter() - start)
        objective = float(problem.value)
    print(json.dumps({"median_seconds": statistics.median(times), "runs": runs, "objective": objective}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        return worker(args.runs)
    for threads in ("1", None):
        env = dict(os.environ)
        if threads:
            env.update({"OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads})
        out = subprocess.run([sys.executable, __file__, "--worker", "--runs", str(args.runs)], env=env,
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        result = json.loads(out)
        result.update({"benchmark": "aif360-optimpreproc-adult-demo", "threads": threads or "default"})
        print(json.dumps(result))


if __name__ == "__main__":
    main()
