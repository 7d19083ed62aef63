"""scikit-learn's logistic regression on fairlab's own split of a run, against fairlab's baseline in that run:
fit time, and how far the two models' test predictions and fairness metrics agree.

    /work/pyenv/bin/python tools/bench/census_baseline.py --results FILE.h5 --run ID [--seed S] [--dataset D.h5]
    OPENBLAS_NUM_THREADS=1 /work/pyenv/bin/python tools/bench/census_baseline.py ...   # one BLAS thread

For example, on a census-shaped synthetic dataset:

    /work/pyenv/bin/python tools/synth/make_dataset.py --shape census --rows 300000 --seed 1 -o /tmp/census.h5
    .build/release/fairlab compare /tmp/census.h5 --methods baseline --standardize numeric --out /tmp/census-results.h5
    /work/pyenv/bin/python tools/bench/census_baseline.py --results /tmp/census-results.h5 --run RUN-ID

Rebuilds the run's split of seed S (default: the run's first seed) from the stored train and test indices of the
dataset (default: the run's dataset_path, which must still have the run's SHA-256). The canonical pipeline: a
StandardScaler fitted on the training rows standardises the numeric columns; the one-hot columns (`column=value`)
and the protected attributes' own 0/1 columns are left as they are (fairlab's `--standardize numeric`; the run's
own setting is printed as fairlab_standardize). Fits LogisticRegression(C=1.0, lbfgs, max_iter=1000) on the
training rows three times and takes the median fit time.

Prints one JSON line: the fit seconds (and fairlab's stored fit_seconds for its baseline), and for scikit-learn's
and fairlab's test predictions (the run's methods/baseline/seed_S/y_pred) alike: accuracy, statistical parity
difference (unprivileged minus privileged selection rate) and equal opportunity difference (unprivileged minus
privileged true positive rate), groups being the run's stored test group codes and group_privileged; and the
share of test rows where the two predictions agree.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import fairlab_dataset  # noqa: E402
from fairlab_results import sha256, text  # noqa: E402

RUNS = 3


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True, help="a fairlab results file")
    parser.add_argument("--run", required=True, help="the run id (fairlab export FILE --list)")
    parser.add_argument("--seed", type=int, help="the split's seed (default: the run's first)")
    parser.add_argument("--dataset", help="the dataset (default: the run's dataset_path)")
    return parser.parse_args()


def fairness(predictions, labels, privileged):
    """Accuracy, statistical parity difference and equal opportunity difference (unprivileged - privileged)."""
    def rates(group):
        return predictions[group].mean(), predictions[group & (labels == 1)].mean()
    selection_unprivileged, tpr_unprivileged = rates(~privileged)
    selection_privileged, tpr_privileged = rates(privileged)
    return {"accuracy": float((predictions == labels).mean()),
            "statistical_parity_difference": float(selection_unprivileged - selection_privileged),
            "equal_opportunity_difference": float(tpr_unprivileged - tpr_privileged)}


def main():
    args = arguments()
    with h5py.File(args.results, "r") as f:
        run = f[f"/runs/{args.run}"]
        seed = int(run.attrs["seeds"][0]) if args.seed is None else args.seed
        split = run[f"splits/seed_{seed}"]
        train, test = split["train_index"][...], split["test_index"][...]
        y_true, codes = split["y_true"][...], split["group_codes"][...]
        privileged = np.isin(codes, np.flatnonzero(run.attrs["group_privileged"]))
        baseline = run[f"methods/baseline/seed_{seed}"]
        fairlab_predictions, fairlab_fit_seconds = baseline["y_pred"][...], float(baseline.attrs["fit_seconds"])
        dataset = args.dataset or text(run.attrs["dataset_path"])
        dataset_sha256 = text(run.attrs["dataset_sha256"])
        standardize = text(run.attrs.get("standardize", "all"))
    if not pathlib.Path(dataset).exists() and (ROOT / dataset).exists():
        dataset = str(ROOT / dataset)  # a path relative to the repository, as fairlab compare was run there
    if sha256(dataset) != dataset_sha256:
        raise SystemExit(f"{dataset} is not the file run {args.run} used (its SHA-256 differs)")

    loaded = fairlab_dataset.load(dataset)
    features, names, labels, protected = loaded["features"], loaded["names"], loaded["labels"], set(loaded["protected"])
    del loaded
    if not np.array_equal(labels[test], y_true):
        raise SystemExit("the dataset's labels at the stored test indices are not the run's y_true")
    numeric = [j for j, name in enumerate(names) if "=" not in name and name not in protected]
    x_train, x_test = features[train], features[test]
    del features
    scaler = StandardScaler().fit(x_train[:, numeric])
    x_train[:, numeric] = scaler.transform(x_train[:, numeric])
    x_test[:, numeric] = scaler.transform(x_test[:, numeric])

    fit_times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(x_train, labels[train])
        fit_times.append(time.perf_counter() - start)
    predictions = model.predict(x_test)

    sklearn_metrics = fairness(predictions, y_true, privileged)
    fairlab_metrics = fairness(fairlab_predictions, y_true, privileged)
    print(json.dumps({
        "benchmark": "census_baseline", "run": args.run, "seed": seed, "dataset": dataset,
        "train_rows": len(train), "test_rows": len(test), "features": x_train.shape[1],
        "standardized_columns": len(numeric), "fairlab_standardize": standardize,
        "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "sklearn_fit_seconds": statistics.median(fit_times), "sklearn_fit_runs": fit_times,
        "sklearn_iterations": int(model.n_iter_[0]), "fairlab_fit_seconds": fairlab_fit_seconds,
        **{f"sklearn_{k}": v for k, v in sklearn_metrics.items()},
        **{f"fairlab_{k}": v for k, v in fairlab_metrics.items()},
        "prediction_agreement": float((predictions == fairlab_predictions).mean()),
    }))


if __name__ == "__main__":
    main()
