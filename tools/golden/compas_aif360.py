"""Refits fairlab's unmitigated baseline on AIF360's own CompasDataset, on fairlab's splits, and compares.

    /work/pyenv/bin/python tools/golden/compas_aif360.py RESULTS.h5 [DATASET.h5] [--raw CSV]

DATASET is the fairlab COMPAS file the runs used (default datasets/compas.h5); RESULTS is a file written by
`fairlab compare --out`; runs made from another dataset (by SHA-256) are skipped. CSV is ProPublica's
compas-scores-two-years.csv (default ../shared/datasets/raw/propublica-recidivism.csv), copied to where AIF360
reads it (aif360/data/raw/compas/) if that file is missing.

1. Loads AIF360's CompasDataset and fails unless its rows match DATASET one to one, in order: labels,
   protected attributes (privileged or not) and every feature, matched by name.
2. For every seed of every run: takes fairlab's training and test rows, standardises AIF360's features with the
   training rows' mean and population standard deviation, fits scikit-learn's LogisticRegression (C=1, lbfgs,
   converged tightly) on the training rows and predicts the test rows (favourable when P(favourable) > 0.5,
   fairlab's rule). Two variants: every column standardised (what fairlab does), and the canonical one (only
   the numeric columns standardised, one-hot and protected columns left 0/1).
3. Prints accuracy, statistical parity difference and disparate impact from AIF360's ClassificationMetric,
   with the run's groups (privileged in every protected attribute of the run against all other rows), beside
   fairlab's stored baseline values and the share of test predictions identical to fairlab's.

It exits non-zero, naming the first difference, if the rows, a split's test labels or its privileged rows are
not AIF360's, or if no run was made from DATASET.
"""
import argparse
import itertools
import pathlib
import shutil
import sys

import h5py
import numpy as np

from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()  # also silences the notice of the 5 rows CompasDataset drops
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fairlab_dataset  # noqa: E402
from fairlab_results import sha256, text  # noqa: E402

import aif360  # noqa: E402
from aif360.datasets import CompasDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
AIF360_CSV = pathlib.Path(aif360.__file__).parent / "data/raw/compas/compas-scores-two-years.csv"
METRICS = ["accuracy", "statistical_parity_difference", "disparate_impact"]


def fail(message):
    sys.exit(f"compas_aif360.py: {message}")


def load_aif360(raw, expected_sha256):
    """AIF360's CompasDataset, read from the very file fairlab imported."""
    if not AIF360_CSV.exists():
        AIF360_CSV.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(raw, AIF360_CSV)
    if sha256(AIF360_CSV) != expected_sha256:
        fail(f"{AIF360_CSV} is not the file the dataset was imported from (SHA-256 differs); replace it with the raw CSV")
    return CompasDataset()


def load_fairlab(path):
    dataset = fairlab_dataset.load(path)
    with h5py.File(path, "r") as f:
        source_sha256 = text(f.attrs["source_sha256"])
    protected = {name: np.isin(dataset["protected"][name]["codes"], dataset["protected"][name]["privileged"])
                 for name in dataset["protected_order"]}
    return {"features": dataset["features"], "names": dataset["names"],
            "favourable": dataset["labels"] == 1, "privileged": protected,
            "source_sha256": source_sha256, "sha256": sha256(path)}


def check_rows(aif, fl, path):
    """Fails loudly unless AIF360's rows are fairlab's rows, in the same order."""
    if len(fl["favourable"]) != aif.features.shape[0]:
        fail(f"{path} has {len(fl['favourable'])} rows, AIF360's CompasDataset {aif.features.shape[0]}")

    def same(what, ours, theirs):
        bad = np.flatnonzero(ours != theirs)
        if bad.size:
            fail(f"{what} differs on {bad.size} rows, first at row {bad[0]} (AIF360 id {aif.instance_names[bad[0]]})")

    same("the label", fl["favourable"], aif.labels.ravel() == aif.favorable_label)
    for name, privileged in fl["privileged"].items():
        if name not in aif.protected_attribute_names:
            fail(f"protected attribute {name} of {path} is not one of AIF360's {aif.protected_attribute_names}")
        index = aif.protected_attribute_names.index(name)
        same(f"protected attribute {name}", privileged,
             aif.protected_attributes[:, index] == aif.privileged_protected_attributes[index][0])
    if set(fl["names"]) != set(aif.feature_names):
        fail(f"features differ: only in {path}: {sorted(set(fl['names']) - set(aif.feature_names))[:5]}, "
             f"only in AIF360: {sorted(set(aif.feature_names) - set(fl['names']))[:5]}")
    for j, name in enumerate(fl["names"]):
        same(f"feature {name}", fl["features"][:, j], aif.features[:, aif.feature_names.index(name)])


def fit_predict(features, favourable, train, test, scaled_columns):
    """fairlab's baseline recipe with scikit-learn: standardise on the training rows, fit, threshold at 0.5."""
    x = features.copy()
    x[:, scaled_columns] = StandardScaler().fit(x[train][:, scaled_columns]).transform(x[:, scaled_columns])
    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-12, max_iter=100_000).fit(x[train], favourable[train])
    return model.predict_proba(x[test])[:, list(model.classes_).index(1)] > 0.5


def aif360_metrics(aif, test, predicted_favourable, protected):
    """AIF360's accuracy, statistical parity difference and disparate impact; privileged = privileged in every
    attribute of `protected` (fairlab's GroupPartition), unprivileged = every other combination."""
    truth = aif.subset(test)
    predicted = truth.copy(deepcopy=True)
    predicted.labels = np.where(predicted_favourable, aif.favorable_label, aif.unfavorable_label).reshape(-1, 1)
    indices = [aif.protected_attribute_names.index(name) for name in protected]
    privileged = {name: aif.privileged_protected_attributes[i][0] for name, i in zip(protected, indices)}
    combinations = itertools.product(*[(aif.unprivileged_protected_attributes[i][0], privileged[name])
                                       for name, i in zip(protected, indices)])
    unprivileged = [dict(zip(protected, combo)) for combo in combinations if dict(zip(protected, combo)) != privileged]
    metric = ClassificationMetric(truth, predicted, unprivileged_groups=unprivileged, privileged_groups=[privileged])
    return [metric.accuracy(), metric.statistical_parity_difference(), metric.disparate_impact()]


def privileged_rows(aif, rows, protected):
    """AIF360's view: the rows privileged in every attribute of `protected`."""
    indices = [aif.protected_attribute_names.index(name) for name in protected]
    return np.all([aif.protected_attributes[rows, i] == aif.privileged_protected_attributes[i][0] for i in indices], axis=0)


def compare_seed(aif, run, seed, variants):
    """Checks one seed's split against AIF360, refits the baseline and prints the comparison."""
    split = run["splits"][f"seed_{seed}"]
    train, test = split["train_index"][...], split["test_index"][...]
    favourable = (aif.labels.ravel() == aif.favorable_label).astype(int)
    protected = [text(name) for name in run.attrs["protected"]]
    group_privileged = np.asarray(run.attrs["group_privileged"]) != 0
    where = f"{run.name.split('/')[-1]} seed {seed}"
    if not np.array_equal(split["y_true"][...] == 1, favourable[test] == 1):
        fail(f"{where}: the stored test labels are not AIF360's")
    privileged = privileged_rows(aif, test, protected)
    if not np.array_equal(group_privileged[split["group_codes"][...]], privileged):
        fail(f"{where}: the run's privileged rows are not AIF360's privileged {'+'.join(protected)} rows")

    names = [text(g) for g, p in zip(run.attrs["group_names"], group_privileged) if p]
    print(f"\n{where}: {len(train)} train, {len(test)} test rows; groups by {'+'.join(protected)}: "
          f"privileged {', '.join(names)} ({int(privileged.sum())} test rows) against the rest")
    print(f"  {'':48} {'accuracy':>9} {'SPD':>9} {'DI':>9} {'same y_pred':>12}")
    outcome = run["methods/baseline"][f"seed_{seed}"]
    stored_pred = None
    if text(outcome.attrs["status"]) != "ok":
        print(f"  fairlab baseline failed: {text(outcome.attrs['error'])}")
    else:
        names = [text(n) for n in outcome["metrics/overall_names"][...]]
        stored = dict(zip(names, outcome["metrics/overall_values"][...]))
        stored_pred = outcome["y_pred"][...] == 1
        print(f"  {'fairlab baseline (stored)':48}" + "".join(f" {stored.get(m, np.nan):9.4f}" for m in METRICS))
    for label, columns in variants:
        predicted = fit_predict(aif.features, favourable, train, test, columns)
        values = "".join(f" {v:9.4f}" for v in aif360_metrics(aif, test, predicted, protected))
        same = "" if stored_pred is None else f" {np.mean(predicted == stored_pred):12.2%}"
        print(f"  {label:48}{values}{same}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("dataset", nargs="?", default=str(ROOT / "datasets/compas.h5"))
    parser.add_argument("--raw", default=str(ROOT.parent / "shared/datasets/raw/propublica-recidivism.csv"))
    args = parser.parse_args()

    fl = load_fairlab(args.dataset)
    aif = load_aif360(args.raw, fl["source_sha256"])
    check_rows(aif, fl, args.dataset)
    print(f"AIF360 {aif360.__version__} CompasDataset = {args.dataset}: {len(fl['names'])} features and "
          f"{len(fl['favourable'])} rows, in the same order, with the same labels and protected attributes")

    numeric = [j for j, name in enumerate(aif.feature_names)
               if "=" not in name and name not in aif.protected_attribute_names]
    variants = [("scikit-learn, every column standardised", list(range(aif.features.shape[1]))),
                (f"scikit-learn, only the {len(numeric)} numeric columns scaled", numeric)]
    compared = 0
    with h5py.File(args.results, "r") as f:
        runs = [run for run in f["runs"].values() if run.attrs.get("complete", 0) == 1]
        for run in sorted(runs, key=lambda run: (int(run.attrs["sequence"]), run.name)):
            if text(run.attrs["dataset_sha256"]) != fl["sha256"]:
                print(f"\n{run.name.split('/')[-1]}: skipped, made from another dataset ({text(run.attrs['dataset_path'])})")
                continue
            for seed in run.attrs["seeds"]:
                compare_seed(aif, run, seed, variants)
                compared += 1
    if compared == 0:
        fail(f"no run in {args.results} was made from {args.dataset}")


if __name__ == "__main__":
    main()
