"""Reading a fairlab results file's run from Python, for the scripts that rerun a reference library on fairlab's own
rows: which run, its dataset (checked against the run's SHA-256), the feature columns the run standardised and
fairlab's standardisation of them, and what the benchmarks share (their arguments, a median timing).
tools/golden/postprocessing_on_fairlab_splits.py (and the scripts that import it) and tools/bench/regression.py and
tools/bench/clustering.py use these.
"""
import argparse
import hashlib
import os
import pathlib
import statistics
import time

import numpy as np

import fairlab_dataset

# A string attribute as str (and an array of them as a list), as fairlab_dataset reads them: the scripts reading runs
# use them through this module.
text, texts = fairlab_dataset.text, fairlab_dataset.texts

ROOT = pathlib.Path(__file__).resolve().parents[1]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_of(results, run_id=None):
    """The run `run_id` of an open results file, or its latest complete one (by append sequence)."""
    if run_id:
        return results["runs"][run_id]
    runs = [r for r in results["runs"] if int(results["runs"][r].attrs.get("complete", 0)) == 1]
    if not runs:
        raise SystemExit("the results file holds no complete run")
    return results["runs"][max(runs, key=lambda r: int(results["runs"][r].attrs["sequence"]))]


def dataset_of(run, path=None, task=None):
    """The run's dataset file (its dataset_path, or `path`; relative to the repository if not found as given),
    after checking that it is the file the run read (SHA-256) and, given `task`, the run's task."""
    dataset_path = path or text(run.attrs["dataset_path"])
    if not os.path.isabs(dataset_path) and not os.path.exists(dataset_path):
        dataset_path = str(ROOT / dataset_path)
    if sha256(dataset_path) != text(run.attrs["dataset_sha256"]):
        raise SystemExit(f"{dataset_path} is not the run's dataset (its SHA-256 differs)")
    if task is not None and text(run.attrs.get("task", "binary")) != task:
        raise SystemExit(f"not a {task} run")
    return dataset_path


def standardisation(run, dataset):
    """The run's `standardize` attribute ("all" when absent: runs written before it standardised every column) and
    the columns it standardises, as fairlab's Standardization.mask: with "numeric", neither a one-hot column (a
    name with something before its first '=') nor a protected attribute's own column (a name equal to one of the
    dataset's protected attributes, whichever of them the run groups by)."""
    mode = text(run.attrs.get("standardize", "all"))
    names = dataset["names"]
    if mode == "all":
        return mode, np.ones(len(names), dtype=bool)
    if mode == "none":
        return mode, np.zeros(len(names), dtype=bool)
    if mode == "numeric":
        return mode, np.array([name not in dataset["protected"] and name.find("=") <= 0 for name in names], dtype=bool)
    raise ValueError(f"unknown standardize attribute '{mode}' (all, numeric or none)")


def standardise(features, train, columns):
    """fairlab's Standardizer: the `columns` (a boolean mask) centred and scaled by the training rows' mean and
    population std, the others passed through; constant columns (scikit-learn's test) keep scale 1."""
    x_train = features[train]
    mean = x_train.mean(axis=0)
    std = np.sqrt(((x_train - mean) ** 2).mean(axis=0))
    keep = columns & (std > 0) & (std * std > 10 * np.finfo(float).eps * np.maximum(mean * mean, np.finfo(float).tiny))
    mean = np.where(columns, mean, 0.0)
    scale = np.where(keep, std, 1.0)
    return lambda x: (x - mean) / scale


def standardised_rows(run, data, split):
    """A seed's split (the run's splits/seed_N group) of `data` (fairlab_dataset.load): its training and test rows
    standardised as the run did, and their indices."""
    train, test = split["train_index"][...], split["test_index"][...]
    _, columns = standardisation(run, data)
    transform = standardise(data["features"], train, columns)
    return transform(data["features"][train]), transform(data["features"][test]), train, test


def bench_arguments(doc):
    """The arguments every rerun-on-fairlab's-rows benchmark takes: the results file, a run, a dataset, and runs."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("results")
    parser.add_argument("--run")
    parser.add_argument("--dataset")
    parser.add_argument("--runs", type=int, default=5, help="timed calls of each reference fit (median)")
    return parser.parse_args()


def timed(fit, runs):
    """`fit()` called `runs` times: its last result and the median seconds of a call."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)
