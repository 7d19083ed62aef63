"""Recomputes every metric stored in a fairlab results file with AIF360 and Fairlearn, from the file alone.

    python3 tools/check_results.py results.h5 [--tolerance 1e-9]

For every run, method and seed it reads the test predictions (y_pred), the test labels (y_true) and group codes
of the split, recomputes each metric with the reference library that defines it (docs/metrics.md) and reports
the largest absolute difference. Exits non-zero if any difference exceeds the tolerance.
"""
import argparse
import math
import sys
import warnings

import h5py
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from fairlearn.metrics import (MetricFrame, demographic_parity_difference, demographic_parity_ratio,  # noqa: E402
                               equalized_odds_difference, false_negative_rate, false_positive_rate, selection_rate,
                               true_negative_rate, true_positive_rate)
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score  # noqa: E402


def reference_values(y_true, y_pred, codes, privileged):
    """Overall and per-group values, keyed as fairlab names them."""
    unprivileged_codes = [g for g, p in enumerate(privileged) if not p]
    privileged_codes = [g for g, p in enumerate(privileged) if p]
    frame = pd.DataFrame({"g": codes.astype(float), "y": y_true})
    truth = BinaryLabelDataset(df=frame, label_names=["y"], protected_attribute_names=["g"])
    predicted = truth.copy()
    predicted.labels = y_pred.reshape(-1, 1).astype(float)
    metric = ClassificationMetric(truth, predicted, unprivileged_groups=[{"g": g} for g in unprivileged_codes],
                                  privileged_groups=[{"g": g} for g in privileged_codes])
    overall = {
        "accuracy": metric.accuracy(),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "selection_rate": metric.selection_rate(),
        "statistical_parity_difference": metric.statistical_parity_difference(),
        "disparate_impact": metric.disparate_impact(),
        "equal_opportunity_difference": metric.equal_opportunity_difference(),
        "average_odds_difference": metric.average_odds_difference(),
        "theil_index": metric.theil_index(),
        "equalized_odds_difference": equalized_odds_difference(y_true, y_pred, sensitive_features=codes),
        "demographic_parity_difference": demographic_parity_difference(y_true, y_pred, sensitive_features=codes),
        "demographic_parity_ratio": demographic_parity_ratio(y_true, y_pred, sensitive_features=codes),
    }
    by_group = MetricFrame(
        metrics={"count": lambda t, p: float(len(t)), "base_rate": lambda t, p: float(np.mean(t)),
                 "selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                 "false_positive_rate": false_positive_rate, "true_negative_rate": true_negative_rate,
                 "false_negative_rate": false_negative_rate, "accuracy": accuracy_score,
                 "positive_predictive_value": lambda t, p: precision_score(t, p, zero_division=np.nan)},
        y_true=y_true, y_pred=y_pred, sensitive_features=codes).by_group
    per_group = {name: [by_group.loc[g, name] if g in by_group.index else math.nan for g in range(len(privileged))]
                 for name in by_group.columns}
    return overall, per_group


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args()
    worst, compared = 0.0, 0
    with h5py.File(args.results, "r") as f:
        for run_id, run in f["runs"].items():
            privileged = [bool(p) for p in run.attrs["group_privileged"]]
            for method_id, method in run["methods"].items():
                for seed_name, outcome in method.items():
                    if outcome.attrs["status"] != "ok":
                        continue
                    split = run["splits"][seed_name]
                    y_true, codes = split["y_true"][...], split["group_codes"][...]
                    overall, per_group = reference_values(y_true, outcome["y_pred"][...], codes, privileged)
                    stored = dict(zip([n.decode() for n in outcome["metrics/overall_names"][...]],
                                      outcome["metrics/overall_values"][...]))
                    stored_groups = dict(zip([n.decode() for n in outcome["metrics/per_group_names"][...]],
                                             outcome["metrics/per_group_values"][...]))
                    pairs = [(f"{name}", overall[name], stored[name]) for name in overall]
                    pairs += [(f"{name}[{g}]", value, stored_groups[name][g])
                              for name, values in per_group.items() for g, value in enumerate(values)]
                    for name, expected, actual in pairs:
                        if math.isnan(expected) and math.isnan(actual):
                            continue
                        if name.startswith("count[") and math.isnan(expected) and actual == 0:
                            continue  # a group absent from this split: Fairlearn omits it, fairlab counts 0
                        difference = abs(expected - actual)
                        compared += 1
                        if difference > worst:
                            worst = difference
                        if not difference <= args.tolerance:
                            print(f"{run_id} {method_id} {seed_name} {name}: stored {actual}, reference {expected}")
    print(f"{compared} values compared, largest difference {worst:.3g}")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
