"""Fit time of the base learner on wide one-hot data: fairlab against scikit-learn, like for like.

    python3 tools/bench/wide_fit.py [--rows 20000] [--widths 100,1000,15000] [--runs 3] [--folder /tmp/fairlab-wide]

For each width it makes a `wide` dataset with tools/synth/make_dataset.py (a few numeric columns, a name and a
date column one-hot encoded to about WIDTH features, sex protected), then fits, on every row, standardised
with the rows' mean and population standard deviation as fairlab does:

- fairlab's logistic regression (`fairlab-bench learner-file`, release build, one BLAS thread), and the same
  with Newton steps from a Cholesky factorisation forced (`--cg-width` very large), up to 2,000 features;
- scikit-learn's LogisticRegression(C=1.0) with its default lbfgs solver on the same dense matrix, once with
  OPENBLAS_NUM_THREADS=1 and once with the default threads, each in its own process.

It prints the median seconds of `--runs` fits and the objective each side reaches, Σ log-loss + ½‖β‖² (C = 1),
which both minimise: scikit-learn stops at its default tolerance, short of the optimum fairlab reaches. Build first: swift build -c release.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / ".build/release/fairlab-bench"

SKLEARN_SIDE = r"""
import json, statistics, sys, time, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
warnings.filterwarnings("ignore")
path, runs, tools = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, tools)
import fairlab_dataset
dataset = fairlab_dataset.load(path)
x, y = dataset["features"], dataset["labels"]
mean, std = x.mean(axis=0), x.std(axis=0)
std[std == 0] = 1.0
x = (x - mean) / std
times = []
for _ in range(runs):
    start = time.perf_counter()
    model = LogisticRegression(C=1.0).fit(x, y)
    times.append(time.perf_counter() - start)
loss = log_loss(y, model.predict_proba(x)[:, 1])
print(json.dumps({"median_seconds": statistics.median(times), "iterations": int(model.n_iter_[0]), "train_log_loss": loss,
                  "objective": loss * len(y) + 0.5 * float(np.sum(model.coef_ ** 2))}))
"""


def dataset(folder, rows, width):
    path = folder / f"wide-{width}-{rows}.h5"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "tools/synth/make_dataset.py"), "--shape", "wide", "--rows", str(rows),
                        "--onehot-width", str(width), "-o", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def fairlab(path, runs, *extra):
    output = subprocess.run([str(BENCH), "learner-file", str(path), f"--runs={runs}", *extra], check=True,
                            capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}).stdout
    return json.loads(output.strip().splitlines()[-1])


def sklearn(path, runs, threads):
    environment = dict(os.environ)
    environment.pop("OPENBLAS_NUM_THREADS", None)
    if threads:
        environment["OPENBLAS_NUM_THREADS"] = threads
    output = subprocess.run([sys.executable, "-c", SKLEARN_SIDE, str(path), str(runs), str(ROOT / "tools")], check=True,
                            capture_output=True, text=True, env=environment).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--widths", default="100,1000,15000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", default="/tmp/fairlab-wide")
    args = parser.parse_args()
    folder = pathlib.Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    print("| rows | features | fairlab (solver) | fairlab, Cholesky Newton | scikit-learn lbfgs, 1 thread | "
          "scikit-learn, default threads | ratio (1 thread) | objective fairlab / scikit-learn |")
    print("|---|---|---|---|---|---|---|---|")
    for width in [int(w) for w in args.widths.split(",")]:
        path = dataset(folder, args.rows, width)
        ours = fairlab(path, args.runs)
        cholesky = fairlab(path, args.runs, "--cg-width=1000000000") if ours["features"] <= 2000 else None
        single, default = sklearn(path, args.runs, "1"), sklearn(path, args.runs, None)
        print(f"| {ours['rows']} | {ours['features']} | {ours['median_seconds']:.3f} s ({ours['solver']}) | "
              f"{'%.3f s' % cholesky['median_seconds'] if cholesky else 'not run'} | {single['median_seconds']:.3f} s | "
              f"{default['median_seconds']:.3f} s | {single['median_seconds'] / ours['median_seconds']:.1f}x | "
              f"{ours['objective']:.6f} / {single['objective']:.6f} |", flush=True)


if __name__ == "__main__":
    main()
