"""fairlab's regression methods against scikit-learn and Fairlearn on fairlab's own splits of a run: the same
rows, the same standardisation, the same bound; values and fit times.

    fairlab compare datasets/wage.h5 --seeds 5 --methods bounded-group-loss,fair-ridge --out R.h5
    OPENBLAS_NUM_THREADS=1 /work/pyenv/bin/python tools/bench/regression.py R.h5 [--run ID] [--dataset D.h5] [--runs 5]
    /work/pyenv/bin/python tools/bench/regression.py R.h5 ...                    # default BLAS threads

For each seed of the run: reads the dataset (the run's dataset_path, checked against its SHA-256) and the stored
train / test indices, standardises as the run did (its `standardize` attribute: with numeric, every column but the
one-hot ones and the protected attributes' own columns, by the training rows' mean and population std; all or none
likewise), groups rows by the run's
first protected attribute's codes, then:

- baseline: scikit-learn Ridge(alpha=1) on the training rows; the largest difference between its test predictions
  and fairlab's stored baseline y_pred;
- bounded-group-loss: Fairlearn ExponentiatedGradient(Ridge(alpha=1), BoundedGroupLoss(SquareLoss(-inf, inf),
  upper_bound), eps=0.01), the bound being fairlab's default (the unconstrained ridge's overall training MSE);
  Q's mean test prediction (weights_ aligned with predictors_ by hypothesis id) against fairlab's stored y_pred
  (its default predict=mean), and Fairlearn's worst group's training MSE under Q.

Fit times: median of --runs fits each (Ridge; the whole ExponentiatedGradient.fit), beside fairlab's stored
fit_seconds (median over seeds). Prints one JSON line per seed and a summary line.
"""
import json
import os
import pathlib
import statistics
import sys

import h5py
import numpy as np
from fairlearn.reductions import BoundedGroupLoss, ExponentiatedGradient, SquareLoss
from sklearn.linear_model import Ridge

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import fairlab_dataset  # noqa: E402
import fairlab_results  # noqa: E402


def main():
    args = fairlab_results.bench_arguments(__doc__)
    with h5py.File(args.results, "r") as f:
        run = fairlab_results.run_of(f, args.run)
        dataset_path = fairlab_results.dataset_of(run, args.dataset, task="regression")
        protected = fairlab_results.texts(run.attrs["protected"])
        seeds = [int(s) for s in np.ravel(run.attrs["seeds"])]
        data = fairlab_dataset.load(dataset_path)
        codes = data["protected"][protected[0]]["codes"].astype(int)
        rows, fairlab_fits = [], {"baseline": [], "bounded-group-loss": []}
        for seed in seeds:
            split = run[f"splits/seed_{seed}"]
            x_train, x_test, train, test = fairlab_results.standardised_rows(run, data, split)
            y_train, g_train = data["labels"][train], codes[train]

            def timed(fit):
                return fairlab_results.timed(fit, args.runs)

            ridge, ridge_seconds = timed(lambda: Ridge(alpha=1.0).fit(x_train, y_train))
            baseline_stored = run[f"methods/baseline/seed_{seed}/y_pred"][...]
            bound = float(np.mean((y_train - ridge.predict(x_train)) ** 2))
            eg, eg_seconds = timed(lambda: ExponentiatedGradient(
                Ridge(alpha=1.0), BoundedGroupLoss(SquareLoss(-np.inf, np.inf), upper_bound=bound), eps=0.01
            ).fit(x_train, y_train, sensitive_features=g_train))
            hypotheses = [eg.predictors_[i] for i in range(len(eg.predictors_))]
            weights = eg.weights_.reindex(range(len(hypotheses))).fillna(0).to_numpy()
            train_predictions = np.column_stack([h.predict(x_train) for h in hypotheses])
            worst = max(float(np.sum(weights * np.mean((y_train[g_train == g, None] - train_predictions[g_train == g]) ** 2, axis=0)))
                        for g in sorted(set(g_train)))
            q_mean = np.column_stack([h.predict(x_test) for h in hypotheses]) @ weights
            stored = run[f"methods/bounded-group-loss/seed_{seed}/y_pred"][...]
            for method in fairlab_fits:
                fairlab_fits[method].append(float(run[f"methods/{method}/seed_{seed}"].attrs["fit_seconds"]))
            row = dict(seed=seed, train_rows=len(train), test_rows=len(test), bound=bound,
                       ridge_max_prediction_difference=float(np.max(np.abs(ridge.predict(x_test) - baseline_stored))),
                       fairlearn_fits=int(eg.n_oracle_calls_), fairlearn_worst_group_train_mse=worst,
                       bgl_max_mean_prediction_difference=float(np.max(np.abs(q_mean - stored))),
                       ridge_fit_seconds=ridge_seconds, fairlearn_eg_fit_seconds=eg_seconds)
            rows.append(row)
            print(json.dumps(row))
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
        print(json.dumps(dict(
            summary=True, threads=threads,
            ridge_fit_seconds=statistics.median(r["ridge_fit_seconds"] for r in rows),
            fairlab_baseline_fit_seconds=statistics.median(fairlab_fits["baseline"]),
            fairlearn_eg_fit_seconds=statistics.median(r["fairlearn_eg_fit_seconds"] for r in rows),
            fairlab_bgl_fit_seconds=statistics.median(fairlab_fits["bounded-group-loss"]),
            largest_ridge_difference=max(r["ridge_max_prediction_difference"] for r in rows),
            largest_bgl_difference=max(r["bgl_max_mean_prediction_difference"] for r in rows))))


if __name__ == "__main__":
    main()
