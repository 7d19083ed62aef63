"""fairlab's clustering baseline and fair assignment against scikit-learn and SciPy on fairlab's own splits of a
run: the same rows, the same standardisation, the same k; values and fit times.

    fairlab compare datasets/vietnam.h5 --seeds 5 --methods fair-assignment --out R.h5
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/pyenv/bin/python tools/bench/clustering.py R.h5 [--run ID] [--dataset D.h5] [--runs 5]
    /work/pyenv/bin/python tools/bench/clustering.py R.h5 ...                    # default BLAS threads

For each seed of the run (task clustering, k the run's `clusters`): reads the dataset (the run's dataset_path,
checked against its SHA-256) and the stored train / test indices, standardises as the run did (its `standardize`
attribute: with numeric, every column but the one-hot ones and the protected attributes' own columns, by the training
rows' mean and population std; all or none likewise), groups rows by the run's first protected attribute's codes, then:

- baseline: scikit-learn KMeans(n_clusters=k, n_init=the run's, algorithm="lloyd", random_state=seed) on the training
  rows, its test labels the nearest centre; on the test rows, unweighted, the inertia (each cluster's mean of its
  test rows as centre), balance, proportional_balance and max_share_gap (docs/metrics.md, "Clustering metrics"),
  beside fairlab's stored baseline values, and the adjusted Rand index between scikit-learn's test labels and
  fairlab's stored baseline y_pred;
- fair-assignment: with scikit-learn's centres C and the method's stored delta (`delta=...` in its parameters;
  0.2 without), the exact optimum (scipy.optimize.milp) of the assignment of the test rows at least
  sum ||x_i - C_c||^2 with cluster c keeping its nearest-centre size n_c and every group's count in it between
  ceil((1 - delta) p_g n_c - 1e-9) and floor(p_g n_c / (1 - delta) + 1e-9), p_g the test rows' group shares; and
  the cost of fairlab's stored fair-assignment y_pred against the same centres, scikit-learn's cluster indices
  first mapped onto fairlab's baseline ids (which are renamed by size, docs/results-format.md) by
  linear_sum_assignment on their contingency table, most rows in common. Beside it, whatever the ids, the cost
  under the renaming of fairlab's clusters onto C that costs least (`_best_renaming`), whether fairlab's labels so
  renamed keep the n_c and the bounds, and their ARI with SciPy's. `ids_aligned` is false when the stored ids are
  not aligned (a file written before `ClusterAlignment`): the baseline-mapped cost is then meaningless.

The costs agree to ~1e-9 when fairlab's k-means found scikit-learn's optimum (ARI 1 for the baseline): the
fair assignment's k-means is the baseline's (the learner service draws a k-means fit's starts from the job's
base-learner stream, the baseline's), so the two share their centres. `centres_differ` says when the baselines
differ (ARI < 1), and `fair_assignment_centres_differ` when fairlab's fair labels break scikit-learn's sizes or
bounds under every renaming (other centres).

Fit times: median of --runs KMeans fits (the whole `fit`), beside fairlab's stored baseline fit_seconds (median
over seeds). scikit-learn's Lloyd loop runs on OpenMP threads (OMP_NUM_THREADS), its distances on BLAS
(OPENBLAS_NUM_THREADS); the summary gives both variables and the pools threadpoolctl sees. On a loaded machine
OpenMP threads that outnumber the free cores make the fit 10-100 times slower. Prints one JSON line per seed and a
summary line.
"""
import json
import os
import pathlib
import re
import statistics
import sys

import h5py
import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_info

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "golden"))
import fairlab_dataset  # noqa: E402
import fairlab_results  # noqa: E402
from make_clustering_goldens import clustering_metrics, exact_fair_assignment, squared_distances  # noqa: E402

METRICS = ("inertia", "balance", "proportional_balance", "max_share_gap")


def cell_counts(labels, groups, k, group_count):
    return np.array([[np.sum((groups == g) & (labels == c)) for c in range(k)] for g in range(group_count)])


def main():
    args = fairlab_results.bench_arguments(__doc__)
    with h5py.File(args.results, "r") as f:
        run = fairlab_results.run_of(f, args.run)
        dataset_path = fairlab_results.dataset_of(run, args.dataset, task="clustering")
        k = int(run.attrs["clusters"])
        protected = fairlab_results.texts(run.attrs["protected"])
        seeds = [int(s) for s in np.ravel(run.attrs["seeds"])]
        parameters = fairlab_results.text(run["methods/fair-assignment"].attrs.get("parameters", "")) if "methods/fair-assignment" in run else ""
        found = re.search(r"delta=([0-9.eE+-]+)", parameters)
        delta = float(found.group(1)) if found else 0.2
        # The run's k-means++ starts, from the baseline's parameters ("k=4, n_init=10").
        starts = re.search(r"n_init=(\d+)", fairlab_results.text(run["methods/baseline"].attrs.get("parameters", "")))
        n_init = int(starts.group(1)) if starts else 10
        data = fairlab_dataset.load(dataset_path)
        codes = data["protected"][protected[0]]["codes"].astype(int)
        group_count = len(data["protected"][protected[0]]["categories"])
        rows, fairlab_fits = [], []
        for seed in seeds:
            split = run[f"splits/seed_{seed}"]
            x_train, x_test, train, test = fairlab_results.standardised_rows(run, data, split)
            g_test = codes[test]
            assert np.array_equal(g_test, split["group_codes"][...]), "the stored group codes are not the dataset's"

            model, fit_seconds = fairlab_results.timed(
                lambda: KMeans(n_clusters=k, n_init=n_init, algorithm="lloyd", random_state=seed).fit(x_train), args.runs)
            centres = model.cluster_centers_
            labels = np.argmin(squared_distances(x_test, centres), axis=1)
            ours, _ = clustering_metrics(x_test, labels, k, g_test, group_count, None)

            outcome = run[f"methods/baseline/seed_{seed}"]
            baseline_stored = outcome["y_pred"][...].astype(int)
            names = fairlab_results.texts(outcome["metrics/overall_names"][...])
            stored = dict(zip(names, (float(v) for v in outcome["metrics/overall_values"][...])))
            fairlab_fits.append(float(outcome.attrs["fit_seconds"]))
            ari = float(adjusted_rand_score(baseline_stored, labels))
            row = dict(seed=seed, train_rows=len(train), test_rows=len(test), k=k, ari=ari)
            for name in METRICS:
                row[f"sklearn_{name}"] = ours[name]
                row[f"fairlab_{name}"] = stored[name]
            row["inertia_relative_difference"] = abs(ours["inertia"] - stored["inertia"]) / abs(stored["inertia"])
            row["largest_fairness_metric_difference"] = max(abs(ours[n] - stored[n]) for n in METRICS[1:])

            sizes_by_id = np.bincount(baseline_stored, minlength=k)
            aligned = bool((np.diff(sizes_by_id) <= 0).all())  # the baseline's ids by size, largest 0
            if "methods/fair-assignment" in run:
                fa_labels, fa_cost, nearest_cost, sizes, lower, upper = exact_fair_assignment(x_test, g_test, group_count, centres, delta)
                fa_outcome = run[f"methods/fair-assignment/seed_{seed}"]
                fl_fair = fa_outcome["y_pred"][...].astype(int)
                common = np.array([[np.sum((baseline_stored == a) & (fl_fair == b)) for b in range(k)] for a in range(k)])
                aligned = aligned and np.trace(common) == common[linear_sum_assignment(common, maximize=True)].sum()
                # As asked: sklearn index sk_index[j] stands where fairlab's baseline id fl_id[j] does, and
                # fairlab's fair-assignment ids are the baseline's (docs/results-format.md).
                contingency = np.array([[np.sum((labels == a) & (baseline_stored == b)) for b in range(k)] for a in range(k)])
                sk_index, fl_id = linear_sum_assignment(contingency, maximize=True)
                permuted = np.empty_like(centres)
                permuted[fl_id] = centres[sk_index]
                d_test = squared_distances(x_test, centres)
                fl_cost = float(squared_distances(x_test, permuted)[np.arange(len(test)), fl_fair].sum())
                # Whatever the ids: the renaming of fairlab's fair-assignment clusters onto sklearn's centres at
                # least cost (the cost of its partition against these centres, naming aside).
                by_pair = np.array([[d_test[fl_fair == a, c].sum() for c in range(k)] for a in range(k)])
                fl_id_best, sk_best = linear_sum_assignment(by_pair)
                fl_best_cost = float(by_pair[fl_id_best, sk_best].sum())
                rename = np.empty(k, dtype=int)
                rename[fl_id_best] = sk_best
                fl_in_sk = rename[fl_fair]
                fl_cells = cell_counts(fl_in_sk, g_test, k, group_count)
                row.update(
                    delta=delta, ids_aligned=bool(aligned), sklearn_nearest_centre_cost=nearest_cost,
                    scipy_fair_assignment_cost=fa_cost, fairlab_fair_assignment_cost=fl_cost,
                    fair_assignment_relative_difference=abs(fl_cost - fa_cost) / fa_cost,
                    fairlab_fair_assignment_cost_best_renaming=fl_best_cost,
                    fair_assignment_relative_difference_best_renaming=abs(fl_best_cost - fa_cost) / fa_cost,
                    fairlab_fair_assignment_keeps_sklearn_sizes=bool((np.bincount(fl_in_sk, minlength=k) == sizes).all()),
                    fairlab_fair_assignment_within_sklearn_bounds=bool(((lower <= fl_cells) & (fl_cells <= upper)).all()),
                    fair_assignment_ari=float(adjusted_rand_score(fa_labels, fl_fair)))
                if not aligned:
                    row["ids_not_aligned"] = ("fairlab's stored cluster ids are not aligned (the baseline's not by size, "
                                              "or fair-assignment's not matched to the baseline's): "
                                              "fairlab_fair_assignment_cost maps centres by the baseline's ids and is "
                                              "meaningless; see the best-renaming cost")
                if not (row["fairlab_fair_assignment_keeps_sklearn_sizes"] and row["fairlab_fair_assignment_within_sklearn_bounds"]):
                    row["fair_assignment_centres_differ"] = (
                        "fairlab's fair-assignment labels break scikit-learn's sizes or bounds under every renaming: "
                        "fairlab's k-means (the baseline's, which fair assignment reuses) and scikit-learn's found "
                        "different optima, so the costs need not agree")
            if ari < 1:
                row["centres_differ"] = ("ARI < 1: scikit-learn's and fairlab's k-means found different partitions, so "
                                         "their centres differ and the fair-assignment costs need not agree")
            row["sklearn_fit_seconds"] = fit_seconds
            row["fairlab_baseline_fit_seconds"] = fairlab_fits[-1]
            rows.append(row)
            print(json.dumps(row))
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
        pools = sorted({f"{i.get('internal_api')} {i.get('num_threads')} threads" for i in threadpool_info()})
        sklearn_seconds = statistics.median(r["sklearn_fit_seconds"] for r in rows)
        fairlab_seconds = statistics.median(fairlab_fits)

        def largest(key):
            return max((r[key] for r in rows if key in r), default=None)

        print(json.dumps(dict(
            summary=True, threads=threads, omp_threads=os.environ.get("OMP_NUM_THREADS", "default"),
            thread_pools=", ".join(pools),
            sklearn_kmeans_fit_seconds=sklearn_seconds,
            fairlab_baseline_fit_seconds=fairlab_seconds,
            fairlab_over_sklearn=fairlab_seconds / sklearn_seconds,
            smallest_ari=min(r["ari"] for r in rows),
            largest_inertia_relative_difference=largest("inertia_relative_difference"),
            largest_fair_assignment_relative_difference=largest("fair_assignment_relative_difference"),
            largest_fair_assignment_relative_difference_best_renaming=largest("fair_assignment_relative_difference_best_renaming"),
            ids_aligned=all(r.get("ids_aligned", True) for r in rows))))

if __name__ == "__main__":
    main()
