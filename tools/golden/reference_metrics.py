"""The one place that says which reference library computes each of fairlab's overall metrics (docs/metrics.md).

Used by make_metric_goldens.py (golden values for the tests) and ../check_results.py (recomputing a results
file), so both hold fairlab to the same definitions.
"""
import logging
import warnings

import numpy as np
import pandas as pd

logging.disable(logging.WARNING)  # AIF360 logs missing optional extras (tensorflow, inFairness) on import
warnings.filterwarnings("ignore")

from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from fairlearn.metrics import (demographic_parity_difference, demographic_parity_ratio,  # noqa: E402
                               equalized_odds_difference)
from sklearn.metrics import balanced_accuracy_score  # noqa: E402


def aif360_metric(groups, labels, predictions, weights, privileged_codes):
    """AIF360 ClassificationMetric: privileged_codes pooled as privileged, every other code as unprivileged."""
    frame = pd.DataFrame({"g": groups.astype(float), "y": labels.astype(float)})
    truth = BinaryLabelDataset(df=frame, label_names=["y"], protected_attribute_names=["g"],
                               favorable_label=1.0, unfavorable_label=0.0)
    if weights is not None:
        truth.instance_weights = weights.astype(float).copy()
    predicted = truth.copy(deepcopy=True)
    predicted.labels = predictions.reshape(-1, 1).astype(float)
    codes = sorted(set(groups.tolist()))
    return ClassificationMetric(truth, predicted,
                                unprivileged_groups=[{"g": g} for g in codes if g not in privileged_codes],
                                privileged_groups=[{"g": g} for g in privileged_codes])



def reference_overall(groups, labels, predictions, weights, privileged_codes, sensitive_features):
    """fairlab's overall and between-group metrics, each from the library that defines it.

    AIF360's metrics pool the privileged codes against all others; Fairlearn's spreads run over
    `sensitive_features` (one value per row, e.g. group names or codes).
    """
    metric = aif360_metric(groups, labels, predictions, weights, privileged_codes)
    return metric, {
        "accuracy": metric.accuracy(),
        "balanced_accuracy": balanced_accuracy_score(labels, predictions, sample_weight=weights),
        "selection_rate": metric.selection_rate(),
        "statistical_parity_difference": metric.statistical_parity_difference(),
        "disparate_impact": metric.disparate_impact(),
        "equal_opportunity_difference": metric.equal_opportunity_difference(),
        "average_odds_difference": metric.average_odds_difference(),
        "theil_index": metric.theil_index(),
        "equalized_odds_difference": equalized_odds_difference(labels, predictions, sensitive_features=sensitive_features,
                                                               sample_weight=weights),
        "demographic_parity_difference": demographic_parity_difference(labels, predictions,
                                                                       sensitive_features=sensitive_features,
                                                                       sample_weight=weights),
        "demographic_parity_ratio": demographic_parity_ratio(labels, predictions, sensitive_features=sensitive_features,
                                                             sample_weight=weights),
    }


# The per-group rates undefined when a group has no rows of one kind: rate -> the count it divides by.
DENOMINATORS = {
    "true_positive_rate": "positives", "false_negative_rate": "positives",
    "false_positive_rate": "negatives", "true_negative_rate": "negatives",
    "positive_predictive_value": "predicted_positives",
}


def undefined_cells(groups, labels, predictions, group_count):
    """(metric, group) pairs whose rate has a zero denominator in a group that has rows: fairlab reports NaN
    there (docs/metrics.md), as AIF360 does; Fairlearn gives 0 (scikit-learn's normalised confusion matrix turns
    0/0 into 0)."""
    cells = set()
    for g in range(group_count):
        in_group = groups == g
        if not in_group.any():
            continue
        counts = {"positives": np.sum(labels[in_group] == 1), "negatives": np.sum(labels[in_group] == 0),
                  "predicted_positives": np.sum(predictions[in_group] == 1)}
        cells |= {(name, g) for name, denominator in DENOMINATORS.items() if counts[denominator] == 0}
    return cells
