"""Golden values for fairlab's standard metrics, computed with AIF360, Fairlearn and scikit-learn.

Makes Tests/FairlabHostTests/Fixtures/metric_goldens.json, which MetricGoldenTests compares the
StandardMetrics plugin against. Rerun with:

    python3 tools/golden/make_metric_goldens.py

Five synthetic cases (numpy default_rng with a fixed seed, so reruns give the same file for the same library
versions): two groups; six race groups with one privileged; four sex x race intersections with one privileged;
two groups with positive instance weights; and five groups of which one has no negative labels, one no
positive labels and one a single row, so that some per-group rates are undefined. Labels and predictions depend on the group so that every metric
is non-trivial.

Every stored value comes from a reference library, never from a formula written here (docs/metrics.md says
which library defines which metric):

- overall: AIF360 ClassificationMetric with the privileged groups pooled on one side and all other groups on
  the other; scikit-learn balanced_accuracy_score; Fairlearn equalized_odds_difference,
  demographic_parity_difference and demographic_parity_ratio over every group separately.
- per group: Fairlearn MetricFrame by group code with Fairlearn / scikit-learn metric functions; where a rate's
  denominator is zero the value is stored as null (fairlab's NaN, which AIF360 gives too, where Fairlearn gives
  0) and the cell is listed in `undefined_per_group`.

The script then cross-checks the libraries against each other and stops with an AssertionError if any two
disagree by more than 1e-12: every per-group value against AIF360 with that single group as "privileged",
AIF360's accuracy and selection rate against scikit-learn / Fairlearn, AIF360's pooled differences against
Fairlearn on a privileged / unprivileged feature, Fairlearn's max - min spreads against AIF360's per-group
rates, and AIF360's Theil index against aif360.sklearn's generalized_entropy_error.
"""
import json
import logging
import math
import pathlib
import warnings

import numpy as np
import pandas as pd

logging.disable(logging.WARNING)  # AIF360 logs missing optional extras (tensorflow, inFairness) on import
warnings.filterwarnings("ignore")

import aif360  # noqa: E402
import fairlearn  # noqa: E402
import sklearn  # noqa: E402
from aif360.sklearn.metrics import generalized_entropy_error  # noqa: E402
from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference, demographic_parity_ratio,  # noqa: E402
                               equal_opportunity_difference, false_negative_rate,
                               false_positive_rate, selection_rate, true_negative_rate, true_positive_rate)
from sklearn.metrics import accuracy_score, precision_score  # noqa: E402

from reference_metrics import aif360_metric, reference_overall, undefined_cells  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/metric_goldens.json"
SEED = 20240611
TOLERANCE = 1e-12

# Each case: group shares, and per group P(y = 1), P(y_hat = 1 | y = 1) and P(y_hat = 1 | y = 0).
CASES = [
    dict(name="binary", rows=2000, group_names=["Female", "Male"], privileged=[False, True],
         shares=[0.45, 0.55], base_rates=[0.30, 0.45], tpr=[0.70, 0.82], fpr=[0.10, 0.18], weighted=False),
    dict(name="six_groups", rows=3000,
         group_names=["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"],
         privileged=[False, False, True, False, False, False],
         shares=[0.32, 0.06, 0.36, 0.14, 0.04, 0.08], base_rates=[0.52, 0.35, 0.38, 0.44, 0.50, 0.40],
         tpr=[0.78, 0.65, 0.70, 0.72, 0.80, 0.68], fpr=[0.30, 0.15, 0.18, 0.22, 0.28, 0.20], weighted=False),
    dict(name="intersection", rows=2500, group_names=["Black/Female", "Black/Male", "White/Female", "White/Male"],
         privileged=[False, False, False, True], shares=[0.15, 0.20, 0.28, 0.37],
         base_rates=[0.20, 0.28, 0.25, 0.40], tpr=[0.60, 0.68, 0.66, 0.80], fpr=[0.08, 0.14, 0.10, 0.16],
         weighted=False),
    dict(name="weighted_binary", rows=1500, group_names=["Female", "Male"], privileged=[False, True],
         shares=[0.40, 0.60], base_rates=[0.35, 0.50], tpr=[0.66, 0.79], fpr=[0.12, 0.21], weighted=True),
    # Groups whose rates are undefined: one with no negative labels (FPR, TNR undefined), one with no positive
    # labels (TPR, FNR undefined), and a one-row group (a negative predicted positive: TPR, FNR undefined).
    dict(name="undefined_rates", rows=1600,
         group_names=["Female", "Male", "NoNegatives", "NoPositives", "OneRow"],
         privileged=[False, True, False, False, False], shares=[0.45, 0.45, 0.05, 0.05, 0.0],
         base_rates=[0.30, 0.45, 1.0, 0.0, 0.0], tpr=[0.70, 0.82, 0.75, 0.0, 0.0], fpr=[0.10, 0.18, 0.0, 0.25, 0.0],
         weighted=False, one_row=dict(group=4, label=0, prediction=1)),
]

PER_GROUP_METRICS = ["count", "base_rate", "selection_rate", "true_positive_rate", "false_positive_rate",
                     "true_negative_rate", "false_negative_rate", "positive_predictive_value", "accuracy"]


def synthesize(spec, rng):
    """Group codes, labels, predictions and weights (or None) drawn for one case."""
    n = spec["rows"]
    groups = rng.choice(len(spec["group_names"]), size=n, p=spec["shares"])
    labels = (rng.random(n) < np.take(spec["base_rates"], groups)).astype(int)
    p_positive = np.where(labels == 1, np.take(spec["tpr"], groups), np.take(spec["fpr"], groups))
    predictions = (rng.random(n) < p_positive).astype(int)
    weights = rng.uniform(0.2, 3.0, size=n) if spec["weighted"] else None
    if "one_row" in spec:
        row = spec["one_row"]
        groups, labels, predictions = (np.append(a, row[k]) for a, k in
                                       ((groups, "group"), (labels, "label"), (predictions, "prediction")))
    for g in range(len(spec["group_names"])):
        in_group = groups == g
        assert in_group.any(), (spec["name"], g)
        if 0 < spec["base_rates"][g] < 1:
            assert set(labels[in_group]) == {0, 1} and set(predictions[in_group]) == {0, 1}, (spec["name"], g)
    return groups, labels, predictions, weights


def group_count(y_true, y_pred, sample_weight=None):
    """Rows in the group (Fairlearn's count), or the sum of their weights when weighted."""
    return float(count(y_true, y_pred)) if sample_weight is None else float(np.sum(sample_weight))


def base_rate(y_true, y_pred, sample_weight=None):
    """P(y = 1): Fairlearn's selection rate of the labels themselves."""
    return selection_rate(y_true, y_true, pos_label=1, sample_weight=sample_weight)


PER_GROUP_FUNCTIONS = {
    "count": group_count,
    "base_rate": base_rate,
    "selection_rate": lambda t, p, sample_weight=None: selection_rate(t, p, pos_label=1, sample_weight=sample_weight),
    "true_positive_rate": lambda t, p, sample_weight=None: true_positive_rate(t, p, sample_weight, pos_label=1),
    "false_positive_rate": lambda t, p, sample_weight=None: false_positive_rate(t, p, sample_weight, pos_label=1),
    "true_negative_rate": lambda t, p, sample_weight=None: true_negative_rate(t, p, sample_weight, pos_label=1),
    "false_negative_rate": lambda t, p, sample_weight=None: false_negative_rate(t, p, sample_weight, pos_label=1),
    "positive_predictive_value": lambda t, p, sample_weight=None: precision_score(
        t, p, pos_label=1, zero_division=np.nan, sample_weight=sample_weight),
    "accuracy": lambda t, p, sample_weight=None: accuracy_score(t, p, sample_weight=sample_weight),
}

# The same per-group quantities read from AIF360 with the group as the (only) privileged group.
AIF360_PER_GROUP = {
    "count": lambda m: m.num_instances(privileged=True),
    "base_rate": lambda m: m.base_rate(privileged=True),
    "selection_rate": lambda m: m.selection_rate(privileged=True),
    "true_positive_rate": lambda m: m.true_positive_rate(privileged=True),
    "false_positive_rate": lambda m: m.false_positive_rate(privileged=True),
    "true_negative_rate": lambda m: m.true_negative_rate(privileged=True),
    "false_negative_rate": lambda m: m.false_negative_rate(privileged=True),
    "positive_predictive_value": lambda m: m.positive_predictive_value(privileged=True),
    "accuracy": lambda m: m.accuracy(privileged=True),
}


def agree(a, b, what):
    assert abs(float(a) - float(b)) <= TOLERANCE, f"{what}: {a!r} != {b!r}"


def json_value(x):
    """A float, or None where the library leaves the value undefined (NaN or infinite)."""
    x = float(x)
    return x if math.isfinite(x) else None


def per_group_values(groups, labels, predictions, weights, k):
    """Fairlearn MetricFrame by group code, cross-checked against AIF360 one group at a time."""
    sample_params = None
    if weights is not None:
        sample_params = {name: {"sample_weight": weights} for name in PER_GROUP_FUNCTIONS}
    by_group = MetricFrame(metrics=PER_GROUP_FUNCTIONS, y_true=labels, y_pred=predictions,
                           sensitive_features=pd.Series(groups, name="group"),
                           sample_params=sample_params).by_group
    values = {name: [float(by_group.loc[g, name]) for g in range(k)] for name in PER_GROUP_METRICS}
    undefined = undefined_cells(groups, labels, predictions, k)
    for g in range(k):
        single = aif360_metric(groups, labels, predictions, weights, privileged_codes=[g])
        for name in PER_GROUP_METRICS:
            aif360_value = AIF360_PER_GROUP[name](single)
            if (name, g) in undefined:
                # The documented difference: AIF360 leaves the rate undefined, Fairlearn says 0 (PPV: NaN, as
                # zero_division=np.nan asks).
                assert math.isnan(aif360_value), f"per-group {name}[{g}]: AIF360 gives {aif360_value} for 0/0"
                assert values[name][g] == 0 or math.isnan(values[name][g]), f"per-group {name}[{g}]: Fairlearn"
                continue
            agree(values[name][g], aif360_value, f"per-group {name}[{g}] Fairlearn vs AIF360")
    return values, undefined


def overall_values(spec, groups, labels, predictions, weights, per_group):
    names = np.take(spec["group_names"], groups)
    privileged_codes = [g for g, p in enumerate(spec["privileged"]) if p]
    metric, overall = reference_overall(groups, labels, predictions, weights, privileged_codes, names)

    # AIF360 against scikit-learn and Fairlearn on the whole data.
    agree(overall["accuracy"], accuracy_score(labels, predictions, sample_weight=weights), "accuracy")
    agree(overall["selection_rate"], selection_rate(labels, predictions, sample_weight=weights), "selection_rate")
    agree(overall["balanced_accuracy"], (metric.true_positive_rate() + metric.true_negative_rate()) / 2,
          "balanced_accuracy vs AIF360 (TPR + TNR) / 2")
    agree(overall["theil_index"], generalized_entropy_error(labels, predictions, alpha=1),
          "theil_index vs aif360.sklearn")  # both ignore instance weights

    # AIF360's pooled comparisons against Fairlearn on a privileged / unprivileged feature.
    pooled = np.where(np.isin(groups, privileged_codes), "privileged", "unprivileged")
    spd = overall["statistical_parity_difference"]
    agree(abs(spd), demographic_parity_difference(labels, predictions, sensitive_features=pooled,
                                                  sample_weight=weights), "|SPD| vs pooled Fairlearn DPD")
    di = overall["disparate_impact"]
    agree(min(di, 1 / di), demographic_parity_ratio(labels, predictions, sensitive_features=pooled,
                                                    sample_weight=weights), "DI vs pooled Fairlearn DPR")
    agree(abs(overall["equal_opportunity_difference"]),
          equal_opportunity_difference(labels, predictions, sensitive_features=pooled, sample_weight=weights),
          "|EOD| vs pooled Fairlearn equal_opportunity_difference")
    pooled_frame = MetricFrame(
        metrics={"tpr": PER_GROUP_FUNCTIONS["true_positive_rate"], "fpr": PER_GROUP_FUNCTIONS["false_positive_rate"],
                 "sr": PER_GROUP_FUNCTIONS["selection_rate"]},
        y_true=labels, y_pred=predictions, sensitive_features=pooled,
        sample_params=None if weights is None else {m: {"sample_weight": weights} for m in ("tpr", "fpr", "sr")},
    ).by_group
    signed = pooled_frame.loc["unprivileged"] - pooled_frame.loc["privileged"]
    agree(spd, signed["sr"], "SPD vs pooled MetricFrame")
    agree(overall["equal_opportunity_difference"], signed["tpr"], "EOD vs pooled MetricFrame")
    agree(overall["average_odds_difference"], (signed["fpr"] + signed["tpr"]) / 2, "AOD vs pooled MetricFrame")
    if len(spec["group_names"]) == 2:  # with two groups, pooled and per-group spreads are the same thing
        agree(abs(spd), overall["demographic_parity_difference"], "binary: |SPD| vs DPD")
        agree(min(di, 1 / di), overall["demographic_parity_ratio"], "binary: DI vs DPR")

    # Fairlearn's spreads over every group against AIF360's per-group rates (checked equal to MetricFrame's).
    sr, tpr, fpr = (np.array(per_group[n]) for n in ("selection_rate", "true_positive_rate", "false_positive_rate"))
    agree(overall["demographic_parity_difference"], sr.max() - sr.min(), "DPD vs per-group selection rates")
    agree(overall["demographic_parity_ratio"], sr.min() / sr.max(), "DPR vs per-group selection rates")
    agree(overall["equalized_odds_difference"], max(tpr.max() - tpr.min(), fpr.max() - fpr.min()),
          "equalized odds difference vs per-group TPR / FPR")
    return overall


def make_case(index, spec):
    rng = np.random.default_rng([SEED, index])
    groups, labels, predictions, weights = synthesize(spec, rng)
    k = len(spec["group_names"])
    per_group, undefined = per_group_values(groups, labels, predictions, weights, k)
    overall = overall_values(spec, groups, labels, predictions, weights, per_group)
    # fairlab's per-group value for an undefined rate is NaN (null here); Fairlearn's 0 was used above only to
    # check its own spreads, which fairlab matches (equalized_odds_difference counts such a rate as 0).
    for name, g in undefined:
        per_group[name][g] = math.nan
    return {
        "name": spec["name"],
        "labels": labels.tolist(),
        "predictions": predictions.tolist(),
        "groups": groups.tolist(),
        "group_names": spec["group_names"],
        "privileged": spec["privileged"],
        "weights": None if weights is None else weights.tolist(),
        "overall": {name: json_value(v) for name, v in overall.items()},
        "per_group": {name: [json_value(v) for v in values] for name, values in per_group.items()},
        "undefined_per_group": sorted([name, g] for name, g in undefined),
    }


def main():
    golden = {
        "generated_by": {"aif360": aif360.__version__, "fairlearn": fairlearn.__version__,
                         "sklearn": sklearn.__version__, "numpy": np.__version__},
        "cases": [make_case(i, spec) for i, spec in enumerate(CASES)],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":")))
    print(OUTPUT, f"{OUTPUT.stat().st_size} bytes")
    for case in golden["cases"]:
        print(case["name"], json.dumps(case["overall"]))


if __name__ == "__main__":
    main()
