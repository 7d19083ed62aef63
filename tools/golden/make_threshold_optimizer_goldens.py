"""Golden values for fairlab's threshold-optimizer post-processing, computed with Fairlearn's ThresholdOptimizer.

Makes Tests/FairlabHostTests/Fixtures/threshold_optimizer_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_threshold_optimizer_goldens.py

(any Python with fairlearn 0.15, scikit-learn, numpy and pandas will do). The data are synthetic and drawn from
numpy's default_rng with a fixed seed, so reruns give a byte-identical file for the same library versions.

Inputs. Three cases, each a validation set (what the optimizer is fitted on) and a test set (what the fitted
predictor is applied to). Every row has a group, a 0/1 label and a score in (0, 1): the label is drawn with a
group-dependent base rate, a latent value z ~ Normal(mean_g + separation_g * label, 1) and the score is
sigmoid(z) rounded to 3 decimals and clipped to [0.001, 0.999], so that many rows tie on a score.

- "binary": groups Female / Male, 2,000 validation and 2,000 test rows.
- "four_groups": Asian / Black / Hispanic / White of unequal sizes (Asian has 60 validation rows).
- "flip": two groups of 300 + 300 rows where group "B"'s score is anti-informative (a higher score means a lower
  chance of label 1), used for the runs with flip=True.

Group codes are indices into the case's group_names, which are listed in sorted order, so that code order is
the order in which Fairlearn visits the groups (it groups with pandas groupby, which sorts the values).

Runs. For every case a list of ThresholdOptimizer fits: for "binary" and "four_groups" each constraint in
[demographic_parity, equalized_odds, true_positive_rate_parity, false_positive_rate_parity] with each objective
in [accuracy_score, balanced_accuracy_score]; in addition for "binary" true_negative_rate_parity and
false_negative_rate_parity, a non-default grid_size and a relaxed (tol) fit, for "four_groups" two tol fits and
for "flip" flip=False / flip=True pairs. Each fit is ThresholdOptimizer(estimator=ScoreColumn(), constraints=...,
objective=..., grid_size=..., flip=..., prefit=True, predict_method="predict_proba", tol=...) on X = the
validation scores as a one-column matrix, y = labels, sensitive_features = group names. ScoreColumn is a
trivial fitted estimator whose predict_proba(X) is [1 - X[:, 0], X[:, 0]], so the score Fairlearn thresholds is
exactly the stored score (column 1 is X[:, 0] bit for bit).

Each run stores, with plain numbers (no Fairlearn classes):
- per group: the fitted operating point (threshold0 / operator0 / p0, threshold1 / operator1 / p1 and, for
  equalized_odds, p_ignore and prediction_constant), the grid index and x value chosen for the group, the
  group's interpolated y there, its proportion of the validation rows, its upper convex hull (x, y, threshold,
  operator of every hull point, from Fairlearn's _tradeoff_curve) and its expected selection rate / TPR / FPR
  on validation and on test (numpy means of P(y_hat = 1) over the group's rows / positives / negatives, so
  compare those with a tolerance of about 1e-12: the summation order is numpy's);
- test_p: Fairlearn's _pmf_predict()[:, 1], P(y_hat = 1), for every test row;
- probes: scores placed exactly on, just above and just below each chosen finite threshold (and one row of a
  group that was not seen in fit) with Fairlearn's P(y_hat = 1) for them.

Thresholds can be +inf / -inf, which JSON cannot hold; they are stored as the strings "inf" / "-inf" (Swift:
JSONDecoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf",
negativeInfinity: "-inf", nan: "nan")). Every other number is a JSON number that round-trips to the exact double.

Cross-check. The script contains an independent re-implementation of the algorithm as written up for fairlab
(numpy only, not derived from Fairlearn's code) and stops with an AssertionError unless it reproduces every
run exactly: the same grid indices, thresholds, p0 / p1 / p_ignore / prediction constants and hull points bit for
bit, and every P(y_hat = 1) to within 1e-12.
"""
import json
import math
import pathlib
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin

import fairlearn
from fairlearn.postprocessing import ThresholdOptimizer
from fairlearn.postprocessing._tradeoff_curve_utilities import _tradeoff_curve

warnings.simplefilter("error")  # any warning from Fairlearn / pandas would be a finding; fail loudly

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/threshold_optimizer_goldens.json"
SEED = 20250315
PMF_TOLERANCE = 1e-12

# Per group: validation rows, test rows, P(label = 1), latent mean, latent separation between labels.
CASES = [
    dict(name="binary", group_names=["Female", "Male"],
         validation_rows=[900, 1100], test_rows=[880, 1120],
         base_rates=[0.32, 0.48], means=[-0.4, 0.1], separations=[1.3, 1.6]),
    dict(name="four_groups", group_names=["Asian", "Black", "Hispanic", "White"],
         validation_rows=[60, 540, 360, 1040], test_rows=[64, 530, 370, 1036],
         base_rates=[0.40, 0.30, 0.38, 0.50], means=[0.0, -0.3, -0.1, 0.2], separations=[0.9, 1.2, 1.4, 1.7]),
    dict(name="flip", group_names=["A", "B"],
         validation_rows=[300, 300], test_rows=[300, 300],
         base_rates=[0.45, 0.40], means=[0.0, 0.3], separations=[1.5, -1.2]),
]

MAIN_CONSTRAINTS = ["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity"]
MAIN_OBJECTIVES = ["accuracy_score", "balanced_accuracy_score"]


def run(constraints, objective, grid_size=1000, flip=False, tol=None):
    return dict(constraints=constraints, objective=objective, grid_size=grid_size, flip=flip, tol=tol)


RUNS = {
    "binary": [run(c, o) for c in MAIN_CONSTRAINTS for o in MAIN_OBJECTIVES] + [
        run("true_negative_rate_parity", "accuracy_score"),
        run("false_negative_rate_parity", "balanced_accuracy_score"),
        run("equalized_odds", "accuracy_score", grid_size=250),
        run("demographic_parity", "accuracy_score", tol=0.05),
    ],
    "four_groups": [run(c, o) for c in MAIN_CONSTRAINTS for o in MAIN_OBJECTIVES] + [
        run("demographic_parity", "accuracy_score", tol=0.05),
        run("true_positive_rate_parity", "balanced_accuracy_score", tol=0.02),
    ],
    "flip": [
        run("demographic_parity", "accuracy_score", flip=False),
        run("demographic_parity", "accuracy_score", flip=True),
        run("equalized_odds", "accuracy_score", flip=False),
        run("equalized_odds", "accuracy_score", flip=True),
    ],
}


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A 'prefit' classifier whose positive-class probability is the first column of X."""

    def fit(self, X, y):
        return self

    def __sklearn_is_fitted__(self):
        return True

    def predict_proba(self, X):
        s = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1.0 - s, s])


def synthesize_split(spec, sizes, rng):
    """Group codes, labels and 3-decimal scores for one split, rows shuffled."""
    groups = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(groups)
    labels = (rng.random(groups.size) < np.take(spec["base_rates"], groups)).astype(int)
    z = rng.normal(np.take(spec["means"], groups) + np.take(spec["separations"], groups) * labels, 1.0)
    scores = np.clip(np.round(1.0 / (1.0 + np.exp(-z)), 3), 0.001, 0.999)
    for g in range(len(sizes)):
        assert set(labels[groups == g]) == {0, 1}, (spec["name"], g)
    return groups, labels, scores


# ---------------------------------------------------------------------------------------------------------------
# Independent re-implementation (the written-up algorithm), used only to cross-check Fairlearn's results.
# ---------------------------------------------------------------------------------------------------------------

X_METRIC = {
    "demographic_parity": "selection_rate", "selection_rate_parity": "selection_rate",
    "true_positive_rate_parity": "true_positive_rate", "false_positive_rate_parity": "false_positive_rate",
    "true_negative_rate_parity": "true_negative_rate", "false_negative_rate_parity": "false_negative_rate",
}


def rate(name, tp, fp, tn, fn):
    """A metric of confusion counts, with Fairlearn's operation order (matters only for float counts)."""
    n = tp + tn + fp + fn
    positives, negatives = tp + fn, tn + fp
    if name == "selection_rate":
        return (tp + fp) / n
    if name == "true_positive_rate":
        return tp / positives
    if name == "false_positive_rate":
        return fp / negatives
    if name == "true_negative_rate":
        return tn / negatives
    if name == "false_negative_rate":
        return fn / positives
    if name == "accuracy_score":
        return (tp + tn) / n
    if name == "balanced_accuracy_score":
        return 0.5 * tp / positives + 0.5 * tn / negatives
    raise ValueError(name)


def ref_grid(grid_size):
    grid = np.arange(grid_size + 1, dtype=float) * (1.0 / grid_size)
    grid[-1] = 1.0
    return grid


def ref_candidate_points(scores, labels, x_metric, y_metric, flip):
    """(x, y, operator, threshold) for every candidate threshold, in generation order."""
    order = np.argsort(-scores, kind="stable")
    s, lab = scores[order], labels[order]
    n_pos = int(lab.sum())
    n_neg = len(lab) - n_pos
    distinct = []
    tp_after, fp_after = [], []
    tp = fp = 0
    for k in range(len(s)):
        tp += int(lab[k] == 1)
        fp += int(lab[k] == 0)
        if k + 1 == len(s) or s[k + 1] != s[k]:
            distinct.append(float(s[k]))
            tp_after.append(tp)
            fp_after.append(fp)
    thresholds = [math.inf] + [(distinct[k] + (distinct[k + 1] if k + 1 < len(distinct) else -math.inf)) / 2
                               for k in range(len(distinct))]
    tps, fps = [0] + tp_after, [0] + fp_after
    points = []
    for t, tp, fp in zip(thresholds, tps, fps):
        variants = [(">", tp, fp, n_neg - fp, n_pos - tp)]
        if flip:
            variants.append(("<", n_pos - tp, n_neg - fp, fp, tp))
        for op, a, b, c, d in variants:
            points.append((rate(x_metric, a, b, c, d), rate(y_metric, a, b, c, d), op, t))
    return points


def ref_upper_hull(points):
    pts = sorted(points, key=lambda p: (p[0], p[1]))  # Python's sort is stable
    hull = []
    for p in pts:
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (b[1] - a[1]) * (p[0] - a[0]) <= (p[1] - a[1]) * (b[0] - a[0]):
                hull.pop()
            else:
                break
        hull.append(p)
    return hull


def ref_interpolate(hull, grid):
    hx = [p[0] for p in hull]
    rows = []
    for i, g in enumerate(grid):
        j = int(np.searchsorted(hx, g, side="right")) - 1
        if i > 0 and g == hx[j]:
            j -= 1
        p0 = (hx[j + 1] - g) / (hx[j + 1] - hx[j])
        p1 = 1 - p0
        rows.append(dict(y=p0 * hull[j][1] + p1 * hull[j + 1][1], p0=p0, p1=p1, op0=hull[j], op1=hull[j + 1]))
    return rows


def ref_fit(groups, labels, scores, names, spec):
    """Per group name: dict(index, x, y, p0, op0, p1, op1[, p_ignore, prediction_constant]) and the hulls."""
    grid = ref_grid(spec["grid_size"])
    eo = spec["constraints"] == "equalized_odds"
    x_metric = "false_positive_rate" if eo else X_METRIC[spec["constraints"]]
    y_metric = "true_positive_rate" if eo else spec["objective"]
    n = len(labels)
    curves, hulls, props = {}, {}, {}
    for code, name in enumerate(names):  # names are sorted, as pandas groupby visits them
        rows = groups == code
        hull = ref_upper_hull(ref_candidate_points(scores[rows], labels[rows], x_metric, y_metric, spec["flip"]))
        hulls[name] = hull
        curves[name] = ref_interpolate(hull, grid)
        props[name] = int(rows.sum()) / n
    chosen = {}
    if eo:
        n_pos = int(labels.sum())
        n_neg = n - n_pos
        y_min = [min(curves[name][i]["y"] for name in names) for i in range(len(grid))]
        values = []
        for i, x in enumerate(grid):
            v = rate(spec["objective"], n_pos * y_min[i], n_neg * x, n_neg * (1.0 - x), n_pos * (1.0 - y_min[i]))
            values.append(np.rint(v * 1e15) / 1e15)  # np.around(v, 15)
        best = int(np.argmax(values))
        for name in names:
            r = curves[name][best]
            p_ignore = 0.0 if r["y"] == grid[best] else (r["y"] - y_min[best]) / (r["y"] - grid[best])
            chosen[name] = dict(index=best, x=grid[best], y=r["y"], p0=r["p0"], op0=r["op0"], p1=r["p1"],
                                op1=r["op1"], p_ignore=p_ignore, prediction_constant=grid[best])
        return chosen, hulls
    if not spec["tol"]:
        overall = []
        for i in range(len(grid)):
            total = None
            for name in names:
                term = props[name] * curves[name][i]["y"]
                total = term if total is None else total + term
            overall.append(total)
        indices = {name: int(np.argmax(overall)) for name in names}
    else:
        tol = spec["tol"]
        weighted = {name: [c["y"] * props[name] for c in curves[name]] for name in names}
        best_obj, best_violation, indices = -math.inf, math.inf, None
        start = 0
        for end in range(len(grid)):
            while grid[end] - grid[start] > tol:
                start += 1
            pick = {}
            for name in names:
                w = weighted[name]
                top = max(w[start:end + 1])
                pick[name] = max(i for i in range(start, end + 1) if w[i] == top)  # ties: the latest index
            objective = 0
            for name in names:
                objective = objective + weighted[name][pick[name]]
            xs = [grid[pick[name]] for name in names]
            violation = max(xs) - min(xs)
            if objective > best_obj or (objective == best_obj and violation <= best_violation):
                best_obj, best_violation, indices = objective, violation, pick
    for name in names:
        r = curves[name][indices[name]]
        chosen[name] = dict(index=indices[name], x=grid[indices[name]], y=r["y"], p0=r["p0"], op0=r["op0"],
                            p1=r["p1"], op1=r["op1"])
    return chosen, hulls


def ref_positive_probability(chosen, names, groups, scores):
    out = np.zeros(len(scores))
    for code, name in enumerate(names):
        c = chosen[name]

        def fires(point, s):
            return (s > point[3]) if point[2] == ">" else (s < point[3])

        for i in np.nonzero(groups == code)[0]:
            v = c["p0"] * float(fires(c["op0"], scores[i])) + c["p1"] * float(fires(c["op1"], scores[i]))
            if "p_ignore" in c:
                v = c["p_ignore"] * c["prediction_constant"] + (1 - c["p_ignore"]) * v
            out[i] = v
    return out


# ---------------------------------------------------------------------------------------------------------------
# Fairlearn fits and the fixture
# ---------------------------------------------------------------------------------------------------------------

def num(v):
    """A JSON-safe float: +-inf as strings."""
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    assert not math.isnan(v)
    return v


def expected_rates(p, labels):
    return dict(selection_rate=float(np.mean(p)), true_positive_rate=float(np.mean(p[labels == 1])),
                false_positive_rate=float(np.mean(p[labels == 0])))


def fairlearn_fit(spec, val, names):
    groups, labels, scores = val
    optimizer = ThresholdOptimizer(estimator=ScoreColumn(), constraints=spec["constraints"],
                                   objective=spec["objective"], grid_size=spec["grid_size"], flip=spec["flip"],
                                   prefit=True, predict_method="predict_proba", tol=spec["tol"])
    optimizer.fit(scores.reshape(-1, 1), labels, sensitive_features=np.take(names, groups))
    return optimizer


def fairlearn_p(optimizer, names, groups, scores):
    group_names = [names[g] if g < len(names) else "Unseen" for g in groups]
    return optimizer._pmf_predict(np.asarray(scores, dtype=float).reshape(-1, 1),
                                  sensitive_features=np.asarray(group_names))[:, 1]


def build_run(spec, names, val, test):
    optimizer = fairlearn_fit(spec, val, names)
    vg, vl, vs = val
    tg, tl, ts = test
    grid = optimizer._x_grid
    eo = spec["constraints"] == "equalized_odds"
    interp = optimizer.interpolated_thresholder_.interpolation_dict
    assert list(interp.keys()) == names and list(optimizer._tradeoff_curve.keys()) == names
    x_metric = "false_positive_rate" if eo else X_METRIC[spec["constraints"]]
    y_metric = "true_positive_rate" if eo else spec["objective"]

    test_p = fairlearn_p(optimizer, names, tg, ts)
    val_p = fairlearn_p(optimizer, names, vg, vs)

    # Probes: each finite threshold, the next double above and below it, and a group unseen in fit.
    probe_groups, probe_scores = [], []
    for code, name in enumerate(names):
        for op in (interp[name].operation0, interp[name].operation1):
            t = op.threshold
            if math.isfinite(t):
                for s in (t, np.nextafter(t, math.inf), np.nextafter(t, -math.inf)):
                    probe_groups.append(code)
                    probe_scores.append(float(s))
    probe_groups.append(len(names))
    probe_scores.append(0.5)
    probe_p = fairlearn_p(optimizer, names, np.array(probe_groups), np.array(probe_scores))

    per_group = []
    for code, name in enumerate(names):
        b = interp[name]
        curve = optimizer._tradeoff_curve[name]
        x_chosen = optimizer._x_best_per_group[name] if spec["tol"] else optimizer._x_best
        index = int(np.nonzero(grid == x_chosen)[0][0])
        row = curve.iloc[index]
        assert row["p0"] == b.p0 and row["p1"] == b.p1 and row["operation0"] is b.operation0
        vrows, trows = vg == code, tg == code
        hull = _tradeoff_curve(pd.DataFrame({"score": vs[vrows], "label": vl[vrows]}), name, flip=spec["flip"],
                               x_metric=x_metric, y_metric=y_metric)
        per_group.append(dict(
            name=name,
            code=code,
            proportion=float(vrows.sum() / len(vl)),
            grid_index=index,
            x=float(grid[index]),
            y=float(row["y"]),
            operator0=b.operation0.operator, threshold0=num(b.operation0.threshold), p0=float(b.p0),
            operator1=b.operation1.operator, threshold1=num(b.operation1.threshold), p1=float(b.p1),
            p_ignore=float(b.p_ignore) if eo else None,
            prediction_constant=float(b.prediction_constant) if eo else None,
            hull=dict(x=[float(v) for v in hull["x"]], y=[float(v) for v in hull["y"]],
                      threshold=[num(op.threshold) for op in hull["operation"]],
                      operator=[op.operator for op in hull["operation"]]),
            validation=expected_rates(val_p[vrows], vl[vrows]),
            test=expected_rates(test_p[trows], tl[trows]),
        ))

    result = dict(
        constraints=spec["constraints"], objective=spec["objective"], grid_size=spec["grid_size"],
        flip=spec["flip"], tol=spec["tol"], x_metric=x_metric, y_metric=y_metric,
        x_best=None if spec["tol"] else float(optimizer._x_best),
        y_best=float(optimizer._y_best),
        between_groups=None if eo else float(optimizer._between_groups),
        per_group=per_group,
        test_p=[float(v) for v in test_p],
        probes=dict(group=probe_groups, score=probe_scores, p=[float(v) for v in probe_p]),
    )
    cross_check(result, spec, names, val, test, test_p, probe_groups, probe_scores, probe_p)
    return result


def cross_check(result, spec, names, val, test, test_p, probe_groups, probe_scores, probe_p):
    vg, vl, vs = val
    chosen, hulls = ref_fit(vg, vl, vs, names, spec)
    label = f"{spec}"
    for g in result["per_group"]:
        c = chosen[g["name"]]
        assert c["index"] == g["grid_index"], (label, g["name"], c["index"], g["grid_index"])
        assert c["x"] == g["x"] and c["y"] == g["y"], label
        assert c["p0"] == g["p0"] and c["p1"] == g["p1"], (label, c["p0"], g["p0"])
        assert num(c["op0"][3]) == g["threshold0"] and c["op0"][2] == g["operator0"], label
        assert num(c["op1"][3]) == g["threshold1"] and c["op1"][2] == g["operator1"], label
        if g["p_ignore"] is not None:
            assert c["p_ignore"] == g["p_ignore"] and c["prediction_constant"] == g["prediction_constant"], label
        h = hulls[g["name"]]
        assert [p[0] for p in h] == g["hull"]["x"] and [p[1] for p in h] == g["hull"]["y"], label
        assert [num(p[3]) for p in h] == g["hull"]["threshold"] and [p[2] for p in h] == g["hull"]["operator"], label
    tg, tl, ts = test
    ref_test = ref_positive_probability(chosen, names, tg, ts)
    assert np.max(np.abs(ref_test - test_p)) <= PMF_TOLERANCE, label
    ref_probe = ref_positive_probability(chosen, names, np.array(probe_groups), np.array(probe_scores))
    assert np.max(np.abs(ref_probe - probe_p)) <= PMF_TOLERANCE, label


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    for spec in CASES:
        names = spec["group_names"]
        assert names == sorted(names)
        val = synthesize_split(spec, spec["validation_rows"], rng)
        test = synthesize_split(spec, spec["test_rows"], rng)
        runs = [build_run(r, names, val, test) for r in RUNS[spec["name"]]]
        cases.append(dict(
            name=spec["name"],
            group_names=names,
            validation=dict(group=[int(v) for v in val[0]], label=[int(v) for v in val[1]],
                            score=[float(v) for v in val[2]]),
            test=dict(group=[int(v) for v in test[0]], label=[int(v) for v in test[1]],
                      score=[float(v) for v in test[2]]),
            runs=runs,
        ))
    golden = dict(
        generated_by=dict(fairlearn=fairlearn.__version__, sklearn=sklearn.__version__, numpy=np.__version__,
                          pandas=pd.__version__),
        estimator="prefit ScoreColumn, predict_method='predict_proba' (P(y=1) = the score column)",
        cases=cases,
    )
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
    for case in cases:
        for r in case["runs"]:
            print(case["name"], r["constraints"], r["objective"], "grid", r["grid_size"], "flip", r["flip"],
                  "tol", r["tol"], "x_best", r["x_best"], "y_best", round(r["y_best"], 6),
                  [(g["name"], g["x"], g["threshold0"], round(g["p0"], 4), g["threshold1"]) for g in r["per_group"]])


if __name__ == "__main__":
    main()
