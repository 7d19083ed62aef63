"""Like-for-like timing of post-processing fit + predict, fairlab against Fairlearn 0.15 and AIF360 0.6.1, on the
same validation and test scores, without the base model.

    /work/pyenv/bin/python tools/bench/postprocessing.py [--runs 5] [--roc-runs 3] [--scores /tmp/fairlab-pp-scores.json]
                                                        [--fairlab-bench .build/release/fairlab-bench] [--python-only]

1. Builds one Adult split (datasets/adult.h5): 60 % train, 20 % validation, 20 % test, stratified by label x sex,
   scikit-learn's train_test_split with random_state 0 (twice: 60/40, then the 40 in halves). Fits scikit-learn's
   LogisticRegression (C=1, lbfgs, tol=1e-10, max_iter=10000) on the training rows, every feature column
   standardised by the training rows' mean and population standard deviation (fairlab's baseline recipe), and
   writes P(favourable) of the validation and test rows to the scores file:

       {"group_names": ["Female", "Male"], "privileged": [false, true],
        "validation": {"score": [...], "label": [...], "group": [...]}, "test": {"score": [...], "group": [...]}}

   (group = the sex code, 1 = Male = privileged). `fairlab-bench postprocess FILE --runs=N` reads the same file.
2. Times the Python peers, each method in its own subprocess, once with OPENBLAS_NUM_THREADS=1 and once with
   the default threads (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS and OMP_NUM_THREADS removed from the
   environment); the BLAS thread count each subprocess really had (threadpoolctl) is printed. In each subprocess
   the imports and the reading of the scores file are not timed; one untimed warm-up call, then the median of N
   timed calls (default 5; reject option 3) of:
     - Fairlearn ThresholdOptimizer (demographic_parity, then equalized_odds; objective accuracy_score,
       grid_size 1000, prefit=True, predict_method='predict_proba' on an estimator that returns the stored score
       as P(1)): the score column as X, fit on validation, `_pmf_predict` and `predict(random_state=0)` on test;
     - AIF360 EqOddsPostprocessing, CalibratedEqOddsPostprocessing(cost_constraint='weighted') and
       RejectOptionClassification (defaults: statistical parity difference in [-0.05, 0.05], 100 thresholds x 50
       margins), privileged = Male: the BinaryLabelDatasets built from the arrays (validation truth, validation
       predictions with labels = score > 0.5 and the scores, test predictions), fit, predict. Building them is
       timed, as a user must build them.
3. If the fairlab-bench binary exists and knows `postprocess`, runs `fairlab-bench postprocess FILE --runs=N` on the
   same file (fairlab's plugins through the ABI, single-threaded BLAS, one warm-up, median of N) and prints the
   ratios Python / fairlab; otherwise prints the Python side only, with a note saying why.

Output: a markdown table, method | fairlab | Python 1 thread | Python default | ratio (1 thread) | ratio (default),
times in milliseconds; ratio = Python time / fairlab time (above 1: fairlab is faster). `--json` also prints every
measurement as one JSON line.
"""
import argparse
import json
import logging
import os
import pathlib
import statistics
import subprocess
import sys
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_SCORES = "/tmp/fairlab-pp-scores.json"
DEFAULT_BENCH = ROOT / ".build/release/fairlab-bench"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")

# Python peer -> (label, fairlab method id, the fairlab parameter that must match, or None)
PEERS = {
    "fairlearn-dp": ("Fairlearn ThresholdOptimizer, demographic parity", "threshold-optimizer",
                     ("constraints", "demographic_parity")),
    "fairlearn-eo": ("Fairlearn ThresholdOptimizer, equalized odds", "threshold-optimizer",
                     ("constraints", "equalized_odds")),
    "aif360-eqodds": ("AIF360 EqOddsPostprocessing", "eq-odds", None),
    "aif360-ceo": ("AIF360 CalibratedEqOddsPostprocessing, weighted", "calibrated-eq-odds",
                   ("cost_constraint", "weighted")),
    "aif360-roc": ("AIF360 RejectOptionClassification, SPD", "reject-option",
                   ("metric", "statistical_parity_difference")),
}


# ------------------------------------------------------------------------------------------------ scores

def make_scores(path):
    """One Adult split and scikit-learn's scores, written to `path` in fairlab-bench's schema."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    sys.path.insert(0, str(ROOT / "tools"))
    import fairlab_dataset

    dataset = fairlab_dataset.load(ROOT / "datasets/adult.h5")
    features = dataset["features"]
    labels = dataset["labels"].astype(int)
    sex = dataset["protected"]["sex"]
    groups = sex["codes"].astype(int)
    names = sex["categories"]
    privileged_codes = set(sex["privileged"])
    privileged = [code in privileged_codes for code in range(len(names))]
    if names != ["Female", "Male"] or privileged != [False, True]:
        sys.exit(f"postprocessing.py: expected Adult's sex to be Female/Male with Male privileged, found {names} {privileged}")

    rows = np.arange(len(labels))
    strata = labels * len(names) + groups
    train, rest = train_test_split(rows, test_size=0.4, stratify=strata, random_state=0)
    validation, test = train_test_split(rest, test_size=0.5, stratify=strata[rest], random_state=0)
    train, validation, test = np.sort(train), np.sort(validation), np.sort(test)

    x_train = features[train]
    mean = x_train.mean(axis=0)
    std = np.sqrt(((x_train - mean) ** 2).mean(axis=0))
    constant = ~((std > 0) & (std * std > 10 * np.finfo(float).eps * np.maximum(mean * mean, np.finfo(float).tiny)))
    std[constant] = 1.0  # fairlab's Standardizer (and scikit-learn's StandardScaler) keep constant columns unscaled
    standardise = lambda x: (x - mean) / std  # noqa: E731
    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000).fit(standardise(x_train), labels[train])
    favourable = list(model.classes_).index(1)
    score = lambda rows: model.predict_proba(standardise(features[rows]))[:, favourable]  # noqa: E731

    payload = {
        "group_names": names, "privileged": privileged,
        "validation": {"score": [float(s) for s in score(validation)], "label": [int(v) for v in labels[validation]],
                       "group": [int(g) for g in groups[validation]]},
        "test": {"score": [float(s) for s in score(test)], "group": [int(g) for g in groups[test]]},
    }
    pathlib.Path(path).write_text(json.dumps(payload))
    accuracy = float(np.mean((score(test) > 0.5) == (labels[test] == 1)))
    return dict(train=len(train), validation=len(validation), test=len(test), test_accuracy=accuracy)


# ------------------------------------------------------------------------------------------------ worker

def worker(method, path, runs, warmup):
    """Runs in a subprocess: imports, reads the scores, then times `runs` calls of fit + predict."""
    logging.disable(logging.WARNING)  # AIF360 logs missing optional extras (tensorflow, inFairness) on import
    warnings.filterwarnings("ignore")
    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_info
    sys.path.insert(0, str(ROOT / "tools/golden"))
    from aif360_setup import prepare_for_aif360
    prepare_for_aif360()

    data = json.loads(pathlib.Path(path).read_text())
    v_score = np.asarray(data["validation"]["score"], dtype=float)
    v_label = np.asarray(data["validation"]["label"], dtype=int)
    v_group = np.asarray(data["validation"]["group"], dtype=int)
    t_score = np.asarray(data["test"]["score"], dtype=float)
    t_group = np.asarray(data["test"]["group"], dtype=int)
    privileged_codes = [g for g, p in enumerate(data["privileged"]) if p]
    unprivileged_codes = [g for g, p in enumerate(data["privileged"]) if not p]

    if method.startswith("fairlearn"):
        from fairlearn.postprocessing import ThresholdOptimizer
        from sklearn.base import BaseEstimator, ClassifierMixin

        class StoredScores(ClassifierMixin, BaseEstimator):
            """A 'fitted' classifier whose P(1) is the first column of X: the stored scores."""

            def fit(self, X, y):
                return self

            def predict_proba(self, X):
                s = np.asarray(X, dtype=float)[:, 0]
                return np.column_stack([1.0 - s, s])

            def __sklearn_is_fitted__(self):
                return True

        constraints = "demographic_parity" if method == "fairlearn-dp" else "equalized_odds"

        def body():
            x_v, x_t = v_score.reshape(-1, 1), t_score.reshape(-1, 1)
            model = ThresholdOptimizer(estimator=StoredScores(), constraints=constraints, objective="accuracy_score",
                                       grid_size=1000, prefit=True, predict_method="predict_proba")
            model.fit(x_v, v_label, sensitive_features=v_group)
            probabilities = model._pmf_predict(x_t, sensitive_features=t_group)[:, 1]
            predictions = model.predict(x_t, sensitive_features=t_group, random_state=0)
            return probabilities, predictions
    else:
        from aif360.algorithms.postprocessing import (CalibratedEqOddsPostprocessing, EqOddsPostprocessing,
                                                      RejectOptionClassification)
        from aif360.datasets import BinaryLabelDataset
        privileged_groups = [{"g": float(g)} for g in privileged_codes]
        unprivileged_groups = [{"g": float(g)} for g in unprivileged_codes]

        def make():
            if method == "aif360-eqodds":
                return EqOddsPostprocessing(unprivileged_groups, privileged_groups, seed=0)
            if method == "aif360-ceo":
                return CalibratedEqOddsPostprocessing(unprivileged_groups, privileged_groups, cost_constraint="weighted",
                                                      seed=0)
            return RejectOptionClassification(unprivileged_groups, privileged_groups)

        def body():
            truth = BinaryLabelDataset(df=pd.DataFrame({"g": v_group.astype(float), "y": v_label.astype(float)}),
                                       label_names=["y"], protected_attribute_names=["g"],
                                       favorable_label=1.0, unfavorable_label=0.0)
            predicted = truth.copy(deepcopy=True)
            predicted.labels = (v_score > 0.5).astype(float).reshape(-1, 1)
            predicted.scores = v_score.reshape(-1, 1).copy()
            # The test rows have no labels in this setting: the hard predictions stand in for them.
            hard = (t_score > 0.5).astype(float)
            test = BinaryLabelDataset(df=pd.DataFrame({"g": t_group.astype(float), "y": hard}),
                                      label_names=["y"], protected_attribute_names=["g"],
                                      favorable_label=1.0, unfavorable_label=0.0)
            test.scores = t_score.reshape(-1, 1).copy()
            return make().fit(truth, predicted).predict(test)

    for _ in range(warmup):
        body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    blas = sorted({f"{i.get('internal_api')} {i.get('num_threads')} threads" for i in threadpool_info()
                   if i.get("user_api") == "blas"})
    print(json.dumps({"benchmark": "postprocess", "implementation": "python", "peer": method,
                      "median_seconds": statistics.median(times), "runs": runs, "times": times,
                      "blas_threads": ", ".join(blas), "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                      "validation_rows": len(v_score), "test_rows": len(t_score)}))


# ------------------------------------------------------------------------------------------------ driver

def time_python(path, runs, roc_runs, warmup, single_thread):
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env.pop(name, None)
    if single_thread:
        env["OPENBLAS_NUM_THREADS"] = "1"
    results = {}
    for peer in PEERS:
        n = roc_runs if peer == "aif360-roc" else runs
        command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", peer, "--scores", path,
                   "--runs", str(n), "--warmup", str(warmup)]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"note: {peer} ({'1 thread' if single_thread else 'default threads'}) failed: {tail}", file=sys.stderr)
            continue
        results[peer] = json.loads(lines[-1])
        print(f"  {peer:14} {'1 thread' if single_thread else 'default':8} median {results[peer]['median_seconds'] * 1e3:9.1f} ms"
              f" of {n} (BLAS: {results[peer]['blas_threads'] or 'none loaded'})", file=sys.stderr)
    return results


def parse_parameters(text):
    return dict(item.split("=", 1) for item in (text or "").split() if "=" in item)


def run_fairlab(bench, path, runs, timeout):
    """fairlab-bench's postprocess rows, or (None, the reason there are none)."""
    bench = pathlib.Path(bench)
    if not bench.exists():
        return None, f"{bench} does not exist (build it with `swift build -c release --product fairlab-bench`)"
    if b"postprocess" not in bench.read_bytes():
        return None, f"{bench} does not support `postprocess` (built before it was added; rebuild fairlab-bench)"
    try:
        done = subprocess.run([str(bench), "postprocess", path, f"--runs={runs}"], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"`{bench.name} postprocess` did not finish in {timeout} s"
    rows = []
    for line in done.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("benchmark") == "postprocess":
            rows.append(row)
    if done.returncode != 0 or not rows:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]  # not the backtrace's last line
        reason = (errors or lines or [f"exit status {done.returncode}, no postprocess rows"])[0 if errors else -1]
        if rows:
            return rows, f"`{bench.name} postprocess` stopped early: {reason}"
        return None, f"`{bench.name} postprocess` gave no results: {reason}"
    return rows, None


def fairlab_row_for(peer, rows):
    _, method_id, required = PEERS[peer]
    for row in rows or []:
        if row.get("method") != method_id:
            continue
        if required is None or parse_parameters(row.get("parameters")).get(required[0]) == required[1]:
            return row
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per method (median)")
    parser.add_argument("--roc-runs", type=int, default=3, help="timed runs of reject option (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls before the timed ones")
    parser.add_argument("--scores", default=DEFAULT_SCORES, help="the scores file to write and time on")
    parser.add_argument("--fairlab-bench", default=str(DEFAULT_BENCH))
    parser.add_argument("--fairlab-timeout", type=float, default=1800, help="seconds fairlab-bench may run")
    parser.add_argument("--python-only", action="store_true", help="do not run fairlab-bench")
    parser.add_argument("--json", action="store_true", help="also print every measurement as a JSON line")
    parser.add_argument("--worker", choices=sorted(PEERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.scores, args.runs, args.warmup)

    split = make_scores(args.scores)
    print(f"scores: {args.scores} (Adult, sex; {split['train']} train / {split['validation']} validation / "
          f"{split['test']} test rows, seed 0; baseline test accuracy {split['test_accuracy']:.4f})", file=sys.stderr)
    single = time_python(args.scores, args.runs, args.roc_runs, args.warmup, single_thread=True)
    default = time_python(args.scores, args.runs, args.roc_runs, args.warmup, single_thread=False)
    if args.python_only:
        fairlab, note = None, "fairlab-bench not run (--python-only)"
    else:
        fairlab, note = run_fairlab(args.fairlab_bench, args.scores, args.runs, args.fairlab_timeout)

    def ms(row):
        if row is None:
            return "—"
        value = row["median_seconds"] * 1e3
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"

    def ratio(python, ours):
        if python is None or ours is None or not ours["median_seconds"] > 0:
            return "—"
        return f"{python['median_seconds'] / ours['median_seconds']:.1f}x"

    print(f"\nPost-processing fit + predict on the same scores ({split['validation']} validation rows fit, "
          f"{split['test']} test rows predicted), median milliseconds; ratio = Python / fairlab\n")
    print("| method | fairlab | Python 1 thread | Python default | ratio (1 thread) | ratio (default) |")
    print("|---|---:|---:|---:|---:|---:|")
    matched = set()
    for peer, (label, _, _) in PEERS.items():
        ours = fairlab_row_for(peer, fairlab)
        if ours is not None:
            matched.add(id(ours))
        runs = args.roc_runs if peer == "aif360-roc" else args.runs
        print(f"| {label} (n={runs}) | {ms(ours)} | {ms(single.get(peer))} | {ms(default.get(peer))} | "
              f"{ratio(single.get(peer), ours)} | {ratio(default.get(peer), ours)} |")
    for row in fairlab or []:
        if id(row) not in matched:  # fairlab's own methods (group-thresholds), without a Python peer
            print(f"| fairlab {row.get('method')} ({row.get('parameters') or 'no parameters'}; no Python peer) | "
                  f"{ms(row)} | — | — | — | — |")
    if note:
        print(f"\nNote: fairlab side missing: {note}. Only the Python side was measured.")
    threads = {r.get("blas_threads") for r in default.values()}
    print(f"\nPython default BLAS threads: {', '.join(sorted(t for t in threads if t)) or 'unknown'}; "
          f"{os.cpu_count()} CPUs. Python runs: {args.warmup} untimed warm-up call(s), then the median; imports excluded, "
          f"BinaryLabelDataset construction included.")
    if args.json:
        for row in list(single.values()) + list(default.values()) + list(fairlab or []):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
