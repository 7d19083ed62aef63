"""Reading a fairlab results file's run from Python, for the scripts that rerun a reference library on fairlab's own
rows (tools/bench/regression.py, tools/bench/clustering.py): which run, its dataset (checked against the run's
SHA-256), and a seed's training and test rows standardised as the run's `--standardize numeric` did them.
"""
import hashlib
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def run_of(results, run_id=None):
    """The run `run_id` of an open results file, or its latest (by append sequence)."""
    runs = sorted(results["runs"], key=lambda r: int(results["runs"][r].attrs["sequence"]))
    return results["runs"][run_id or runs[-1]]


def dataset_of(run, path=None, task=None):
    """The run's dataset file (its dataset_path, or `path`; relative to the repository if not found as given),
    after checking that it is the file the run read (SHA-256), the run's task and its standardisation."""
    dataset_path = path or text(run.attrs["dataset_path"])
    if not os.path.isabs(dataset_path) and not os.path.exists(dataset_path):
        dataset_path = str(ROOT / dataset_path)
    with open(dataset_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert digest == text(run.attrs["dataset_sha256"]), f"{dataset_path} is not the run's dataset"
    if task is not None:
        assert text(run.attrs.get("task", "binary")) == task, f"not a {task} run"
    assert text(run.attrs.get("standardize", "all")) == "numeric", "these scripts standardise as --standardize numeric"
    return dataset_path


def standardised_rows(data, split):
    """A seed's split (the run's splits/seed_N group) of `data` (fairlab_dataset.load): training and test rows
    with every numeric column (not one-hot, not a protected attribute's own) standardised by the training rows'
    mean and population standard deviation, as `--standardize numeric` does; and the row indices."""
    train, test = split["train_index"][...], split["test_index"][...]
    columns = [j for j, name in enumerate(data["names"]) if "=" not in name and name not in data["protected_order"]]
    x_train, x_test = data["features"][train].copy(), data["features"][test].copy()
    mean = x_train[:, columns].mean(axis=0)
    std = x_train[:, columns].std(axis=0)
    std[std == 0] = 1
    x_train[:, columns] = (x_train[:, columns] - mean) / std
    x_test[:, columns] = (x_test[:, columns] - mean) / std
    return x_train, x_test, train, test
