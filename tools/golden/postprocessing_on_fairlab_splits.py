"""Runs Fairlearn's and AIF360's post-processors on fairlab's own splits and compares them with fairlab's methods.

    /work/pyenv/bin/python tools/golden/postprocessing_on_fairlab_splits.py RESULTS.h5 [--dataset FILE.h5 ...]
                                                                          [--skip-roc] [--run RUN_ID ...]

RESULTS is a file written by `fairlab compare ... --out RESULTS.h5`, for instance

    fairlab compare datasets/adult.h5 --methods threshold-optimizer,eq-odds,calibrated-eq-odds,reject-option,group-thresholds \\
        --seeds 3 --out R.h5
    fairlab compare datasets/adult.h5 --methods threshold-optimizer --param threshold-optimizer.constraints=equalized_odds \\
        --seeds 3 --out R.h5

(any Python with fairlearn 0.15, aif360 0.6.1, scikit-learn, numpy, pandas and h5py). For every complete run and
every seed in the file:

1. Reads the run's dataset (its dataset_path: as stored, relative to the current folder, to the results file's
   folder or to the repository, or a `--dataset` file, whichever has the run's dataset_sha256) and rebuilds
   fairlab's groups from the run's protected attributes (one attribute: its category codes; several: the
   combinations present, first attribute most significant, as fairlab's GroupPartition), then checks them: group
   names and privileged flags against the run's, test group codes and test labels against the stored ones, and
   the train / validation / test rows against fairlab's own stratified split (label x group cells shuffled with
   its xoshiro256** "split" stream), replayed here, which checks every row's group code, validation rows included.
2. Rebuilds the baseline: the feature columns the run standardised (its `standardize` attribute, as fairlab's
   Standardization: "all", every column, what runs written before the attribute did; "numeric", every column
   but the one-hot ones, named `source=value` with something before the '=', and the dataset's protected
   attributes' own columns, named as a /protected/<name> of the dataset, which stay 0/1; "none", no column)
   centred and scaled by the training rows' mean and population standard deviation (constant columns unscaled),
   scikit-learn LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=10000) fitted on the training rows,
   P(favourable) of the validation and test rows; prints the largest absolute difference from fairlab's stored
   baseline test y_score and how many hard predictions (score > 0.5) differ.
3. Runs the reference post-processors, fitted on the validation rows and predicting the test rows:
   - Fairlearn ThresholdOptimizer (prefit on that model, predict_method='predict_proba', objective accuracy_score,
     grid_size 1000, sensitive features = fairlab's group codes) for demographic_parity, equalized_odds and
     true_positive_rate_parity; expected predictions from `_pmf_predict`, drawn ones from
     `predict(random_state=seed)`;
   - AIF360 EqOddsPostprocessing, CalibratedEqOddsPostprocessing(cost_constraint='weighted') and
     RejectOptionClassification (statistical parity difference, defaults), privileged = the groups the run marks
     privileged, pooled against all the others, seed = the run's seed; their hard input predictions are
     score > 0.5 (fairlab's rule). Expected predictions: EqOdds, P(y_hat = 1) = p2p of the row's side when its hard
     prediction is 1, else n2p; calibrated equalized odds, r * [base rate >= 0.5] + (1 - r) * [score >= 0.5] with r
     the side's mix rate clipped to [0, 1] (tools/golden/make_aif360_postprocessing_goldens.py); reject option
     is deterministic.
4. Measures every method on the test rows with the reference libraries (tools/golden/reference_metrics.py), from
   the expected predictions (each row counted as predicted 1 with weight P and 0 with weight 1 - P, so AIF360's
   and Fairlearn's weighted metrics give the expected-count values fairlab's expected_<name> metrics report) and
   from the drawn ones, and reads fairlab's stored values for the matching method of the same run: same method id
   and parameters (from the method's `parameters` attribute): threshold-optimizer with the same constraints,
   objective accuracy_score, grid_size 1000, tol 0, flip false; eq-odds; calibrated-eq-odds with
   cost_constraint=weighted; reject-option with AIF360's defaults. For randomised methods fairlab's value is its
   expected_<name> metric. Per seed it prints how far fairlab's per-row P(y_hat = 1) (y_prob) is from the
   reference's expected one, or the share of identical test predictions for deterministic methods.

Output: the per-seed checks, then one markdown table per dataset, grouping and standardisation, one row per method
and gap, the mean over seeds of: method: gap | fairlab accuracy | reference accuracy | fairlab gap | reference gap
(expected) | fairlab / reference gap (drawn) | fairlab / reference accuracy (drawn) | seeds: the reference's
(fairlab's, counting each run's). Accuracy and the first two gap columns are expected values for randomised methods.
Where fairlab has the method on some seeds only, the reference mean is over those seeds. The first rows compare the
baselines (fairlab's stored metrics against scikit-learn's model); the last shows fairlab's own group-thresholds,
which has no reference. The targeted gaps: demographic parity, statistical_parity_difference (AIF360, pooled) and
Fairlearn's demographic_parity_difference; equalized odds, Fairlearn's equalized_odds_difference; TPR parity,
max - min TPR over groups (Fairlearn MetricFrame); AIF360 EqOdds and calibrated equalized odds,
average_odds_difference and equal_opportunity_difference; reject option, statistical_parity_difference.

Exits non-zero when a check of step 1 fails (the file and the dataset disagree), a run's standardize attribute
is not one of the three, or no run could be compared.
--skip-roc leaves out reject option, which takes AIF360 10-20 s per Adult seed.
"""
import argparse
import hashlib
import math
import pathlib
import sys
import warnings
from collections import OrderedDict, defaultdict

import h5py
import numpy as np
import pandas as pd

from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fairlab_dataset  # noqa: E402
from fairlab_results import sha256, standardisation, standardise, text, texts  # noqa: E402,F401  (the other scripts use them through this module)
from aif360.algorithms.postprocessing import (CalibratedEqOddsPostprocessing, EqOddsPostprocessing,  # noqa: E402
                                              RejectOptionClassification)
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from fairlearn.metrics import MetricFrame, true_positive_rate  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402
from reference_metrics import reference_overall  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

# ------------------------------------------------------------------------------------------ what is compared

GAP_LABELS = {
    "statistical_parity_difference": "SPD (AIF360)",
    "demographic_parity_difference": "DP difference (Fairlearn)",
    "equalized_odds_difference": "EO difference (Fairlearn)",
    "tpr_difference": "max-min TPR",
    "average_odds_difference": "AOD (AIF360)",
    "equal_opportunity_difference": "EOD (AIF360)",
}
THRESHOLD_OPTIMIZER = {"objective": "accuracy_score", "grid_size": "1000", "tol": "0", "flip": "false"}
ROC_DEFAULTS = {"metric": "statistical_parity_difference", "lb": "-0.05", "ub": "0.05", "low_class_thresh": "0.01",
                "high_class_thresh": "0.99", "num_class_thresh": "100", "num_roc_margin": "50"}

# key -> label, fairlab method id, the fairlab parameters that must match, the gaps
METHODS = OrderedDict([
    ("baseline", ("baseline (fairlab LR vs scikit-learn LR)", "baseline", {},
                  ["statistical_parity_difference", "equalized_odds_difference"])),
    ("fairlearn-dp", ("Fairlearn ThresholdOptimizer, demographic_parity", "threshold-optimizer",
                      dict(THRESHOLD_OPTIMIZER, constraints="demographic_parity"),
                      ["statistical_parity_difference", "demographic_parity_difference"])),
    ("fairlearn-eo", ("Fairlearn ThresholdOptimizer, equalized_odds", "threshold-optimizer",
                      dict(THRESHOLD_OPTIMIZER, constraints="equalized_odds"), ["equalized_odds_difference"])),
    ("fairlearn-tpr", ("Fairlearn ThresholdOptimizer, true_positive_rate_parity", "threshold-optimizer",
                       dict(THRESHOLD_OPTIMIZER, constraints="true_positive_rate_parity"), ["tpr_difference"])),
    ("aif360-eqodds", ("AIF360 EqOddsPostprocessing", "eq-odds", {},
                       ["average_odds_difference", "equal_opportunity_difference"])),
    ("aif360-ceo", ("AIF360 CalibratedEqOddsPostprocessing, weighted", "calibrated-eq-odds",
                    {"cost_constraint": "weighted"}, ["average_odds_difference", "equal_opportunity_difference"])),
    ("aif360-roc", ("AIF360 RejectOptionClassification, SPD", "reject-option", ROC_DEFAULTS,
                    ["statistical_parity_difference"])),
    # fairlab's own method has no reference implementation: its row shows fairlab's values only.
    ("group-thresholds", ("fairlab group-thresholds (no reference)", "group-thresholds", {},
                          ["statistical_parity_difference", "demographic_parity_difference"])),
])


class CheckFailed(Exception):
    pass


# ------------------------------------------------------------------------------------------------- dataset

_sha_cache = {}
_dataset_cache = {}


def resolve_dataset(run, results_path, overrides):
    stored = text(run.attrs["dataset_path"])
    wanted = text(run.attrs.get("dataset_sha256", ""))
    candidates = [pathlib.Path(p) for p in overrides]
    stored_path = pathlib.Path(stored)
    if stored_path.is_absolute():
        candidates.append(stored_path)
    else:
        candidates += [pathlib.Path.cwd() / stored_path, results_path.parent / stored_path, ROOT / stored_path]
    candidates.append(ROOT / "datasets" / stored_path.name)
    existing = []
    for candidate in candidates:
        if candidate.is_file():
            key = str(candidate.resolve())
            if key not in _sha_cache:
                _sha_cache[key] = sha256(candidate)
            if not wanted or _sha_cache[key] == wanted:
                return candidate
            existing.append(candidate)
    found = f" ({', '.join(map(str, existing))} exist but have another SHA-256)" if existing else ""
    raise CheckFailed(f"cannot find the run's dataset {stored} with SHA-256 {wanted[:12]}...{found}; pass it with --dataset")


def load_dataset(path):
    key = str(pathlib.Path(path).resolve())
    if key not in _dataset_cache:
        dataset = fairlab_dataset.load(path)
        protected = {name: dict(codes=attribute["codes"].astype(np.int64), categories=attribute["categories"],
                                privileged=set(attribute["privileged"]))
                     for name, attribute in dataset["protected"].items()}
        _dataset_cache[key] = dict(features=dataset["features"], names=dataset["names"],
                                   labels=dataset["labels"].astype(np.int64), protected=protected,
                                   split=dataset["split"])
    return _dataset_cache[key]


def group_partition(dataset, names):
    """fairlab's GroupPartition: mixed-radix combination codes, only the combinations present, in order."""
    attributes = [dataset["protected"][n] for n in names]
    combined = np.zeros(len(dataset["labels"]), dtype=np.int64)
    place = 1
    for attribute in reversed(attributes):
        combined += attribute["codes"] * place
        place *= len(attribute["categories"])
    present = np.unique(combined)
    group_names, privileged = [], []
    for combination in present:
        remainder, divisor, parts, is_privileged = int(combination), place, [], True
        for attribute in attributes:
            divisor //= len(attribute["categories"])
            code, remainder = divmod(remainder, divisor)
            parts.append(attribute["categories"][code])
            is_privileged = is_privileged and code in attribute["privileged"]
        group_names.append("/".join(parts))
        privileged.append(is_privileged)
    codes = np.searchsorted(present, combined).astype(np.int64)
    return group_names, privileged, codes


# ------------------------------------------------------------------ fairlab's split (SeededGenerator, replayed)

MASK = (1 << 64) - 1


class SeededGenerator:
    """fairlab's xoshiro256** seeded through SplitMix64, with FNV-1a named streams (Random/SeededGenerator.swift)."""

    def __init__(self, seed, stream=None):
        if stream is not None:
            h = 0xCBF29CE484222325
            for byte in stream.encode():
                h = ((h ^ byte) * 0x100000001B3) & MASK
            seed ^= h
        state, s = [], seed & MASK
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result


def fairlab_split(labels, codes, seed, train_fraction=0.6, validation_fraction=0.2):
    """DatasetSplit(stratifiedBy:groups:seed:): each (group, label) cell shuffled and cut 60/20/20."""
    cells = defaultdict(list)
    for row, (label, code) in enumerate(zip(labels.tolist(), codes.tolist())):
        cells[code * 2 + (1 if label == 1 else 0)].append(row)
    generator = SeededGenerator(seed, "split")
    train, validation, test = [], [], []
    for key in sorted(cells):
        rows = cells[key]
        for i in range(len(rows) - 1, 0, -1):
            j = generator.next() % (i + 1)
            rows[i], rows[j] = rows[j], rows[i]
        n_train = math.floor(len(rows) * train_fraction + 0.5)  # Swift's rounded(): half away from zero
        n_validation = min(len(rows) - n_train, math.floor(len(rows) * validation_fraction + 0.5))
        train += rows[:n_train]
        validation += rows[n_train:n_train + n_validation]
        test += rows[n_train + n_validation:]
    return np.sort(train), np.sort(validation), np.sort(test)


# ------------------------------------------------------------------------------------------------ baseline

# ---------------------------------------------------------------------------------------- reference methods

def aif360_datasets(codes, labels, hard, scores):
    """AIF360's 'true' dataset (labels) and 'predicted' copy (hard predictions as labels, scores)."""
    frame = pd.DataFrame({"g": codes.astype(float), "y": labels.astype(float)})
    truth = BinaryLabelDataset(df=frame, label_names=["y"], protected_attribute_names=["g"],
                               favorable_label=1.0, unfavorable_label=0.0)
    predicted = truth.copy(deepcopy=True)
    predicted.labels = hard.reshape(-1, 1).astype(float)
    predicted.scores = scores.reshape(-1, 1).astype(float)
    return truth, predicted


def run_references(context, keys, seed):
    """Every reference post-processor on one split: key -> dict(expected=P(y_hat=1) or None, drawn=labels) or error."""
    out = {}
    v, t = context["validation"], context["test"]
    privileged_codes = context["privileged_codes"]
    group_count = len(context["group_names"])
    privileged_groups = [{"g": float(g)} for g in privileged_codes]
    unprivileged_groups = [{"g": float(g)} for g in range(group_count) if g not in privileged_codes]
    v_hard, t_hard = (v["score"] > 0.5).astype(int), (t["score"] > 0.5).astype(int)
    t_privileged = np.isin(t["group"], privileged_codes)
    out["baseline"] = dict(expected=None, drawn=t_hard)

    for key, constraints in (("fairlearn-dp", "demographic_parity"), ("fairlearn-eo", "equalized_odds"),
                             ("fairlearn-tpr", "true_positive_rate_parity")):
        if key not in keys:
            continue
        try:
            model = ThresholdOptimizer(estimator=context["model"], constraints=constraints, objective="accuracy_score",
                                       grid_size=1000, prefit=True, predict_method="predict_proba")
            model.fit(v["x"], v["label"], sensitive_features=v["group"])
            expected = model._pmf_predict(t["x"], sensitive_features=t["group"])[:, 1]
            drawn = np.asarray(model.predict(t["x"], sensitive_features=t["group"], random_state=seed)).astype(int)
            unseen = sorted(set(t["group"].tolist()) - set(model.interpolated_thresholder_.interpolation_dict))
            note = (f"test groups not seen in fit (Fairlearn predicts 0 for them): "
                    f"{', '.join(context['group_names'][g] for g in unseen)}") if unseen else ""
            out[key] = dict(expected=expected, drawn=drawn, note=note)
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            out[key] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])

    v_truth, v_predicted = aif360_datasets(v["group"], v["label"], v_hard, v["score"])
    _, t_predicted = aif360_datasets(t["group"], t_hard, t_hard, t["score"])  # test labels unseen: stand-ins

    if "aif360-eqodds" in keys:
        try:
            model = EqOddsPostprocessing(unprivileged_groups, privileged_groups, seed=seed).fit(v_truth, v_predicted)
            sp2p, sn2p, op2p, on2p = [float(x) for x in model.model_params.x]
            expected = np.where(t_privileged, np.where(t_hard == 1, sp2p, sn2p), np.where(t_hard == 1, op2p, on2p))
            drawn = np.ravel(model.predict(t_predicted).labels).astype(int)
            out["aif360-eqodds"] = dict(expected=expected, drawn=drawn,
                                        note=f"rates p2p/n2p privileged {sp2p:.4f}/{sn2p:.4f}, "
                                             f"unprivileged {op2p:.4f}/{on2p:.4f}")
        except Exception as error:  # noqa: BLE001
            out["aif360-eqodds"] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])

    if "aif360-ceo" in keys:
        try:
            model = CalibratedEqOddsPostprocessing(unprivileged_groups, privileged_groups, cost_constraint="weighted",
                                                   seed=seed).fit(v_truth, v_predicted)
            rate = np.clip(np.where(t_privileged, float(model.priv_mix_rate), float(model.unpriv_mix_rate)), 0.0, 1.0)
            base = np.where(t_privileged, float(model.base_rate_priv), float(model.base_rate_unpriv))
            expected = rate * (base >= 0.5) + (1 - rate) * (t["score"] >= 0.5)
            drawn = np.ravel(model.predict(t_predicted).labels).astype(int)
            out["aif360-ceo"] = dict(expected=expected, drawn=drawn,
                                     note=f"mix rates privileged {float(model.priv_mix_rate):.4f}, "
                                          f"unprivileged {float(model.unpriv_mix_rate):.4f}")
        except Exception as error:  # noqa: BLE001
            out["aif360-ceo"] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])

    if "aif360-roc" in keys:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = RejectOptionClassification(unprivileged_groups, privileged_groups).fit(v_truth, v_predicted)
            fell_back = any("Unable to satisy" in str(w.message) for w in caught)
            drawn = np.ravel(model.predict(t_predicted).labels).astype(int)
            out["aif360-roc"] = dict(expected=None, drawn=drawn,
                                     note=f"threshold {model.classification_threshold:.4f}, margin {model.ROC_margin:.4f}"
                                          + (" (no setting within bounds: AIF360's fallback)" if fell_back else ""))
        except Exception as error:  # noqa: BLE001
            out["aif360-roc"] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])
    return out


def measure(labels, codes, predictions, probabilities, privileged_codes):
    """The gaps and accuracy with the reference libraries; with probabilities, of the expected predictions (each
    row once as 1 with weight p and once as 0 with weight 1 - p)."""
    if probabilities is None:
        y, g, p, w = labels, codes, predictions.astype(int), None
    else:
        p_row = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
        y, g = np.concatenate([labels, labels]), np.concatenate([codes, codes])
        p = np.concatenate([np.ones(len(labels), int), np.zeros(len(labels), int)])
        w = np.concatenate([p_row, 1.0 - p_row])
        keep = w > 0
        y, g, p, w = y[keep], g[keep], p[keep], w[keep]
    _, overall = reference_overall(g, y, p, w, privileged_codes, g)
    frame = MetricFrame(metrics=true_positive_rate, y_true=y, y_pred=p, sensitive_features=g,
                        sample_params=None if w is None else {"sample_weight": w})
    overall["tpr_difference"] = float(frame.difference())
    return {name: float(overall[name]) for name in ["accuracy"] + list(GAP_LABELS)}


# ------------------------------------------------------------------------------------------------ fairlab side

def parse_parameters(value):
    return dict(item.split("=", 1) for item in text(value).split() if "=" in item)


def same_value(a, b):
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)
    except ValueError:
        return a.strip().lower() == b.strip().lower()


def find_fairlab_method(run, method_id, required):
    for name, method in run["methods"].items():
        if name != method_id and text(method.attrs.get("id", name)) != method_id:
            continue
        stored = parse_parameters(method.attrs.get("parameters", ""))
        if all(k in stored and same_value(stored[k], v) for k, v in required.items()):
            return name, method
    return None, None


def fairlab_values(outcome, group_count):
    """fairlab's stored metrics of one seed: (expected-or-plain values, plain values, y_prob or None, y_pred)."""
    names = texts(outcome["metrics/overall_names"][...])
    overall = dict(zip(names, outcome["metrics/overall_values"][...].astype(float)))
    per_group = {}
    if "metrics/per_group_names" in outcome:
        per_names = texts(outcome["metrics/per_group_names"][...])
        per_values = np.asarray(outcome["metrics/per_group_values"][...], dtype=float).reshape(len(per_names), -1)
        per_group = dict(zip(per_names, per_values))

    def pick(prefix):
        values = {name: overall.get(prefix + name, math.nan) for name in ["accuracy"] + list(GAP_LABELS)}
        tpr, count = per_group.get(prefix + "true_positive_rate"), per_group.get(prefix + "count")
        if tpr is not None and count is not None:
            present = count > 0
            # Fairlearn's rule inside spreads: an undefined rate of a present group counts as 0 (docs/metrics.md)
            rates = np.where(np.isnan(tpr[present]), 0.0, tpr[present])
            values["tpr_difference"] = float(rates.max() - rates.min()) if rates.size else math.nan
        else:
            values["tpr_difference"] = math.nan
        return values

    randomised = "y_prob" in outcome or "expected_accuracy" in overall
    plain = pick("")
    return (pick("expected_") if randomised else plain), plain, (outcome["y_prob"][...] if "y_prob" in outcome else None), \
        outcome["y_pred"][...].astype(int)


# ------------------------------------------------------------------------------------------------------ main

def fmt(value, digits=4):
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def mean(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--dataset", action="append", default=[], help="a dataset file to use (matched by SHA-256)")
    parser.add_argument("--run", action="append", default=[], help="only this run id (repeatable)")
    parser.add_argument("--skip-roc", action="store_true", help="leave out AIF360's reject option (slow)")
    args = parser.parse_args()
    results_path = pathlib.Path(args.results)
    keys = [k for k in METHODS if not (args.skip_roc and k == "aif360-roc")]

    reference_cache = {}   # split key -> (reference outputs, measured values)
    observations = defaultdict(lambda: defaultdict(list))   # table -> method key -> [(split key, ref, fairlab)]
    tables = OrderedDict()
    failures, compared = 0, 0
    with h5py.File(results_path, "r") as f:
        runs = [(name, run) for name, run in f["runs"].items() if int(run.attrs.get("complete", 0)) == 1]
        runs.sort(key=lambda item: (int(item[1].attrs.get("sequence", 0)), item[0]))
        for run_id, run in runs:
            if args.run and run_id not in args.run:
                continue
            protected = texts(run.attrs["protected"])
            try:
                dataset_path = resolve_dataset(run, results_path, args.dataset)
                dataset = load_dataset(dataset_path)
                standardize, standardised = standardisation(run, dataset)
            except CheckFailed as error:
                print(f"{run_id}: SKIPPED: {error}")
                failures += 1
                continue
            group_names, privileged, codes = group_partition(dataset, protected)
            run_names, run_privileged = texts(run.attrs["group_names"]), [bool(p) for p in run.attrs["group_privileged"]]
            table_key = (text(run.attrs.get("dataset_sha256", dataset_path)), tuple(protected), standardize)
            tables.setdefault(table_key, dict(dataset=text(run.attrs["dataset_path"]), protected=protected,
                                              standardize=standardize, groups=run_names, privileged=run_privileged,
                                              seeds=set()))
            methods_in_run = {name: text(m.attrs.get("parameters", "")) for name, m in run["methods"].items()}
            print(f"\n{run_id}: {text(run.attrs['dataset_path'])} ({dataset_path}), groups by {'+'.join(protected)}: "
                  f"{len(run_names)} groups, privileged {', '.join(n for n, p in zip(run_names, run_privileged) if p)}; "
                  f"standardize {standardize} ({int(standardised.sum())} of {len(standardised)} columns); "
                  f"methods: {', '.join(f'{k} [{v}]' if v else k for k, v in methods_in_run.items())}")
            try:
                if group_names != run_names or privileged != run_privileged:
                    raise CheckFailed(f"groups rebuilt from the dataset ({group_names}, privileged {privileged}) are not "
                                      f"the run's ({run_names}, {run_privileged})")
            except CheckFailed as error:
                print(f"  CHECK FAILED: {error}")
                failures += 1
                continue

            for seed in [int(s) for s in np.ravel(run.attrs["seeds"])]:
                split = run["splits"][f"seed_{seed}"]
                train, validation, test = (split[n][...].astype(np.int64) for n in ("train_index", "validation_index", "test_index"))
                where = f"  seed {seed}"
                try:
                    if not np.array_equal(split["group_codes"][...].astype(np.int64), codes[test]):
                        raise CheckFailed("the stored test group codes are not the ones rebuilt from the dataset")
                    if not np.array_equal(split["y_true"][...].astype(np.int64), dataset["labels"][test]):
                        raise CheckFailed("the stored test labels are not the dataset's")
                    if dataset["split"] is not None:
                        expected_split = tuple(np.flatnonzero(dataset["split"] == part) for part in (0, 1, 2))
                        how = "the dataset's fixed /split"
                    else:
                        expected_split = fairlab_split(dataset["labels"], codes, seed)
                        how = "fairlab's stratified split (replayed)"
                    for part, ours, theirs in zip(("train", "validation", "test"), (train, validation, test), expected_split):
                        if not np.array_equal(ours, theirs):
                            raise CheckFailed(f"the stored {part} rows are not {how}")
                except CheckFailed as error:
                    print(f"{where}: CHECK FAILED: {error}")
                    failures += 1
                    continue
                if len(validation) == 0:
                    print(f"{where}: no validation rows; skipped (fairlab fits post-processing on the training rows then)")
                    continue

                split_key = (table_key, hashlib.sha1(b"".join(a.tobytes() for a in (train, validation, test))).hexdigest())
                if split_key not in reference_cache:
                    scale = standardise(dataset["features"], train, standardised)
                    x_train = scale(dataset["features"][train])
                    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000)
                    model.fit(x_train, dataset["labels"][train])
                    favourable = list(model.classes_).index(1)
                    context = dict(model=model, group_names=group_names,
                                   privileged_codes=[g for g, p in enumerate(privileged) if p])
                    for part, rows in (("validation", validation), ("test", test)):
                        x = scale(dataset["features"][rows])
                        context[part] = dict(x=x, score=model.predict_proba(x)[:, favourable],
                                             label=dataset["labels"][rows], group=codes[rows])
                    references = run_references(context, keys, seed)
                    measured = {}
                    for key, ref in references.items():
                        if "error" in ref:
                            continue
                        y, g = context["test"]["label"], context["test"]["group"]
                        drawn = measure(y, g, ref["drawn"], None, context["privileged_codes"])
                        expected = drawn if ref["expected"] is None else measure(y, g, None, ref["expected"],
                                                                                 context["privileged_codes"])
                        measured[key] = dict(expected=expected, drawn=drawn)
                    reference_cache[split_key] = (context, references, measured)
                context, references, measured = reference_cache[split_key]
                tables[table_key]["seeds"].add(seed)
                compared += 1
                print(f"{where}: {len(train)} train / {len(validation)} validation / {len(test)} test rows; "
                      f"groups, test labels and split rows check out")

                baseline = run["methods"]["baseline"][f"seed_{seed}"] if "baseline" in run["methods"] else None
                if baseline is not None and text(baseline.attrs["status"]) == "ok" and "y_score" in baseline:
                    stored = baseline["y_score"][...]
                    ours = context["test"]["score"]
                    differ = int(np.sum((stored > 0.5) != (ours > 0.5)))
                    print(f"    baseline: max |fairlab y_score - scikit-learn score| = {np.max(np.abs(stored - ours)):.3g} "
                          f"over {len(ours)} test rows; {differ} hard predictions differ")
                else:
                    print("    baseline: no stored y_score to compare")

                for key in keys:
                    _, method_id, required, _ = METHODS[key]
                    name, method = find_fairlab_method(run, method_id, required)
                    ref = references.get(key)
                    ours = None
                    if method is not None:
                        outcome = method.get(f"seed_{seed}")
                        if outcome is None or text(outcome.attrs["status"]) != "ok":
                            reason = "missing" if outcome is None else text(outcome.attrs.get("error", "failed"))
                            print(f"    {key}: fairlab {name} failed on this seed: {reason}")
                        else:
                            ours = fairlab_values(outcome, len(group_names))
                    line = []
                    if ref is not None and "error" in ref:
                        line.append(f"reference failed: {ref['error']}")
                    elif ref is not None:
                        if ref.get("note"):
                            line.append(ref["note"])
                        if ours is not None and key != "baseline":
                            y_prob, y_pred = ours[2], ours[3]
                            if y_prob is not None and ref["expected"] is not None:
                                line.append(f"max |fairlab y_prob - reference P(y_hat=1)| = "
                                            f"{np.max(np.abs(y_prob - ref['expected'])):.3g}")
                            elif y_prob is None and ref["expected"] is None:
                                line.append(f"identical test predictions: {np.mean(y_pred == ref['drawn']):.2%}")
                    if ours is not None or (ref is not None and key != "baseline"):
                        if line:
                            print(f"    {key}{' ~ fairlab ' + name if ours is not None and key != 'baseline' else ''}: "
                                  f"{'; '.join(line)}")
                    if key in measured or ours is not None:
                        observations[table_key][key].append((split_key, measured.get(key), ours, seed))

    for table_key, info in tables.items():
        seeds = sorted(info["seeds"])
        if not seeds:
            continue
        print(f"\n### {info['dataset']}: groups by {'+'.join(info['protected'])}, standardize {info['standardize']} "
              f"({len(info['groups'])} groups, privileged: {', '.join(n for n, p in zip(info['groups'], info['privileged']) if p)}; "
              f"AIF360 pools the others), seeds {', '.join(map(str, seeds))}\n")
        print("| method: gap | fairlab accuracy | reference accuracy | fairlab gap | reference gap (expected) | "
              "fairlab / reference gap (drawn) | fairlab / reference accuracy (drawn) | seeds: reference (fairlab) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key in keys:
            rows = observations[table_key].get(key, [])
            if not rows:
                continue
            label, _, _, gaps = METHODS[key]
            paired = [r for r in rows if r[2] is not None]
            # Reference means over the splits fairlab has too (when it has any), each split once.
            chosen = paired if paired else rows
            unique_refs = OrderedDict((r[0], r[1]) for r in chosen if r[1] is not None)
            refs = list(unique_refs.values())
            ours = [r[2] for r in paired]
            n_ref = len(refs)
            n_ours = len(ours)

            def ref_mean(kind, name):
                return mean([r[kind][name] for r in refs]) if refs else math.nan

            def our_mean(index, name):
                return mean([o[index][name] for o in ours]) if ours else math.nan

            for gap in gaps:
                drawn_gap = f"{fmt(our_mean(1, gap))} / {fmt(ref_mean('drawn', gap))}"
                drawn_accuracy = f"{fmt(our_mean(1, 'accuracy'))} / {fmt(ref_mean('drawn', 'accuracy'))}"
                print(f"| {label}: {GAP_LABELS[gap]} | {fmt(our_mean(0, 'accuracy'))} | "
                      f"{fmt(ref_mean('expected', 'accuracy'))} | {fmt(our_mean(0, gap))} | "
                      f"{fmt(ref_mean('expected', gap))} | {drawn_gap} | {drawn_accuracy} | {n_ref} ({n_ours}) |")
        worst = (0.0, "")
        for key in keys:
            for _, ref, ours, seed in observations[table_key].get(key, []):
                if ref is None or ours is None:
                    continue
                for name in ["accuracy"] + METHODS[key][3]:
                    difference = abs(ours[0][name] - ref["expected"][name])
                    if math.isnan(difference) or difference > worst[0]:
                        worst = (difference, f"{key} {name}, seed {seed}")
        if worst[1]:
            print(f"\nLargest per-seed |fairlab - reference| of the expected accuracy and gaps: {worst[0]:.3g} ({worst[1]})")
        print("\nAccuracy and gaps are expected values for randomised methods (Fairlearn's _pmf_predict, AIF360's "
              "rates; fairlab's expected_<name> metrics), drawn values in the 'drawn' columns. — : not available "
              "(no matching fairlab method in these runs, or the reference failed).")

    if compared == 0:
        print("\nno run and seed could be compared", file=sys.stderr)
        sys.exit(1)
    if failures:
        print(f"\n{failures} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
