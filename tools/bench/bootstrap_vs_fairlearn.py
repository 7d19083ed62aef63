"""Compare fairlab's stored bootstrap intervals with Fairlearn 0.15's on the same predictions.

For every method of one run of a fairlab results file (seed 0 only: the first split seed of the run), this
script takes the drawn predictions `methods/<id>/seed_0/y_pred` and computes

1. fairlab's interval: np.quantile (linear, NumPy's default) at [0.025, 0.975] of the stored replicates
   `metrics/bootstrap_values` (NaN replicates left out) for `accuracy` and `demographic_parity_difference`
   (with one seed a replicate is just that seed's value on the resample; see docs/results-format.md,
   "Bootstrap intervals");
2. Fairlearn's interval on the same rows: MetricFrame(metrics={"accuracy": accuracy_score,
   "selection_rate": selection_rate}, y_true, y_pred, sensitive_features=group names, n_boot=B,
   ci_quantiles=[0.025, 0.975], random_state=0), `overall_ci` for accuracy and `difference_ci()`
   (between_groups: max - min over groups) for selection rate, i.e. the demographic parity difference;
3. the point values both ways (stored `overall_values` vs Fairlearn's `overall` / `difference()`).

The two draw different resamples (fairlab: xoshiro256** `bootstrap` stream; Fairlearn: pandas
DataFrame.sample with per-resample RandomStates), so the intervals agree only up to Monte Carlo noise
(a few thousandths at n = 6000, B = 1000); the point values should agree to rounding (~1e-12).

Usage (from the repository root, with a Python that has fairlearn 0.15, numpy, h5py):

    python tools/bench/bootstrap_vs_fairlearn.py RESULTS.h5 [--run ID] [--methods a,b,...] [--jobs N]
                                                 [--tolerance 0.005]

--run defaults to the newest run (last in sorted order); --methods restricts to a subset; --jobs runs the
Fairlearn bootstraps in N worker processes (default: min(8, CPUs)); B is the run's `bootstrap_resamples`.
Prints one row per method and, at the end, the largest endpoint difference and how many methods have
all four endpoints within the tolerance. Exit status is 0 regardless (this is a report, not a test).
"""
import argparse
import concurrent.futures
import os
import sys
import time
import warnings

import h5py
import numpy as np

QUANTILES = [0.025, 0.975]


def _str(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def stored_interval(metrics, name):
    """Stored point value and (lo, hi, n_used) of the stored replicates of `name`."""
    names = [_str(n) for n in metrics["bootstrap_names"][...]]
    reps = metrics["bootstrap_values"][names.index(name), :]
    reps = reps[~np.isnan(reps)]
    onames = [_str(n) for n in metrics["overall_names"][...]]
    point = float(metrics["overall_values"][onames.index(name)])
    if reps.size == 0:
        return point, (float("nan"), float("nan")), 0
    lo, hi = np.quantile(reps, QUANTILES)
    return point, (float(lo), float(hi)), int(reps.size)


def fairlearn_interval(args):
    """Fairlearn point values and intervals for one method (runs in a worker process)."""
    method, y_true, y_pred, groups, boots = args
    warnings.filterwarnings("ignore")
    from fairlearn.metrics import MetricFrame, selection_rate
    from sklearn.metrics import accuracy_score

    started = time.time()
    frame = MetricFrame(metrics={"accuracy": accuracy_score, "selection_rate": selection_rate},
                        y_true=y_true, y_pred=y_pred, sensitive_features=groups,
                        n_boot=boots, ci_quantiles=QUANTILES, random_state=0)
    acc_ci = (float(frame.overall_ci[0]["accuracy"]), float(frame.overall_ci[1]["accuracy"]))
    diff_ci = frame.difference_ci()
    dpd_ci = (float(diff_ci[0]["selection_rate"]), float(diff_ci[1]["selection_rate"]))
    return {"method": method, "acc": float(frame.overall["accuracy"]),
            "dpd": float(frame.difference()["selection_rate"]),
            "acc_ci": acc_ci, "dpd_ci": dpd_ci, "seconds": time.time() - started}


def fmt_ci(ci):
    return f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--run", default=None)
    parser.add_argument("--methods", default=None, help="comma-separated subset of method ids")
    parser.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 1))
    parser.add_argument("--tolerance", type=float, default=0.005)
    opts = parser.parse_args()

    started = time.time()
    with h5py.File(opts.results, "r") as f:
        runs = sorted(f["runs"])
        run_id = opts.run or runs[-1]
        if run_id not in f["runs"]:
            sys.exit(f"no run {run_id!r}; runs: {', '.join(runs)}")
        run = f["runs"][run_id]
        boots = int(run.attrs["bootstrap_resamples"])
        if boots <= 0:
            sys.exit(f"run {run_id} has no bootstrap replicates (bootstrap_resamples = {boots})")
        seeds = sorted(int(k.split("_", 1)[1]) for k in run["splits"])
        seed = seeds[0]
        seed_key = f"seed_{seed}"
        split = run["splits"][seed_key]
        group_names = np.array([_str(n) for n in run.attrs["group_names"]])
        y_true = split["y_true"][...]
        groups = group_names[split["group_codes"][...]]
        order = [_str(m) for m in run.attrs["method_order"]] if "method_order" in run.attrs \
            else sorted(run["methods"])
        order = [m for m in order if m in run["methods"]]
        if opts.methods:
            wanted = opts.methods.split(",")
            order = [m for m in order if m in wanted]

        stored, jobs, skipped = {}, [], []
        for m in order:
            g = run["methods"][m]
            if seed_key not in g or "y_pred" not in g[seed_key] or "metrics" not in g[seed_key]:
                skipped.append((m, "no predictions/metrics on " + seed_key))
                continue
            s = g[seed_key]
            if _str(s.attrs.get("status", "ok")) != "ok":
                skipped.append((m, "status " + _str(s.attrs.get("status"))))
                continue
            acc_pt, acc_ci, acc_n = stored_interval(s["metrics"], "accuracy")
            dpd_pt, dpd_ci, dpd_n = stored_interval(s["metrics"], "demographic_parity_difference")
            stored[m] = {"acc": acc_pt, "acc_ci": acc_ci, "acc_n": acc_n,
                         "dpd": dpd_pt, "dpd_ci": dpd_ci, "dpd_n": dpd_n}
            jobs.append((m, y_true, s["y_pred"][...], groups, boots))

    print(f"run {run_id}, split seed {seed} ({len(y_true)} test rows, groups {', '.join(group_names)}), "
          f"B = {boots}, {len(jobs)} methods, {opts.jobs} worker(s)")
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        fair = {r["method"]: r for r in pool.map(fairlearn_interval, jobs)}

    header = (f"{'method':<30} {'fairlab acc CI':>18} {'Fairlearn acc CI':>18} {'max|d|':>7}  "
              f"{'fairlab DPD CI':>18} {'Fairlearn DPD CI':>18} {'max|d|':>7}  {'acc pt d':>8} {'DPD pt d':>8}")
    print(header)
    print("-" * len(header))
    worst, worst_where, within, worst_point = 0.0, None, 0, 0.0
    for m, *_ in jobs:
        s, r = stored[m], fair[m]
        d_acc = max(abs(a - b) for a, b in zip(s["acc_ci"], r["acc_ci"]))
        d_dpd = max(abs(a - b) for a, b in zip(s["dpd_ci"], r["dpd_ci"]))
        p_acc, p_dpd = abs(s["acc"] - r["acc"]), abs(s["dpd"] - r["dpd"])
        worst_point = max(worst_point, p_acc, p_dpd)
        note = ""
        if s["acc_n"] < boots or s["dpd_n"] < boots:
            note = f"  (non-NaN replicates: acc {s['acc_n']}, DPD {s['dpd_n']})"
        print(f"{m:<30} {fmt_ci(s['acc_ci']):>18} {fmt_ci(r['acc_ci']):>18} {d_acc:7.4f}  "
              f"{fmt_ci(s['dpd_ci']):>18} {fmt_ci(r['dpd_ci']):>18} {d_dpd:7.4f}  "
              f"{p_acc:8.1e} {p_dpd:8.1e}{note}")
        for d, what in ((d_acc, "accuracy"), (d_dpd, "DPD")):
            if not d <= worst:  # also catches NaN
                worst, worst_where = d, f"{m} {what}"
        if max(d_acc, d_dpd) <= opts.tolerance:
            within += 1
    for m, why in skipped:
        print(f"{m:<30} skipped: {why}")
    print()
    print(f"largest endpoint difference: {worst:.4f} ({worst_where})")
    print(f"methods with all four endpoints within {opts.tolerance}: {within} of {len(jobs)}")
    print(f"largest point-value difference (stored vs Fairlearn, accuracy and DPD): {worst_point:.1e}")
    fl_secs = sum(r["seconds"] for r in fair.values())
    print(f"runtime: {time.time() - started:.1f} s wall ({fl_secs:.1f} s of Fairlearn bootstrapping summed "
          f"over workers)")


if __name__ == "__main__":
    main()
