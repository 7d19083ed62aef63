"""Golden values for fairlab's bootstrap confidence intervals: an independent NumPy reference.

Makes Tests/FairlabHostTests/Fixtures/bootstrap_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_bootstrap_goldens.py     (any Python with numpy, pandas, fairlearn 0.15)

The data are synthetic (numpy default_rng with a fixed seed), so reruns give the same file for the same library
versions. Nothing here calls fairlab: the generator, the resampling, the metrics and the aggregation are written
from their definitions, so that the Swift code can be held to them.

What the fixture pins down
--------------------------
1. The resample stream. For a split seed s the bootstrap draws come from xoshiro256** seeded through SplitMix64
   with seed s XOR FNV-1a-64("bootstrap") (SeededGenerator(seed: s, stream: "bootstrap")). Resample b is n
   indices, each Int(u * Double(n)) with u = Double(next() >> 11) * 2^-53, drawn b-major, row-minor. The first
   25 indices of resample 0 and the last 25 of the last resample are stored per split.
2. The replicate metrics. Each resample gathers labels, predictions, group codes (and probabilities) at its
   indices and computes fairlab's standard overall metrics (Plugins/StandardMetrics, docs/metrics.md) on the
   gathered rows, unweighted; methods with probabilities also get the expected_ metrics of expected counts.
   Zero denominators give NaN; AIF360-style metrics pool privileged vs unprivileged groups; Fairlearn-style
   spreads run over the groups present in the resample, an undefined TPR / FPR counting as 0.
3. The aggregation. Per method and metric, replicate b is the mean over the method's succeeded seeds of that
   seed's replicate b (NaN if any is NaN); the interval is numpy.quantile (linear) of the non-NaN replicates at
   [0.025, 0.975]; `replicates` counts them. The paired difference from "baseline" uses the same resamples
   (the same indices serve every method of a seed), averaged over seeds where both succeeded. `point` is the
   metric on the un-resampled test set, averaged over succeeded seeds. NaN is written as null.
   A randomised method's expected_ metric is paired with the baseline's plain one (the baseline is deterministic).

The data: three groups a (privileged), b, c, where c has 15 rows with 2 positive labels, so resamples often miss
c's positives (equalized_odds_difference then sees c's TPR as 0). Methods: "baseline" and "m1" (predictions on
seeds 7 and 11), "m2" (randomised: probabilities, predictions drawn from them, both seeds) and "m3" (seed 7
only; it failed on seed 11). m3 on seed 7 and m1 on seed 11 over-correct: they select only 2 resp. 3 privileged
rows, so some resamples have a privileged selection rate of 0 and disparate_impact is NaN there (for m1 that
NaN comes from one seed only, which exercises the "NaN if any seed is NaN" rule).

Fairlearn comparison (key "fairlearn")
--------------------------------------
One 5000-row, two-group case. Fairlearn 0.15's MetricFrame(n_boot=1000, ci_quantiles=[0.025, 0.975],
random_state=0) resamples the rows with pandas DataFrame.sample(frac=1, replace=True), one RandomState per
resample seeded from default_rng(0).integers(0, 2^32 - 1, n_boot, uint32), and takes numpy.quantile (linear)
of the per-resample results: overall_ci (a property) for accuracy and difference_ci() (a method, default
between_groups: max - min over groups) for selection_rate. Beside them the fairlab-spec intervals for accuracy
and demographic_parity_difference (split seed 3, B = 1000). Different random streams, so the two agree only up
to Monte Carlo noise (about 0.002 here); the script asserts they agree within 0.005.
"""
import json
import math
import pathlib
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/bootstrap_goldens.json"
DATA_SEED = 20250301
RESAMPLES = 200
QUANTILES = [0.025, 0.975]
MASK = 0xFFFFFFFFFFFFFFFF

# ---------------------------------------------------------------------------------------------------------------
# The random stream: SplitMix64 -> xoshiro256**, with a named stream mixed in by FNV-1a.
# ---------------------------------------------------------------------------------------------------------------


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for byte in name.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def xoshiro_state(seed):
    """The four state words SplitMix64 makes from `seed`."""
    sm = seed & MASK
    words = []
    for _ in range(4):
        sm = (sm + 0x9E3779B97F4A7C15) & MASK
        z = sm
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        words.append(z ^ (z >> 31))
    return words


def xoshiro_draws(seed, count):
    """`count` successive next() values of xoshiro256** seeded with `seed`, as a uint64 array."""
    s0, s1, s2, s3 = xoshiro_state(seed)
    out = [0] * count
    for k in range(count):
        x = (s1 * 5) & MASK
        x = ((x << 7) | (x >> 57)) & MASK
        out[k] = (x * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK
    return np.array(out, dtype=np.uint64)


def bootstrap_indices(split_seed, n, resamples):
    """(resamples, n) row indices: SeededGenerator(seed: split_seed, stream: "bootstrap"), b-major."""
    draws = xoshiro_draws(split_seed ^ fnv1a64("bootstrap"), n * resamples)
    # x >> 11 < 2^53 converts to a double exactly; both multiplies are single IEEE double operations, as in Swift.
    uniform = (draws >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)
    index = np.floor(uniform * float(n)).astype(np.int64)
    assert index.min() >= 0 and index.max() < n
    return index.reshape(resamples, n)


def self_test_generator():
    # SplitMix64 reference: seed 0 gives 0xE220A8397B1DCDAF first (Vigna's splitmix64.c).
    assert xoshiro_state(0)[0] == 0xE220A8397B1DCDAF
    # FNV-1a 64 reference values: "" -> offset basis, "a" -> 0xAF63DC4C8601EC8C.
    assert fnv1a64("") == 0xCBF29CE484222325 and fnv1a64("a") == 0xAF63DC4C8601EC8C
    # xoshiro256** with state (1, 2, 3, 4): first outputs 11520, 0, 1509978240.
    s0, s1, s2, s3 = 1, 2, 3, 4
    got = []
    for _ in range(3):
        x = (s1 * 5) & MASK
        got.append((((x << 7) | (x >> 57)) & MASK) * 9 & MASK)
        t = (s1 << 17) & MASK
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK
    assert got == [11520, 0, 1509978240], got


# ---------------------------------------------------------------------------------------------------------------
# Metrics of confusion counts, vectorised over replicates. Counts arrays have shape (R, G): R replicates, G groups.
# Every sum is taken in the order the Swift plugin takes it, so expected (fractional) counts match to the last bit
# wherever the operations allow.
# ---------------------------------------------------------------------------------------------------------------


def ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))


def ratio_or_zero(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, num / np.where(den == 0, 1.0, den))


class Counts:
    def __init__(self, tp, fp, tn, fn):
        self.tp, self.fp, self.tn, self.fn = tp, fp, tn, fn

    def __add__(self, other):
        return Counts(self.tp + other.tp, self.fp + other.fp, self.tn + other.tn, self.fn + other.fn)

    @property
    def total(self):
        return self.tp + self.fp + self.tn + self.fn

    @property
    def selection_rate(self):
        return ratio(self.tp + self.fp, self.total)

    @property
    def tpr(self):
        return ratio(self.tp, self.tp + self.fn)

    @property
    def fpr(self):
        return ratio(self.fp, self.tn + self.fp)

    @property
    def tnr(self):
        return ratio(self.tn, self.tn + self.fp)

    @property
    def accuracy(self):
        return ratio(self.tp + self.tn, self.total)


def reduce_counts(per_group, groups):
    """Counts() + g0 + g1 + ... for the listed groups, left to right (Swift's reduce)."""
    r = per_group.tp.shape[0]
    acc = Counts(*(np.zeros(r) for _ in range(4)))
    for g in groups:
        acc = acc + Counts(per_group.tp[:, g], per_group.fp[:, g], per_group.tn[:, g], per_group.fn[:, g])
    return acc


def spread(values, present):
    """max - min over present groups; NaN if none present or any present value is NaN."""
    bad = np.any(np.isnan(values) & present, axis=1) | ~np.any(present, axis=1)
    hi = np.max(np.where(present, values, -np.inf), axis=1)
    lo = np.min(np.where(present, values, np.inf), axis=1)
    with np.errstate(invalid="ignore"):
        return np.where(bad, np.nan, hi - lo)


def theil_index(correct, fp, fn):
    n = correct + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = (correct + 2 * fp) / np.where(n > 0, n, 1.0)
        safe_mu = np.where(mu > 0, mu, 1.0)
        t_correct = np.where(correct > 0, correct * (1 / safe_mu) * np.log(1 / safe_mu), 0.0)
        t_fp = np.where(fp > 0, fp * (2 / safe_mu) * np.log(2 / safe_mu), 0.0)
        value = (0.0 + t_correct + t_fp) / np.where(n > 0, n, 1.0)
    return np.where((n > 0) & (mu > 0), value, np.nan)


METRICS = ["accuracy", "balanced_accuracy", "selection_rate", "statistical_parity_difference", "disparate_impact",
           "equal_opportunity_difference", "average_odds_difference", "equalized_odds_difference",
           "demographic_parity_difference", "demographic_parity_ratio", "theil_index"]


def metrics_of_counts(per_group, unweighted, privileged):
    """fairlab's overall metrics. per_group: Counts of (R, G) arrays; unweighted: Counts of (R,) arrays."""
    groups = range(len(privileged))
    overall = reduce_counts(per_group, groups)
    priv = reduce_counts(per_group, [g for g in groups if privileged[g]])
    unpriv = reduce_counts(per_group, [g for g in groups if not privileged[g]])
    present = (per_group.tp + per_group.fp + per_group.tn + per_group.fn) > 0
    eod = spread(ratio_or_zero(per_group.tp, per_group.tp + per_group.fn), present)
    eod_fpr = spread(ratio_or_zero(per_group.fp, per_group.tn + per_group.fp), present)
    with np.errstate(invalid="ignore"):
        equalized = np.where(np.isnan(eod) | np.isnan(eod_fpr), np.nan, np.maximum(eod, eod_fpr))
    rates = per_group.selection_rate
    rates_bad = np.any(np.isnan(rates) & present, axis=1) | ~np.any(present, axis=1)
    dpr = np.where(rates_bad, np.nan,
                   ratio(np.min(np.where(present, rates, np.inf), axis=1),
                         np.max(np.where(present, rates, -np.inf), axis=1)))
    return {
        "accuracy": overall.accuracy,
        "balanced_accuracy": (overall.tpr + overall.tnr) / 2,
        "selection_rate": overall.selection_rate,
        "statistical_parity_difference": unpriv.selection_rate - priv.selection_rate,
        "disparate_impact": ratio(unpriv.selection_rate, priv.selection_rate),
        "equal_opportunity_difference": unpriv.tpr - priv.tpr,
        "average_odds_difference": ((unpriv.fpr - priv.fpr) + (unpriv.tpr - priv.tpr)) / 2,
        "equalized_odds_difference": equalized,
        "demographic_parity_difference": spread(rates, present),
        "demographic_parity_ratio": dpr,
        "theil_index": theil_index(unweighted.tp + unweighted.tn, unweighted.fp, unweighted.fn),
    }


def replicate_metrics(index, labels, predictions, probabilities, codes, privileged):
    """Every metric on each row set of `index` (R, n): a dict name -> (R,) array."""
    r, n = index.shape
    g_count = len(privileged)
    y = labels[index].astype(np.int64)
    g = codes[index]
    offset = (np.arange(r) * g_count * 4)[:, None]
    yhat = predictions[index].astype(np.int64)
    # cells[r, g, y*2 + yhat]: integer counts, exact.
    cells = np.bincount((offset + g * 4 + y * 2 + yhat).ravel(), minlength=r * g_count * 4)
    cells = cells.reshape(r, g_count, 4).astype(np.float64)
    per_group = Counts(cells[:, :, 3], cells[:, :, 1], cells[:, :, 0], cells[:, :, 2])
    plain = cells.sum(axis=1)  # integer-valued, exact in any order
    unweighted = Counts(plain[:, 3], plain[:, 1], plain[:, 0], plain[:, 2])
    result = metrics_of_counts(per_group, unweighted, privileged)
    if probabilities is not None:
        p = probabilities[index]
        # Row i adds p to (label, 1) and 1 - p to (label, 0). bincount adds each bin's weights in input order,
        # which is row order within a resample, as the plugin's loop does.
        base = offset + g * 4 + y * 2
        keys = np.concatenate([(base + 1).ravel(), base.ravel()])
        # The two keys of one row never share a bin, so listing every "+1" key before every "+0" key keeps
        # each bin's additions in row order.
        weights = np.concatenate([p.ravel(), (1 - p).ravel()])
        expected = np.bincount(keys, weights=weights, minlength=r * g_count * 4).reshape(r, g_count, 4)
        per_group_e = Counts(expected[:, :, 3], expected[:, :, 1], expected[:, :, 0], expected[:, :, 2])
        # The unweighted overall expected counts are summed row by row over every group (not group by group).
        plain_keys = (np.arange(r) * 4)[:, None] + y * 2
        plain_e = np.bincount(np.concatenate([(plain_keys + 1).ravel(), plain_keys.ravel()]), weights=weights,
                              minlength=r * 4).reshape(r, 4)
        unweighted_e = Counts(plain_e[:, 3], plain_e[:, 1], plain_e[:, 0], plain_e[:, 2])
        for name, value in metrics_of_counts(per_group_e, unweighted_e, privileged).items():
            result["expected_" + name] = value
    return result


# ---------------------------------------------------------------------------------------------------------------
# Aggregation over seeds and the paired difference.
# ---------------------------------------------------------------------------------------------------------------


def seed_mean(arrays):
    """Mean over seeds, element by element: (0 + a + b + ...) / k, NaN if any is NaN."""
    total = np.zeros_like(arrays[0])
    for a in arrays:
        total = total + a
    return total / len(arrays)


def interval(replicates):
    finite = replicates[~np.isnan(replicates)]
    if finite.size == 0:
        return None, None, 0
    lo, hi = np.quantile(finite, QUANTILES)
    return float(lo), float(hi), int(finite.size)


def nan_to_none(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nan_to_none(v) for v in value]
    return value


def aggregate(methods, per_seed):
    """per_seed[(method, seed)] = (point dict, replicate dict). Returns the "intervals" section."""
    baseline_seeds = {seed for seed in methods["baseline"]}
    out = {}
    for method_id, seeds in methods.items():
        names = list(per_seed[(method_id, seeds[0])][1].keys())
        entry = {}
        for name in names:
            point = float(seed_mean([np.array([per_seed[(method_id, s)][0][name][0]]) for s in seeds])[0])
            rep = seed_mean([per_seed[(method_id, s)][1][name] for s in seeds])
            lo, hi, k = interval(rep)
            # An expected_ metric is paired with the (deterministic) baseline's plain one.
            base = name if name in per_seed[("baseline", seeds[0])][1] else name.removeprefix("expected_")
            paired = [s for s in seeds if s in baseline_seeds and base in per_seed[("baseline", s)][1]]
            if paired:
                diff = seed_mean([per_seed[(method_id, s)][1][name] - per_seed[("baseline", s)][1][base]
                                  for s in paired])
                dlo, dhi, dk = interval(diff)
            else:
                dlo, dhi, dk = None, None, 0
            entry[name] = {"point": point, "lower": lo, "upper": hi, "replicates": k,
                           "diff_lower": dlo, "diff_upper": dhi, "diff_replicates": dk,
                           "seeds": len(seeds), "diff_seeds": len(paired)}
        out[method_id] = entry
    return out


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data.
# ---------------------------------------------------------------------------------------------------------------

GROUP_NAMES = ["a", "b", "c"]
GROUP_PRIVILEGED = [True, False, False]


def make_split(rng, n, c_rows=15, c_positives=2):
    """Labels and group codes: a ~ 55%, b the rest but 15, c exactly 15 rows with 2 positive labels, shuffled."""
    rest = n - c_rows
    n_a = int(round(rest * 0.58))
    codes = np.array([0] * n_a + [1] * (rest - n_a) + [2] * c_rows, dtype=np.int64)
    labels = np.zeros(n)
    labels[:n_a] = rng.random(n_a) < 0.48
    labels[n_a:rest] = rng.random(rest - n_a) < 0.36
    labels[rest:rest + c_positives] = 1.0
    order = rng.permutation(n)
    return labels[order].astype(np.float64), codes[order]


def predict(rng, labels, codes, tpr, fpr):
    p = np.where(labels == 1, np.array(tpr)[codes], np.array(fpr)[codes])
    return (rng.random(labels.size) < p).astype(np.float64)


def few_privileged_positives(rng, labels, codes, keep, tpr_unpriv, fpr_unpriv):
    """An over-correcting method: `keep` privileged rows predicted positive, the unprivileged ones generously."""
    pred = predict(rng, labels, codes, [0, *tpr_unpriv], [0, *fpr_unpriv])
    privileged_rows = np.flatnonzero(codes == 0)
    pred[rng.choice(privileged_rows, size=keep, replace=False)] = 1.0
    return pred


def randomised(rng, labels, codes):
    score = 1.6 * (labels - 0.5) + np.array([0.25, -0.15, -0.3])[codes] + rng.normal(0, 0.9, labels.size)
    prob = 1 / (1 + np.exp(-2.2 * score))
    # A few rows at the ends, as a threshold mixer gives them.
    prob[rng.random(labels.size) < 0.04] = 0.0
    prob[rng.random(labels.size) < 0.04] = 1.0
    pred = (rng.random(labels.size) < prob).astype(np.float64)
    return prob, pred


def main_fixture(rng):
    split_specs = [(7, 400), (11, 350)]
    splits, data, indices = [], {}, {}
    for seed, n in split_specs:
        labels, codes = make_split(rng, n)
        data[seed] = (labels, codes)
        idx = bootstrap_indices(seed, n, RESAMPLES)
        indices[seed] = idx
        splits.append({"seed": seed, "labels": labels.tolist(), "group_codes": codes.tolist(),
                       "first_indices": idx[0, :25].tolist(), "last_indices": idx[-1, -25:].tolist()})

    outcomes = {"baseline": {}, "m1": {}, "m2": {}, "m3": {}}
    for seed, _ in split_specs:
        labels, codes = data[seed]
        outcomes["baseline"][seed] = (predict(rng, labels, codes, [0.85, 0.70, 0.60], [0.22, 0.12, 0.10]), None)
        if seed == 11:
            m1 = few_privileged_positives(rng, labels, codes, 3, [0.75, 0.7], [0.2, 0.2])
        else:
            m1 = predict(rng, labels, codes, [0.78, 0.76, 0.74], [0.17, 0.16, 0.16])
        outcomes["m1"][seed] = (m1, None)
        prob, pred = randomised(rng, labels, codes)
        outcomes["m2"][seed] = (pred, prob)
        if seed == 7:
            outcomes["m3"][seed] = (few_privileged_positives(rng, labels, codes, 2, [0.8, 0.8], [0.3, 0.3]), None)

    per_seed = {}
    for method_id, by_seed in outcomes.items():
        for seed, (pred, prob) in by_seed.items():
            labels, codes = data[seed]
            n = labels.size
            point = replicate_metrics(np.arange(n)[None, :], labels, pred, prob, codes, GROUP_PRIVILEGED)
            reps = replicate_metrics(indices[seed], labels, pred, prob, codes, GROUP_PRIVILEGED)
            per_seed[(method_id, seed)] = (point, reps)

    methods = {m: list(by_seed.keys()) for m, by_seed in outcomes.items()}
    intervals = aggregate(methods, per_seed)
    method_entries = [{"id": m, "outcomes": [
        {"seed": s, "predictions": pred.tolist(), "probabilities": None if prob is None else prob.tolist()}
        for s, (pred, prob) in by_seed.items()]} for m, by_seed in outcomes.items()]

    # Sanity: the point values against a direct row-by-row computation of a few metrics.
    labels, codes = data[7]
    pred = outcomes["baseline"][7][0]
    accuracy = np.mean([np.mean(outcomes["baseline"][s][0] == data[s][0]) for s, _ in split_specs])
    assert abs(intervals["baseline"]["accuracy"]["point"] - accuracy) < 1e-15
    sr = lambda mask: pred[mask].mean()  # noqa: E731
    spd7 = sr(codes != 0) - sr(codes == 0)
    assert abs(per_seed[("baseline", 7)][0]["statistical_parity_difference"][0] - spd7) < 1e-15
    return {"splits": splits, "methods": method_entries, "intervals": intervals}, per_seed


# ---------------------------------------------------------------------------------------------------------------
# Fairlearn comparison.
# ---------------------------------------------------------------------------------------------------------------


def fairlearn_section(rng):
    from fairlearn.metrics import MetricFrame, selection_rate
    from sklearn.metrics import accuracy_score

    n, seed, boots = 5000, 3, 1000
    names, privileged = ["f", "m"], [False, True]
    codes = (rng.random(n) < 0.5).astype(np.int64)
    labels = (rng.random(n) < np.where(codes == 1, 0.45, 0.33)).astype(np.float64)
    tpr, fpr = np.array([0.72, 0.82]), np.array([0.14, 0.22])
    pred = (rng.random(n) < np.where(labels == 1, tpr[codes], fpr[codes])).astype(np.float64)

    frame = MetricFrame(metrics={"accuracy": accuracy_score, "selection_rate": selection_rate},
                        y_true=labels, y_pred=pred, sensitive_features=np.array(names)[codes],
                        n_boot=boots, ci_quantiles=[0.025, 0.975], random_state=0)
    fl_acc = [float(frame.overall_ci[0]["accuracy"]), float(frame.overall_ci[1]["accuracy"])]
    diff_ci = frame.difference_ci()
    fl_dpd = [float(diff_ci[0]["selection_rate"]), float(diff_ci[1]["selection_rate"])]

    idx = bootstrap_indices(seed, n, boots)
    reps = replicate_metrics(idx, labels, pred, None, codes, privileged)
    np_acc = list(interval(reps["accuracy"])[:2])
    np_dpd = list(interval(reps["demographic_parity_difference"])[:2])
    point = replicate_metrics(np.arange(n)[None, :], labels, pred, None, codes, privileged)
    assert abs(point["accuracy"][0] - float(frame.overall["accuracy"])) < 1e-12
    assert abs(point["demographic_parity_difference"][0] - float(frame.difference()["selection_rate"])) < 1e-12
    for a, b in zip(fl_acc + fl_dpd, np_acc + np_dpd):
        assert abs(a - b) < 0.005, (fl_acc, np_acc, fl_dpd, np_dpd)
    info = {"accuracy": point["accuracy"][0], "dpd": point["demographic_parity_difference"][0]}
    return {"seed": seed, "resamples": boots, "group_names": names, "group_privileged": privileged,
            "labels": labels.tolist(), "predictions": pred.tolist(), "group_codes": codes.tolist(),
            "fairlearn_accuracy_ci": fl_acc, "fairlearn_dpd_ci": fl_dpd,
            "numpy_accuracy_ci": np_acc, "numpy_dpd_ci": np_dpd}, info


def main():
    started = time.time()
    self_test_generator()
    rng = np.random.default_rng(DATA_SEED)
    fixture, _ = main_fixture(rng)
    fl, info = fairlearn_section(np.random.default_rng(DATA_SEED + 1))
    document = {"resamples": RESAMPLES, "quantiles": QUANTILES,
                "group_names": GROUP_NAMES, "group_privileged": GROUP_PRIVILEGED,
                "splits": fixture["splits"], "methods": fixture["methods"], "intervals": fixture["intervals"],
                "fairlearn": fl}
    text = json.dumps(nan_to_none(document), allow_nan=False)
    OUTPUT.write_text(text + "\n")

    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text) / 1024:.0f} KB) in {time.time() - started:.1f} s")
    for m, metrics in fixture["intervals"].items():
        short = [f"{k}: {v['replicates']}/{RESAMPLES}" for k, v in metrics.items() if v["replicates"] < RESAMPLES]
        if short:
            print(f"  {m}: NaN replicates in {', '.join(short)}")
    print(f"  fairlearn case: accuracy {info['accuracy']:.4f}, dpd {info['dpd']:.4f}")
    print(f"  accuracy CI fairlearn {fl['fairlearn_accuracy_ci']} numpy-spec {fl['numpy_accuracy_ci']}")
    print(f"  dpd CI      fairlearn {fl['fairlearn_dpd_ci']} numpy-spec {fl['numpy_dpd_ci']}")


if __name__ == "__main__":
    main()
