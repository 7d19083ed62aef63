"""Recomputes every metric stored in a fairlab results file with AIF360 and Fairlearn, from the file alone.

    python3 tools/check_results.py results.h5 [--tolerance 1e-9]

For every run, method and seed it reads the test predictions (y_pred), the test labels (y_true) and group codes
of the split, recomputes each metric with the reference library that defines it (docs/metrics.md) and reports
the largest absolute difference. A per-group rate with a zero denominator is NaN in fairlab and 0 in Fairlearn
(docs/metrics.md, "Undefined rates"): such cells are counted as documented differences, after checking that
the denominator really is zero. Exits non-zero if any other difference exceeds the tolerance.
"""
import argparse
import math
import pathlib
import sys
import warnings

import h5py
import numpy as np

warnings.filterwarnings("ignore")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "golden"))
from fairlearn.metrics import (MetricFrame, false_negative_rate, false_positive_rate, selection_rate,  # noqa: E402
                               true_negative_rate, true_positive_rate)
from reference_metrics import reference_overall, undefined_cells  # noqa: E402
from sklearn.metrics import accuracy_score, precision_score  # noqa: E402


def reference_values(y_true, y_pred, codes, privileged):
    """Overall and per-group values, keyed as fairlab names them."""
    privileged_codes = [g for g, p in enumerate(privileged) if p]
    _, overall = reference_overall(codes, y_true, y_pred, None, privileged_codes, codes)
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
    worst, compared, documented, failures = 0.0, 0, 0, 0
    with h5py.File(args.results, "r") as f:
        for run_id, run in f["runs"].items():
            privileged = [bool(p) for p in run.attrs["group_privileged"]]
            for method_id, method in run["methods"].items():
                for seed_name, outcome in method.items():
                    if outcome.attrs["status"] != "ok":
                        continue
                    # A stress run's outcome seed_<s>_level_<k> is scored on the clean split seed_<s>.
                    split = run["splits"]["_".join(seed_name.split("_")[:2])]
                    y_true, codes, y_pred = split["y_true"][...], split["group_codes"][...], outcome["y_pred"][...]
                    overall, per_group = reference_values(y_true, y_pred, codes, privileged)
                    undefined = {f"{name}[{g}]" for name, g in undefined_cells(codes, y_true, y_pred, len(privileged))}
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
                        if name in undefined and math.isnan(actual) and expected == 0:
                            documented += 1  # fairlab's NaN for 0/0 where Fairlearn says 0
                            continue
                        difference = abs(expected - actual)
                        compared += 1
                        worst = max(worst, math.inf if math.isnan(difference) else difference)
                        if not difference <= args.tolerance:
                            failures += 1
                            print(f"{run_id} {method_id} {seed_name} {name}: stored {actual}, reference {expected}")
    print(f"{compared} values compared, largest difference {worst:.3g}; {documented} documented differences "
          f"(NaN for an undefined per-group rate, where Fairlearn gives 0); {failures} undocumented differences")
    sys.exit(0 if failures == 0 else 1)


if __name__ == "__main__":
    main()
