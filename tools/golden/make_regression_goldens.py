"""Golden values for fairlab's regression task, computed with scikit-learn, Fairlearn and SciPy.

Makes Tests/FairlabHostTests/Fixtures/regression_goldens.json, which RegressionGoldenTests compares fairlab's
ridge baseline and its regression metric plugin against. Rerun with:

    /work/pyenv/bin/python tools/golden/make_regression_goldens.py

- ridge: 400 training and 150 test rows of datasets/wage.h5 (numpy default_rng(7) picks them), standardised as
  `fairlab compare --standardize numeric` does it (numeric columns by the training rows' mean and population
  std; one-hot and the protected attribute's own column left 0/1); scikit-learn Ridge(alpha=1.0) fitted on them
  without and with instance weights (uniform in [0.5, 2]): coefficients, intercept and test predictions.
- bounded group loss: Fairlearn ExponentiatedGradient(Ridge(alpha=1), BoundedGroupLoss(SquareLoss(-inf, inf),
  upper_bound), eps=0.01) on those training rows grouped by race code, at a bound 1.1 x the unconstrained fit's
  overall training MSE and at 0.97 x its worst group's: ν, the oracle calls, the hypotheses, each group's and the
  overall training MSE under Q (weights_ aligned with predictors_ by hypothesis id), and Q's mean test prediction.
- metrics: three cases of labels, predictions and groups (the ridge's Wage test predictions by race, four groups;
  a synthetic two-group case with weights; a five-group case whose smallest group has one row, so its R² is
  undefined). Overall values: scikit-learn mean_absolute_error, root of mean_squared_error, r2_score, the mean
  prediction (numpy average); per group: Fairlearn MetricFrame with those functions (and count, mean label,
  mean prediction); between groups: MetricFrame.difference() (max - min) and ratio() (min / max) of the mean
  prediction, the differences of MAE and RMSE, the largest per-group MSE, and the largest scipy ks_2samp
  statistic over pairs of groups (unweighted cases only: SciPy's test has no weights; the weighted case's KS is
  a weighted ECDF distance, checked in RegressionGoldenTests by hand).
"""
import itertools
import json
import pathlib
import sys

import numpy as np
from fairlearn.metrics import MetricFrame
from fairlearn.reductions import BoundedGroupLoss, ExponentiatedGradient, SquareLoss
from scipy.stats import ks_2samp
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import fairlab_dataset  # noqa: E402


def standardise(train, test, names, protected_names):
    train, test = train.copy(), test.copy()
    for j, name in enumerate(names):
        if "=" in name or name in protected_names:
            continue
        mean, std = train[:, j].mean(), train[:, j].std()
        std = std if std > 0 else 1.0
        train[:, j] = (train[:, j] - mean) / std
        test[:, j] = (test[:, j] - mean) / std
    return train, test


def metrics_case(name, labels, predictions, groups, group_names, privileged, weights=None):
    kwargs = {} if weights is None else {"sample_weight": weights}
    w = np.ones_like(labels) if weights is None else weights

    def rmse(y, p, **kw):
        return float(np.sqrt(mean_squared_error(y, p, **kw)))

    def mean_prediction(y, p, **kw):
        return float(np.average(p, weights=kw.get("sample_weight")))

    def mean_label(y, p, **kw):
        return float(np.average(y, weights=kw.get("sample_weight")))

    def r2(y, p, **kw):
        return float(r2_score(y, p, **kw)) if len(y) > 1 and np.ptp(y) > 0 else None

    def count(y, p, **kw):
        return float(np.sum(kw["sample_weight"])) if "sample_weight" in kw else float(len(y))

    functions = dict(mean_absolute_error=mean_absolute_error, mean_squared_error=mean_squared_error,
                     root_mean_squared_error=rmse, mean_prediction=mean_prediction, mean_label=mean_label, r2_score=r2,
                     count=count)
    params = {key: {"sample_weight": weights} for key in functions} if weights is not None else None
    frame = MetricFrame(metrics=functions, y_true=labels, y_pred=predictions, sensitive_features=groups,
                        sample_params=params)
    by_group = frame.by_group
    codes = sorted(set(groups.tolist()))
    per_group = {key: [by_group.loc[c, key] for c in codes] for key in functions}
    per_group = {key: [None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v) for v in values]
                 for key, values in per_group.items()}
    difference = frame.difference()
    ratio = frame.ratio()
    overall = dict(
        mean_absolute_error=float(mean_absolute_error(labels, predictions, **kwargs)),
        root_mean_squared_error=float(np.sqrt(mean_squared_error(labels, predictions, **kwargs))),
        r2_score=float(r2_score(labels, predictions, **kwargs)),
        mean_prediction=float(np.average(predictions, weights=weights)),
        mean_prediction_difference=float(difference["mean_prediction"]),
        mean_prediction_ratio=float(ratio["mean_prediction"]),
        mean_absolute_error_difference=float(difference["mean_absolute_error"]),
        root_mean_squared_error_difference=float(difference["root_mean_squared_error"]),
        worst_group_mean_squared_error=float(frame.group_max()["mean_squared_error"]),
    )
    if weights is None:
        overall["prediction_ks_distance"] = max(
            float(ks_2samp(predictions[groups == a], predictions[groups == b]).statistic)
            for a, b in itertools.combinations(codes, 2))
    return dict(name=name, labels=labels.tolist(), predictions=predictions.tolist(), groups=groups.tolist(),
                group_names=group_names, privileged=privileged, weights=None if weights is None else w.tolist(),
                overall=overall, per_group=per_group)


def main():
    data = fairlab_dataset.load(str(ROOT / "datasets/wage.h5"))
    rng = np.random.default_rng(7)
    order = rng.permutation(len(data["labels"]))
    train_rows, test_rows = np.sort(order[:400]), np.sort(order[400:550])
    features = data["features"]
    train, test = standardise(features[train_rows], features[test_rows], data["names"], data["protected_order"])
    y_train, y_test = data["labels"][train_rows], data["labels"][test_rows]
    weights = rng.uniform(0.5, 2.0, size=len(train_rows))
    ridge = {}
    for key, w in (("unweighted", None), ("weighted", weights)):
        model = Ridge(alpha=1.0).fit(train, y_train, sample_weight=w)
        ridge[key] = dict(weights=None if w is None else w.tolist(), coefficients=model.coef_.tolist(),
                          intercept=float(model.intercept_), test_predictions=model.predict(test).tolist())
    race = data["protected"]["race"]
    test_groups = race["codes"][test_rows].astype(int)
    wage_case = metrics_case("wage ridge predictions by race", y_test, np.asarray(ridge["unweighted"]["test_predictions"]),
                             test_groups, race["categories"], [c in race["privileged"] for c in range(len(race["categories"]))])

    n = 300
    groups = (rng.uniform(size=n) < 0.35).astype(int)
    labels = 50 + 20 * groups + rng.normal(0, 10, size=n)
    predictions = labels + rng.normal(3 * groups, 8, size=n)
    weighted_case = metrics_case("two groups, weighted", labels, predictions, groups, ["a", "b"], [False, True],
                                 weights=rng.uniform(0.2, 3.0, size=n))
    groups5 = rng.integers(0, 4, size=120)
    groups5 = np.append(groups5, 4)
    labels5 = rng.normal(10 + groups5, 2.0)
    predictions5 = labels5 + rng.normal(0, 1.5, size=len(labels5))
    five_case = metrics_case("five groups, one of a single row", labels5, predictions5, groups5,
                             ["g0", "g1", "g2", "g3", "g4"], [True, False, False, False, False])

    # Fairlearn's exponentiated gradient with bounded group loss over the same ridge, on the training rows grouped
    # by race code, at two bounds: one that binds (the unconstrained fit's worst group is above it) and a looser one.
    train_groups = race["codes"][train_rows].astype(int)
    unconstrained = Ridge(alpha=1.0).fit(train, y_train).predict(train)
    group_mse = {g: float(np.mean((y_train[train_groups == g] - unconstrained[train_groups == g]) ** 2)) for g in sorted(set(train_groups))}
    bounded = []
    for upper_bound in (1.1 * float(np.mean((y_train - unconstrained) ** 2)), 0.97 * max(group_mse.values())):
        eg = ExponentiatedGradient(Ridge(alpha=1.0), BoundedGroupLoss(SquareLoss(-np.inf, np.inf), upper_bound=upper_bound), eps=0.01)
        eg.fit(train, y_train, sensitive_features=train_groups)
        # weights_ and predictors_ are Series keyed by hypothesis id: aligned by id, not by position.
        hypotheses = [eg.predictors_[i] for i in range(len(eg.predictors_))]
        weights = eg.weights_.reindex(range(len(hypotheses))).fillna(0).to_numpy()
        predictions = np.column_stack([h.predict(train) for h in hypotheses])
        losses = {g: float(np.sum(weights * np.mean((y_train[train_groups == g, None] - predictions[train_groups == g]) ** 2, axis=0)))
                  for g in sorted(set(train_groups))}
        overall = float(np.sum(weights * np.mean((y_train[:, None] - predictions) ** 2, axis=0)))
        bounded.append(dict(upper_bound=upper_bound, nu=float(eg.nu), oracle_calls=int(eg.n_oracle_calls_),
                            hypotheses=len(hypotheses), group_losses=[losses[g] for g in sorted(losses)],
                            worst_group_loss=max(losses.values()), overall_loss=overall,
                            test_mean_prediction=(np.column_stack([h.predict(test) for h in hypotheses]) @ weights).tolist()))

    fixture = dict(
        source="datasets/wage.h5", feature_names=data["names"], train_rows=train_rows.tolist(), test_rows=test_rows.tolist(),
        train_features=train.T.ravel().tolist(), test_features=test.T.ravel().tolist(), cols=train.shape[1],
        train_labels=y_train.tolist(), train_groups=train_groups.tolist(), ridge=ridge, metric_cases=[wage_case, weighted_case, five_case],
        bounded_group_loss=bounded, unconstrained_group_mse=[group_mse[g] for g in sorted(group_mse)])
    path = ROOT / "Tests/FairlabHostTests/Fixtures/regression_goldens.json"
    path.write_text(json.dumps(fixture, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {path}: ridge on {len(train_rows)} + {len(test_rows)} rows, {len(fixture['metric_cases'])} metric cases")


if __name__ == "__main__":
    main()
