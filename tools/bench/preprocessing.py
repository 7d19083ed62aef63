"""Times AIF360's and Fairlearn's pre-processors + scikit-learn's logistic regression against fairlab's methods.

    /work/pyenv/bin/python tools/bench/preprocessing.py [--runs 5] [--dir-runs 3] [--lfr-runs 1] [--warmup 1]
                                                       [--seeds 5] [--methods a,b,...] [--standardize all|numeric]
                                                       [--fairlab-results FILE.h5 | --python-only] [--json]

Python side (each method in its own subprocess, once with OPENBLAS_NUM_THREADS=1 and once with the default
threads; imports and data loading excluded): Adult (datasets/adult.h5), one split 60/20/20 stratified by label x
sex with scikit-learn's train_test_split(random_state=0), the columns standardised by the training rows' mean and
population std (untimed, as fairlab does it before a method runs): with --standardize numeric (the default, and
fairlab's), not the one-hot columns nor the protected attributes' own columns (those stay 0/1); with all, every
column. The fairlab run gets the same --standardize, so both sides fit the same kind of features. Timed, as a user
writes it:

- reweighing: BinaryLabelDataset of the training rows, AIF360 Reweighing fit_transform, LogisticRegression(C=1,
  lbfgs, tol=1e-10, max_iter=10000) with the instance weights as sample_weight;
- disparate-impact-remover: BinaryLabelDatasets of the training and the test rows, AIF360
  DisparateImpactRemover(1.0, sensitive_attribute='sex') fit_transform of each (AIF360 cannot apply a repair fitted
  on other rows), the sex column dropped, the LR;
- correlation-remover: Fairlearn CorrelationRemover(sensitive_feature_ids=[sex], alpha=1) fit + transform of
  the training rows, the LR, transform of the test rows.
- smote: imbalanced-learn SMOTE(k_neighbors=5, random_state=0).fit_resample of the training rows (every column),
  the LR on the resampled rows; test: predict_proba of the untouched test rows.
- group-smote: the same SMOTE with the (sex, label) cell as the class and sampling_strategy="not majority" (every
  cell raised to the largest one's size, interpolating within the cell), the LR on the rows with the cells' labels.
- lfr: BinaryLabelDataset of the training rows (features = every column, the protected attribute sex's column
  replaced by the 0/1 side), AIF360 LFR(k=5, Ax=0.01, Ay=1, Az=50, seed=0).fit with its defaults maxiter=5000,
  maxfun=5000 (numeric-gradient L-BFGS-B; scipy counts the finite-difference calls against maxfun), transform of
  the training rows, the LR on x_hat with the original labels; test: transform of the test rows, predict_proba.
  L-BFGS-B's nit / nfev / stop message are recorded (scipy's fmin_l_bfgs_b wrapped while AIF360 calls it). One
  fit takes minutes on Adult: --lfr-runs timed calls (default 1), no warm-up fit (the warm-up builds the
  dataset only).

Each is split into "train" (dataset construction, fit, transform of the training rows, the LR fit: what fairlab's
fit_seconds covers) and "test" (transform of the test rows, predict_proba: fairlab's predict_seconds, which also
covers its scoring); DIR's test fit_transform counts as test. Median of --runs timed calls (--dir-runs for DIR,
--lfr-runs for LFR) after --warmup untimed ones (DIR's warm-up only constructs the remover, which imports
BlackBoxAuditing; LFR's only builds the dataset).

fairlab side: whole `fairlab compare` processes would include reading the dataset and the baseline, so instead
this runs `fairlab compare datasets/adult.h5 --methods <the --methods> --seeds N --out FILE` (or reads
--fairlab-results) and takes, per method, the median over seeds of the stored
fit_seconds (fit + transform of the training rows + the LR fit) and of fit_seconds + predict_seconds. fairlab's
seeds are its own stratified splits (same sizes as the Python split, different rows).

Output: a markdown table, method | fairlab fit+transform+LR | Python 1 thread | Python default | ratios
(Python / fairlab), and the same for train + test.
"""
import argparse
import json
import logging
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAIRLAB = ROOT / ".build/release/fairlab"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
METHODS = {  # key: label
    "reweighing": "AIF360 Reweighing + LR",
    "disparate-impact-remover": "AIF360 DisparateImpactRemover(1.0), fit_transform train and test + LR",
    "correlation-remover": "Fairlearn CorrelationRemover(alpha=1) + LR",
    "smote": "imblearn SMOTE(k_neighbors=5) + LR",
    "group-smote": "imblearn SMOTE(k_neighbors=5) on (sex, label) cells + LR",
    "lfr": "AIF360 LFR(k=5) fit + transform + LR on x_hat",
}
DEFAULT_METHODS = "reweighing,disparate-impact-remover,correlation-remover"


def load_split(standardize="all"):
    import numpy as np
    from sklearn.model_selection import train_test_split
    sys.path.insert(0, str(ROOT / "tools"))
    import fairlab_dataset
    dataset = fairlab_dataset.load(ROOT / "datasets/adult.h5")
    features, names, labels = dataset["features"], dataset["names"], dataset["labels"].astype(int)
    sex = dataset["protected"]["sex"]["codes"].astype(int)
    privileged = set(dataset["protected"]["sex"]["privileged"])
    rows = np.arange(len(labels))
    strata = labels * 2 + sex
    train, rest = train_test_split(rows, test_size=0.4, stratify=strata, random_state=0)
    validation, test = train_test_split(rest, test_size=0.5, stratify=strata[rest], random_state=0)
    train, test = np.sort(train), np.sort(test)
    x_train = features[train]
    columns = (np.ones(len(names), dtype=bool) if standardize == "all" else
               np.array([n not in dataset["protected"] and n.find("=") <= 0 for n in names], dtype=bool))
    mean = x_train.mean(axis=0)
    std = np.sqrt(((x_train - mean) ** 2).mean(axis=0))
    keep = columns & (std > 0) & (std * std > 10 * np.finfo(float).eps * np.maximum(mean * mean, np.finfo(float).tiny))
    mean = np.where(columns, mean, 0.0)
    std = np.where(keep, std, 1.0)
    side = np.isin(sex, list(privileged)).astype(float)
    return dict(names=names, sex_train=sex[train],
                x_train=(x_train - mean) / std, y_train=labels[train], side_train=side[train],
                x_test=(features[test] - mean) / std, y_test=labels[test], side_test=side[test])


def worker(method, runs, warmup, standardize="all"):
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_info
    sys.path.insert(0, str(ROOT / "tools/golden"))
    from aif360_setup import prepare_for_aif360
    prepare_for_aif360()
    from sklearn.linear_model import LogisticRegression
    d = load_split(standardize)
    extra = {}
    # As fairlab does for a run grouped by sex: only the grouping attribute's own column is protected.
    sex = d["names"].index("sex")
    kept = [j for j in range(len(d["names"])) if j != sex]

    def lr():
        return LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000)

    def dataset(x, y, side):
        from aif360.datasets import BinaryLabelDataset
        frame = pd.DataFrame(x, columns=d["names"])
        frame["sex"] = side  # the protected column as AIF360 wants it: 1 privileged (standardised: two values)
        frame["label"] = y.astype(float)
        return BinaryLabelDataset(df=frame, label_names=["label"], protected_attribute_names=["sex"],
                                  favorable_label=1.0, unfavorable_label=0.0)

    if method == "reweighing":
        from aif360.algorithms.preprocessing import Reweighing

        def train_part():
            data = dataset(d["x_train"], d["y_train"], d["side_train"])
            weighted = Reweighing([{"sex": 0.0}], [{"sex": 1.0}]).fit_transform(data)
            return lr().fit(d["x_train"], d["y_train"], sample_weight=weighted.instance_weights)

        def test_part(model):
            return model.predict_proba(d["x_test"])[:, 1]
    elif method == "disparate-impact-remover":
        from aif360.algorithms.preprocessing import DisparateImpactRemover

        def train_part():
            data = dataset(d["x_train"], d["y_train"], d["side_train"])
            repaired = DisparateImpactRemover(repair_level=1.0, sensitive_attribute="sex").fit_transform(data)
            return lr().fit(repaired.features[:, kept], d["y_train"])

        def test_part(model):
            data = dataset(d["x_test"], d["y_test"], d["side_test"])
            repaired = DisparateImpactRemover(repair_level=1.0, sensitive_attribute="sex").fit_transform(data)
            return model.predict_proba(repaired.features[:, kept])[:, 1]
    elif method in ("smote", "group-smote"):
        from imblearn.over_sampling import SMOTE

        def train_part():
            if method == "smote":
                x, y = SMOTE(k_neighbors=5, random_state=0).fit_resample(d["x_train"], d["y_train"])
            else:
                cells = d["sex_train"] * 2 + d["y_train"]
                x, cell = SMOTE(k_neighbors=5, sampling_strategy="not majority", random_state=0).fit_resample(d["x_train"], cells)
                y = cell % 2
            extra["added_rows"] = int(len(y) - len(d["y_train"]))
            return lr().fit(x, y)

        def test_part(model):
            return model.predict_proba(d["x_test"])[:, 1]
    elif method == "lfr":
        import scipy.optimize
        from aif360.algorithms.preprocessing import LFR
        holder = {}

        def train_part():
            data = dataset(d["x_train"], d["y_train"], d["side_train"])
            lfr = LFR(unprivileged_groups=[{"sex": 0.0}], privileged_groups=[{"sex": 1.0}], k=5, Ax=0.01, Ay=1.0,
                      Az=50.0, seed=0)
            original, calls = scipy.optimize.fmin_l_bfgs_b, []

            def captured(*args, **kwargs):  # AIF360 discards L-BFGS-B's counts; keep them
                calls.append(original(*args, **kwargs))
                return calls[-1]
            scipy.optimize.fmin_l_bfgs_b = captured
            try:
                lfr.fit(data, maxiter=5000, maxfun=5000)
            finally:
                scipy.optimize.fmin_l_bfgs_b = original
            _, f, info = calls[-1]
            task = info.get("task", b"")
            extra.setdefault("lbfgsb", []).append(dict(f=float(f), nit=int(info["nit"]), nfev=int(info["funcalls"]),
                                                       warnflag=int(info["warnflag"]),
                                                       message=task.decode() if isinstance(task, bytes) else str(task)))
            holder["lfr"] = lfr
            return lr().fit(lfr.transform(data).features, d["y_train"])

        def test_part(model):
            data = dataset(d["x_test"], d["y_test"], d["side_test"])
            return model.predict_proba(holder["lfr"].transform(data).features)[:, 1]
    else:
        from fairlearn.preprocessing import CorrelationRemover
        holder = {}

        def train_part():
            remover = CorrelationRemover(sensitive_feature_ids=[sex], alpha=1.0).fit(d["x_train"])
            holder["remover"] = remover
            return lr().fit(remover.transform(d["x_train"]), d["y_train"])

        def test_part(model):
            return model.predict_proba(holder["remover"].transform(d["x_test"]))[:, 1]

    for _ in range(warmup):
        if method == "disparate-impact-remover":
            DisparateImpactRemover(repair_level=1.0, sensitive_attribute="sex")  # imports BlackBoxAuditing
        elif method == "lfr":
            dataset(d["x_train"], d["y_train"], d["side_train"])  # a fit takes minutes: no warm-up fit
        else:
            test_part(train_part())
    train_times, total_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        model = train_part()
        middle = time.perf_counter()
        scores = test_part(model)
        end = time.perf_counter()
        train_times.append(middle - start)
        total_times.append(end - start)
    blas = sorted({f"{i.get('internal_api')} {i.get('num_threads')} threads" for i in threadpool_info()
                   if i.get("user_api") == "blas"})
    print(json.dumps({"implementation": "python", "method": method, "train_median": statistics.median(train_times),
                      "total_median": statistics.median(total_times), "runs": runs, "train_times": train_times,
                      "total_times": total_times, "blas_threads": ", ".join(blas),
                      "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                      "train_rows": len(d["y_train"]), "test_rows": len(d["y_test"]), "standardize": standardize,
                      "test_accuracy": float(np.mean((scores > 0.5) == (d["y_test"] == 1))), **extra}))


def runs_of(method, args):
    return dict(**{"disparate-impact-remover": args.dir_runs, "lfr": args.lfr_runs}).get(method, args.runs)


def time_python(methods, args, single_thread):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if single_thread:
        env["OPENBLAS_NUM_THREADS"] = "1"
    results = {}
    for method in methods:
        n = runs_of(method, args)
        command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", method, "--runs", str(n),
                   "--warmup", str(args.warmup), "--standardize", args.standardize]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"note: {method} ({'1 thread' if single_thread else 'default'}) failed: {tail}", file=sys.stderr)
            continue
        results[method] = json.loads(lines[-1])
        r = results[method]
        print(f"  {method:25} {'1 thread' if single_thread else 'default':8} train {r['train_median']:.3f} s, "
              f"train+test {r['total_median']:.3f} s of {n} (BLAS: {r['blas_threads'] or 'none loaded'}; "
              f"test accuracy {r['test_accuracy']:.4f}"
              + "".join(f"; L-BFGS-B nit {c['nit']} nfev {c['nfev']} f {c['f']:.6f} ({c['message']})" for c in r.get("lbfgsb", []))
              + ")", file=sys.stderr)
    return results


def fairlab_times(path, seeds, methods, standardize):
    import h5py
    if path is None:
        if not FAIRLAB.exists():
            return None, f"{FAIRLAB} does not exist"
        path = pathlib.Path(tempfile.mkdtemp(prefix="fairlab-pre-bench-")) / "pre.h5"
        command = [str(FAIRLAB), "compare", "datasets/adult.h5", "--methods", ",".join(methods), "--seeds", str(seeds),
                   "--standardize", standardize, "--out", str(path)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            return None, f"`{' '.join(command)}` failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    times = {}
    with h5py.File(path, "r") as f:
        runs = [r for r in f["runs"].values() if int(r.attrs.get("complete", 0)) == 1]
        runs.sort(key=lambda r: int(r.attrs.get("sequence", 0)))
        for run in reversed(runs):  # the latest run that has the method, with default parameters and standardisation
            kind = run.attrs.get("standardize", "all")  # runs written before the attribute standardised every column
            if (kind.decode() if isinstance(kind, bytes) else str(kind)) != standardize:
                continue
            for method in methods:
                if method in times or method not in run["methods"]:
                    continue
                parameters = run["methods"][method].attrs.get("parameters", b"")
                parameters = parameters.decode() if isinstance(parameters, bytes) else str(parameters)
                if any(t in parameters for t in ("mode=quantile", "keep_protected=true", "labels=lfr",
                                                 "categorical=nearest")):
                    continue
                fit, total = [], []
                for seed in run["methods"][method].values():
                    if (seed.attrs["status"].decode() if isinstance(seed.attrs["status"], bytes) else seed.attrs["status"]) != "ok":
                        continue
                    fit.append(float(seed.attrs["fit_seconds"]))
                    total.append(float(seed.attrs["fit_seconds"]) + float(seed.attrs["predict_seconds"]))
                if fit:
                    times[method] = dict(train_median=statistics.median(fit), total_median=statistics.median(total),
                                         runs=len(fit), parameters=parameters, file=str(path))
    return times, None if times else f"no {' / '.join(methods)} rows in {path}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed Python calls per method (median)")
    parser.add_argument("--dir-runs", type=int, default=3, help="timed Python calls of the disparate impact remover")
    parser.add_argument("--lfr-runs", type=int, default=1, help="timed Python calls of AIF360's LFR (minutes each)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls before the timed ones")
    parser.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma-separated, of {', '.join(METHODS)}")
    parser.add_argument("--standardize", choices=("all", "numeric"), default="numeric",
                        help="both sides: fairlab's default numeric columns only (default), or every column")
    parser.add_argument("--seeds", type=int, default=5, help="fairlab seeds (median of their fit_seconds)")
    parser.add_argument("--fairlab-results", help="read fairlab's times from this results file instead of running it")
    parser.add_argument("--python-only", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print every measurement as a JSON line")
    parser.add_argument("--worker", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.runs, args.warmup, args.standardize)
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")

    fairlab, note = (({}, "not run (--python-only)") if args.python_only
                     else fairlab_times(args.fairlab_results, args.seeds, methods, args.standardize))
    fairlab = fairlab or {}
    single = time_python(methods, args, single_thread=True)
    default = time_python(methods, args, single_thread=False)

    def s(row, key):
        return "—" if row is None else f"{row[key] * 1e3:.0f} ms" if row[key] < 10 else f"{row[key]:.1f} s"

    def ratio(python, ours, key):
        return "—" if python is None or ours is None or not ours[key] > 0 else f"{python[key] / ours[key]:.1f}x"

    example = next(iter(single.values()), {})
    print(f"\nAdult, {example.get('train_rows', '?')} training rows / {example.get('test_rows', '?')} test rows, 98 "
          f"features standardised beforehand ({args.standardize}); medians. Ratio = Python / fairlab.\n")
    for key, title in (("train_median", "fit + transform of the training rows + LR fit (fairlab: fit_seconds)"),
                       ("total_median", "plus transform of the test rows + predict (fairlab: fit_seconds + predict_seconds)")):
        print(f"**{title}**\n")
        print("| method | fairlab | Python 1 thread | Python default | ratio (1 thread) | ratio (default) |")
        print("|---|---:|---:|---:|---:|---:|")
        for method in methods:
            label, n = METHODS[method], runs_of(method, args)
            ours = fairlab.get(method)
            seeds = f", fairlab seeds={ours['runs']}" if ours else ""
            print(f"| {label} (Python n={n}{seeds}) | {s(ours, key)} | "
                  f"{s(single.get(method), key)} | {s(default.get(method), key)} | "
                  f"{ratio(single.get(method), ours, key)} | {ratio(default.get(method), ours, key)} |")
        print()
    if note:
        print(f"Note: fairlab side: {note}.")
    threads = {r.get("blas_threads") for r in default.values()}
    print(f"Python default BLAS threads: {', '.join(sorted(t for t in threads if t)) or 'unknown'}; {os.cpu_count()} CPUs. "
          f"Python: {args.warmup} untimed warm-up call(s) (DIR: constructing the remover only), imports and loading "
          f"excluded, BinaryLabelDataset construction included. fairlab: its own splits (seeds 0..{args.seeds - 1}), "
          f"results file {next(iter(fairlab.values()), {}).get('file', '—')}.")
    for row in list(single.values()) + list(default.values()):
        for c in row.get("lbfgsb", []):
            print(f"AIF360 LFR ({'1 thread' if row.get('OPENBLAS_NUM_THREADS') == '1' else 'default threads'}): "
                  f"L-BFGS-B nit {c['nit']}, nfev {c['nfev']}, final objective {c['f']:.6f}, stop: {c['message']}.")
    if args.json:
        for row in list(single.values()) + list(default.values()):
            print(json.dumps(row))
        for method, row in fairlab.items():
            print(json.dumps(dict(row, implementation="fairlab", method=method)))


if __name__ == "__main__":
    main()
