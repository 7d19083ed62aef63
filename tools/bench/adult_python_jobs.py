"""The four jobs of a fairlab Adult comparison, written as AIF360 and Fairlearn users write them, timed as a whole
process, imports included.

    /work/pyenv/bin/python tools/bench/adult_python_jobs.py [--dataset datasets/adult.h5] [--seed 0]
                                                           [--results FILE.h5 --run ID]
    OPENBLAS_NUM_THREADS=1 /usr/bin/time -v /work/pyenv/bin/python tools/bench/adult_python_jobs.py   # timed externally

Reads the dataset with h5py and splits it 60/20/20: scikit-learn's train_test_split stratified by label x sex with
random_state = --seed, or, with --results and --run, fairlab's own split of seed --seed (its stored train,
validation and test indices). A StandardScaler fitted on the training rows standardises the numeric columns; the
one-hot columns (`column=value`) and the protected attributes' own 0/1 columns (`sex`, and `race` in Adult) are
left as they are, as in `fairlab compare --standardize numeric`. Then:

- baseline: LogisticRegression(C=1, lbfgs, max_iter=1000);
- reweighing: AIF360 Reweighing on a BinaryLabelDataset of the training rows (protected `sex`, privileged 1), the
  same logistic regression fitted with the instance weights as sample_weight;
- exponentiated-gradient: Fairlearn ExponentiatedGradient(the same logistic regression, DemographicParity()) fitted
  with sex as the sensitive feature, test predictions drawn with random_state=0;
- threshold-optimizer: Fairlearn ThresholdOptimizer(the fitted baseline, prefit=True, demographic_parity,
  predict_method='predict_proba') fitted on the validation rows, test predictions drawn with random_state=0.

Prints one JSON line per job (fit seconds: everything a user runs to get the fitted model, including building
AIF360's dataset; test accuracy; statistical parity difference, unprivileged minus privileged selection rate), then
one JSON line with the wall seconds since the first line of this script (before any import) and the BLAS thread
setting (OPENBLAS_NUM_THREADS, or "default").
"""
import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/golden"))
sys.path.insert(0, str(ROOT / "tools"))
import fairlab_dataset  # noqa: E402
from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()
from aif360.algorithms.preprocessing import Reweighing  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402
from fairlearn.reductions import DemographicParity, ExponentiatedGradient  # noqa: E402

IMPORTED = time.perf_counter()


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=str(ROOT / "datasets/adult.h5"))
    parser.add_argument("--seed", type=int, default=0, help="train_test_split's random_state, or fairlab's seed")
    parser.add_argument("--results", help="a fairlab results file whose split to use (with --run)")
    parser.add_argument("--run", help="the run id in --results")
    args = parser.parse_args()
    if (args.results is None) != (args.run is None):
        parser.error("--results and --run go together")
    return args


def load(args):
    """The dataset's rows split in three, features standardised as the canonical pipeline does."""
    dataset = fairlab_dataset.load(args.dataset)
    features, names, labels = dataset["features"], dataset["names"], dataset["labels"].astype(int)
    sex, privileged_codes = dataset["protected"]["sex"]["codes"], dataset["protected"]["sex"]["privileged"]
    protected = set(dataset["protected"])
    privileged = np.isin(sex, privileged_codes).astype(int)
    if args.results:
        with h5py.File(args.results, "r") as f:
            split = f[f"/runs/{args.run}/splits/seed_{args.seed}"]
            parts = [split[f"{part}_index"][...] for part in ("train", "validation", "test")]
    else:
        rows = np.arange(len(labels))
        strata = labels * 2 + privileged
        train, rest = train_test_split(rows, test_size=0.4, stratify=strata, random_state=args.seed)
        validation, test = train_test_split(rest, test_size=0.5, stratify=strata[rest], random_state=args.seed)
        parts = [train, validation, test]
    numeric = [j for j, name in enumerate(names) if "=" not in name and name not in protected]
    scaler = StandardScaler().fit(features[parts[0]][:, numeric])

    def part(rows):
        x = features[rows]
        x[:, numeric] = scaler.transform(x[:, numeric])
        return pd.DataFrame(x, columns=names), labels[rows], privileged[rows]

    return [part(rows) for rows in parts]


def logistic_regression():
    return LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000)


def report(job, fit_seconds, predictions, labels, privileged):
    spd = predictions[privileged == 0].mean() - predictions[privileged == 1].mean()
    print(json.dumps({"job": job, "fit_seconds": round(fit_seconds, 4),
                      "test_accuracy": round(float((predictions == labels).mean()), 4),
                      "statistical_parity_difference": round(float(spd), 4)}), flush=True)


def main():
    args = arguments()
    (x_train, y_train, s_train), (x_val, y_val, s_val), (x_test, y_test, s_test) = load(args)

    start = time.perf_counter()
    baseline = logistic_regression().fit(x_train, y_train)
    report("baseline", time.perf_counter() - start, baseline.predict(x_test), y_test, s_test)

    start = time.perf_counter()
    frame = x_train.assign(label=y_train.astype(float))
    data = BinaryLabelDataset(df=frame, label_names=["label"], protected_attribute_names=["sex"],
                              favorable_label=1.0, unfavorable_label=0.0)
    weights = Reweighing([{"sex": 0}], [{"sex": 1}]).fit_transform(data).instance_weights
    reweighed = logistic_regression().fit(x_train, y_train, sample_weight=weights)
    report("reweighing", time.perf_counter() - start, reweighed.predict(x_test), y_test, s_test)

    start = time.perf_counter()
    reduction = ExponentiatedGradient(logistic_regression(), constraints=DemographicParity())
    reduction.fit(x_train, y_train, sensitive_features=s_train)
    report("exponentiated-gradient", time.perf_counter() - start, reduction.predict(x_test, random_state=0),
           y_test, s_test)

    start = time.perf_counter()
    thresholds = ThresholdOptimizer(estimator=baseline, prefit=True, constraints="demographic_parity",
                                    predict_method="predict_proba")
    thresholds.fit(x_val, y_val, sensitive_features=s_val)
    report("threshold-optimizer", time.perf_counter() - start,
           thresholds.predict(x_test, sensitive_features=s_test, random_state=0), y_test, s_test)

    print(json.dumps({"benchmark": "adult_four_jobs", "implementation": "python",
                      "wall_seconds": round(time.perf_counter() - START, 3),
                      "imports_seconds": round(IMPORTED - START, 3),
                      "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}))


if __name__ == "__main__":
    main()
