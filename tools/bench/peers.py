"""The Python peers' side of fairlab's benchmarks (tools/bench/run.sh runs both sides in one session).

- learner: scikit-learn's LogisticRegression(C=1.0, lbfgs, defaults) on Adult's training rows
  (index % 5 in {0, 1, 2}: 18,098 rows), standardised, median of 15 fits, with its training log-loss.
- metrics: AIF360's ClassificationMetric (SPD, DI, EOD, AOD, Theil, accuracy) at 10^6 rows and Fairlearn's
  MetricFrame (selection rate, TPR, FPR, accuracy by group) at 10^5 rows, median of 3 runs each, reported as
  rows per second.

Output: one JSON object per line, like fairlab-bench.
"""
import json
import os
import pathlib
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import fairlab_dataset  # noqa: E402


def timed(body, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def learner():
    dataset = fairlab_dataset.load(ROOT / "datasets/adult.h5")
    features, labels = dataset["features"], dataset["labels"]
    train = np.arange(len(labels)) % 5 <= 2
    x = StandardScaler().fit_transform(features[train])
    y = labels[train]
    model = LogisticRegression(C=1.0).fit(x, y)
    seconds = timed(lambda: LogisticRegression(C=1.0).fit(x, y), 15)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(json.dumps({"benchmark": "learner_fit", "implementation": f"sklearn-lbfgs (BLAS threads: {threads})", "rows": x.shape[0],
                      "features": x.shape[1], "median_seconds": seconds, "runs": 15,
                      "train_log_loss": log_loss(y, model.predict_proba(x)[:, 1])}))


def synthetic(rows, seed=1):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 2, rows)
    labels = rng.integers(0, 2, rows)
    predictions = np.where(rng.integers(0, 4, rows) == 0, 1 - labels, labels)
    return labels, predictions, groups


def aif360_metrics(rows):
    import pandas as pd
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric
    labels, predictions, groups = synthetic(rows)

    def run():
        truth = BinaryLabelDataset(df=pd.DataFrame({"g": groups, "y": labels}), label_names=["y"], protected_attribute_names=["g"])
        predicted = truth.copy()
        predicted.labels = predictions.reshape(-1, 1).astype(float)
        metric = ClassificationMetric(truth, predicted, unprivileged_groups=[{"g": 0}], privileged_groups=[{"g": 1}])
        metric.statistical_parity_difference(); metric.disparate_impact(); metric.equal_opportunity_difference()
        metric.average_odds_difference(); metric.theil_index(); metric.accuracy()
    seconds = timed(run, 3)
    print(json.dumps({"benchmark": "metrics", "implementation": "aif360-ClassificationMetric", "rows": rows,
                      "median_seconds": seconds, "rows_per_second": rows / seconds, "runs": 3}))


def fairlearn_metrics(rows):
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score
    labels, predictions, groups = synthetic(rows)
    metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate, "accuracy": accuracy_score}

    def run():
        frame = MetricFrame(metrics=metrics, y_true=labels, y_pred=predictions, sensitive_features=groups)
        frame.by_group; frame.difference()
    seconds = timed(run, 3)
    print(json.dumps({"benchmark": "metrics", "implementation": "fairlearn-MetricFrame", "rows": rows,
                      "median_seconds": seconds, "rows_per_second": rows / seconds, "runs": 3}))


if __name__ == "__main__":
    which = set(sys.argv[1:]) or {"learner", "metrics"}
    if "learner" in which:
        learner()
    if "metrics" in which:
        aif360_metrics(1_000_000)
        fairlearn_metrics(100_000)
