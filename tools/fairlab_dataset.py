"""Reads a fairlab dataset file (docs/dataset-format.md), format version 1 or 2, into numpy arrays.

    import fairlab_dataset  # with tools/ on sys.path
    dataset = fairlab_dataset.load("datasets/adult.h5")
    dataset["features"]    # float64 [rows, features], the dense feature matrix
    dataset["names"]       # the features' names: "age", "workclass=Private", ...

The root attribute `fairlab_format_version` says the version; a file without it is version 1.

- Version 1 stores the dense matrix as `/features`, its names as `/feature_names`.
- Version 2 stores one dataset per source column, `/columns/0` ... `/columns/<k-1>` in feature order, each with
  attributes `name` and `kind`: `numeric`, float64 [rows], one feature named `name`; or `categorical`, int32 codes
  into its attribute `categories`, expanded here to one one-hot feature per category, `name=category`, 1.0 where
  the code is that category's index and 0.0 elsewhere. The dense matrix is the expansions side by side. The
  `/columns` attribute `count`, which fairlab writes, is checked when present.

`/label` (absent from a clustering dataset), `/protected/<name>` and `/split` are the same in both versions. `load` returns a dict:

    features         float64 [rows, features]
    names            [str], one per feature
    labels           float64 [rows], 1 = favourable (a regression's numbers), or None for a clustering dataset
    task             "binary", "regression" or "clustering" (the root attribute `task`; absent: binary)
    clusters         a clustering dataset's k (the root attribute `clusters`), else None
    protected        {name: dict(codes=int array [rows], categories=[str], privileged=[int])}, in `order`
    protected_order  [str], the `/protected` attribute `order` (the first is the default grouping); without
                     it, the attributes in name order, as fairlab reads such a file
    split            int8 [rows] (0 train, 1 validation, 2 test), or None without `/split`
    version          1 or 2

Byte strings are decoded. A file that does not hold what its version says raises ValueError.
"""
import h5py
import numpy as np


def text(value):
    """A string attribute or element as str, whether h5py gives bytes or str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def texts(values):
    return [text(v) for v in np.ravel(values)]


def load(path):
    with h5py.File(path, "r") as f:
        version = int(f.attrs.get("fairlab_format_version", 1))
        if version == 1:
            features = f["features"][...].astype(np.float64, copy=False)
            names = texts(f["feature_names"][...])
        elif version == 2:
            group = f["protected"]
            rows = f["label"].shape[0] if "label" in f else group[next(iter(group))].shape[0]
            features, names = dense_columns(f, path, rows=rows)
        else:
            raise ValueError(f"{path}: unknown fairlab_format_version {version} (this reader knows 1 and 2)")
        group = f["protected"]
        order = texts(group.attrs["order"]) if "order" in group.attrs else list(group)
        protected = {}
        for name in order:
            attribute = group[name]
            protected[name] = dict(codes=attribute[...], categories=texts(attribute.attrs["categories"]),
                                   privileged=[int(c) for c in np.ravel(attribute.attrs["privileged"])])
        task = text(f.attrs.get("task", "binary"))
        return dict(features=features, names=names, labels=f["label"][...].astype(np.float64) if "label" in f else None,
                    protected=protected, protected_order=order, split=f["split"][...] if "split" in f else None,
                    version=version, task=task, clusters=int(f.attrs["clusters"]) if "clusters" in f.attrs else None)


def dense_columns(f, path, rows):
    """Version 2: the source columns under /columns expanded into the dense matrix and its feature names."""
    group = f["columns"]
    if "count" in group.attrs and int(group.attrs["count"]) != len(group):
        raise ValueError(f"{path}: /columns holds {len(group)} objects, its count attribute says {int(group.attrs['count'])}")
    columns = []
    for index in range(len(group)):
        if str(index) not in group:
            raise ValueError(f"{path}: /columns holds {len(group)} objects but no /columns/{index}")
        column = group[str(index)]
        kind = text(column.attrs["kind"])
        if kind not in ("numeric", "categorical"):
            raise ValueError(f"{path}: /columns/{index} has an unknown kind '{kind}'")
        if column.shape != (rows,):
            raise ValueError(f"{path}: /columns/{index} has shape {column.shape}, not ({rows},) as /label")
        categories = texts(column.attrs["categories"]) if kind == "categorical" else None
        columns.append((column, text(column.attrs["name"]), categories))

    width = sum(1 if categories is None else len(categories) for _, _, categories in columns)
    features = np.zeros((rows, width), dtype=np.float64)
    names = []
    first = 0
    for index, (column, name, categories) in enumerate(columns):
        if categories is None:
            features[:, first] = column[...]
            names.append(name)
            first += 1
            continue
        codes = column[...].astype(np.int64)
        outside = (codes < 0) | (codes >= len(categories))
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise ValueError(f"{path}: /columns/{index} has code {codes[row]} at row {row}, "
                             f"outside its {len(categories)} categories")
        features[np.arange(rows), first + codes] = 1.0
        names += [f"{name}={category}" for category in categories]
        first += len(categories)
    return features, names
