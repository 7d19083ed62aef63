"""Golden values for fairlab's base learner and Reweighing, computed with scikit-learn and AIF360.

Makes Tests/FairlabCoreTests/Fixtures/logistic_regression_adult.json and
Tests/FairlabHostTests/Fixtures/reweighing_goldens.json. Rerun with:

    python3 tools/golden/make_learner_goldens.py

The Adult split here is deliberately not fairlab's own splitter: rows with index % 5 in {0, 1, 2} train, the
rows with index % 5 == 4 test, so that the test holds fairlab's learner to scikit-learn on identical rows
without depending on fairlab code. Features are standardised with the training rows' mean and population
standard deviation (StandardScaler).
"""
import json
import pathlib
import sys

import aif360
import h5py
import numpy as np
import pandas as pd
import sklearn
from aif360.algorithms.preprocessing import Reweighing
from aif360.datasets import BinaryLabelDataset
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fairlab_dataset  # noqa: E402


def learner_goldens():
    dataset = fairlab_dataset.load(ROOT / "datasets/adult.h5")
    features, labels = dataset["features"], dataset["labels"]
    index = np.arange(len(labels))
    train, test = index % 5 <= 2, index % 5 == 4
    scaler = StandardScaler().fit(features[train])
    x_train, x_test = scaler.transform(features[train]), scaler.transform(features[test])
    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-12, max_iter=100000).fit(x_train, labels[train])
    default = LogisticRegression(C=1.0).fit(x_train, labels[train])  # scikit-learn's defaults, as users run it
    scores = model.predict_proba(x_test)[:, 1]
    out = {
        "generated_by": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        "split": "train: row % 5 in {0,1,2}; test: row % 5 == 4",
        "train_rows": int(train.sum()),
        "features": int(features.shape[1]),
        "train_log_loss": log_loss(labels[train], model.predict_proba(x_train)[:, 1]),
        "train_log_loss_sklearn_defaults": log_loss(labels[train], default.predict_proba(x_train)[:, 1]),
        "objective": float(log_loss(labels[train], model.predict_proba(x_train)[:, 1], normalize=False)
                           + 0.5 * np.sum(model.coef_ ** 2)),
        "intercept": float(model.intercept_[0]),
        "coefficients": model.coef_[0].tolist(),
        "test_predictions": model.predict(x_test).astype(int).tolist(),
        "test_scores_first_100": scores[:100].tolist(),
    }
    path = ROOT / "Tests/FairlabCoreTests/Fixtures/logistic_regression_adult.json"
    path.write_text(json.dumps(out, separators=(",", ":")))
    print(path, out["train_log_loss"], out["train_log_loss_sklearn_defaults"])


def reweighing_goldens():
    """AIF360 Reweighing weights on German credit (age > 25 privileged), with and without prior weights."""
    with h5py.File(ROOT / "datasets/german.h5", "r") as f:
        labels = f["/label"][...].astype(float)
        age = f["/protected/age"][...].astype(float)  # 1 = age>25, privileged
    rng = np.random.default_rng(7)
    prior = rng.uniform(0.5, 2.0, size=len(labels))
    cases = []
    for name, weights in [("unweighted", np.ones(len(labels))), ("prior_weights", prior)]:
        frame = pd.DataFrame({"age": age, "credit": labels})
        dataset = BinaryLabelDataset(df=frame, label_names=["credit"], protected_attribute_names=["age"],
                                     favorable_label=1.0, unfavorable_label=0.0, instance_weights_name=None)
        dataset.instance_weights = weights.copy()
        transformed = Reweighing(unprivileged_groups=[{"age": 0}], privileged_groups=[{"age": 1}]).fit_transform(dataset)
        cases.append({"name": name, "labels": labels.astype(int).tolist(), "groups": age.astype(int).tolist(),
                      "prior_weights": weights.tolist(), "weights": transformed.instance_weights.tolist()})
    path = ROOT / "Tests/FairlabHostTests/Fixtures/reweighing_goldens.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"generated_by": {"aif360": aif360.__version__}, "cases": cases}, separators=(",", ":")))
    print(path)


if __name__ == "__main__":
    learner_goldens()
    reweighing_goldens()
