"""Golden values for fairlab's post-processors, computed with AIF360 0.6.1's EqOddsPostprocessing,
CalibratedEqOddsPostprocessing and RejectOptionClassification.

Makes Tests/FairlabHostTests/Fixtures/aif360_postprocessing_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_aif360_postprocessing_goldens.py

(any Python with aif360 0.6.1, numpy, pandas and scipy; the file records the versions used). The inputs come
from numpy default_rng with fixed seeds, so reruns give the same file for the same library versions, except
the `runtime_seconds` fields, which are AIF360's wall-clock time (time.perf_counter) for fit + predict and are
information only.

Two scenarios, each a validation split (used to fit) and a test split (used to predict), two groups
(group code 1 = privileged, 0 = unprivileged), favorable label 1, unit instance weights:

- "main": 1,500 + 1,500 rows; every calibrated-equalized-odds mix rate lies in (0, 1), and 'fpr' mixes the
  unprivileged group while 'fnr' and 'weighted' mix the privileged group.
- "mix_rate_out_of_range": 800 + 800 rows with a poor classifier, where AIF360's mix rates leave [0, 1] and it
  does not clip them: 'fnr' gives a negative priv_mix_rate (no row is ever mixed), 'fpr' and 'weighted' an
  unpriv_mix_rate > 1 (every unprivileged row is replaced by the base rate).

Per row a split stores group, label (true), score (a shared logistic model of a group-dependent latent
feature, rounded to 4 decimals; a few rows forced to exactly 0.5) and prediction = score > 0.5. AIF360 gets a
"true" BinaryLabelDataset (labels) and a "predicted" copy whose labels are the predictions and whose scores
are the scores.

Stored per scenario:

- eq_odds: the validation per-group rates, the LP (c, A_eq, b_eq as AIF360 builds them), scipy's result, the
  four mixing rates, the exact optimum found by this script with rational vertex enumeration (and whether it
  is unique), per test row P(y_hat = 1) implied by the rates ("rates": p2p of the row's group if its hard
  prediction is 1, else n2p) and by AIF360's flip counts ("counts": for hard prediction 1,
  1 - floor(n_pos * (1 - p2p)) / n_pos; for 0, floor(n_neg * n2p) / n_neg, n_pos / n_neg counting the
  group's test rows with hard prediction 1 / 0), and AIF360's drawn test predictions with its seed.
- calibrated_eq_odds for 'fnr', 'fpr', 'weighted': base rates, the group costs and trivial costs, the mix
  rates, which group is mixed, per test row P(y_hat = 1) = r * [base_rate_g >= 0.5] + (1 - r) * [score >= 0.5]
  with r = the row's group mix rate clipped to [0, 1], and AIF360's drawn test predictions with its seed.
- reject_option: for each case (metric, bounds) the chosen classification threshold and ROC margin, their
  grid index, how many grid points were within bounds, whether AIF360 fell back ("Unable to satisy fairness
  constraints"), every grid point tied for the best ([threshold index, margin index], AIF360 takes the first),
  the validation balanced accuracy and metric at the choice, and the test predictions. Cases use AIF360's
  default grid (thresholds np.linspace(0.01, 0.99, 100), 50 margins) unless `grid` says otherwise; one "main"
  case uses a finer grid on which two points tie. For "main" also the whole default 100 x 50 grid:
  thresholds, margins, validation balanced accuracy and the three metrics (recomputed here and checked bit
  for bit against AIF360 on sampled grid points).

The script cross-checks everything it can and stops with an AssertionError on a disagreement: the LP optimum
against exact vertex enumeration (1e-9), the group costs and mix rates against independent formulas (1e-12),
AIF360's random draws against a pure-Python MT19937 replay of numpy's legacy global RNG (exact), and the
reject-option grid, selection and test predictions against an independent recomputation (exact).
"""
import json
import pathlib
import time
import warnings
from fractions import Fraction
from itertools import combinations, product

import numpy as np
import pandas as pd
import scipy

from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
from aif360.algorithms.postprocessing import (CalibratedEqOddsPostprocessing, EqOddsPostprocessing,  # noqa: E402
                                              RejectOptionClassification)
from aif360.algorithms.postprocessing.calibrated_eq_odds_postprocessing import weighted_cost  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import BinaryLabelDatasetMetric, ClassificationMetric  # noqa: E402
from legacy_mt19937 import LegacyMT19937  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/aif360_postprocessing_goldens.json"
PRIVILEGED = [{"g": 1.0}]
UNPRIVILEGED = [{"g": 0.0}]
EQ_ODDS_SEED = 20240613
CEO_SEED = 20240614
ROC_METRICS = {"Statistical parity difference": "statistical_parity_difference",
               "Average odds difference": "average_odds_difference",
               "Equal opportunity difference": "equal_opportunity_difference"}

# Latent feature x | group, label ~ Normal(mean[group][label], sd[group]); score = sigmoid(1.1 x + 0.15), the
# same model for both groups, rounded to 4 decimals and clipped to [1e-4, 1 - 1e-4].
SCENARIOS = [
    dict(name="main", seed=20240612, validation_rows=1500, test_rows=1500, privileged_share=0.55,
         base_rate=[0.45, 0.60], mean=[[-1.2, 0.6], [-0.9, 1.3]], sd=[1.25, 1.0], forced_half=3,
         store_roc_grid=True,
         roc_cases=[("Statistical parity difference", -0.05, 0.05),
                    ("Average odds difference", -0.05, 0.05),
                    ("Equal opportunity difference", -0.05, 0.05),
                    ("Statistical parity difference", -0.02, 0.02),
                    ("Average odds difference", -0.02, 0.02),
                    ("Equal opportunity difference", -0.02, 0.02),
                    ("Average odds difference", -0.2, -0.15),  # only a few grid points within
                    # Nothing lies within these bounds: AIF360 warns and takes the smallest signed metric.
                    ("Statistical parity difference", 1.01, 2.0),
                    ("Average odds difference", -0.5, -0.3),
                    # A finer, non-default grid where two grid points tie for the best balanced accuracy.
                    ("Average odds difference", -0.05, 0.05,
                     dict(low_class_thresh=0.4, high_class_thresh=0.6, num_class_thresh=201, num_ROC_margin=10))]),
    dict(name="mix_rate_out_of_range", seed=20240615, validation_rows=800, test_rows=800, privileged_share=0.55,
         base_rate=[0.20, 0.60], mean=[[-2.0, -0.6], [-0.5, 0.1]], sd=[1.0, 1.0], forced_half=2,
         store_roc_grid=False,
         roc_cases=[("Statistical parity difference", -0.05, 0.05),
                    ("Average odds difference", -0.05, 0.05),
                    ("Equal opportunity difference", -0.05, 0.05)]),
]


# ---------------------------------------------------------------------------------------------- inputs

def make_split(rng, rows, spec):
    group = (rng.random(rows) < spec["privileged_share"]).astype(int)
    base_rate = np.where(group == 1, spec["base_rate"][1], spec["base_rate"][0])
    label = (rng.random(rows) < base_rate).astype(int)
    mean = np.array(spec["mean"])[group, label]
    sd = np.array(spec["sd"])[group]
    latent = rng.normal(mean, sd)
    score = np.clip(np.round(1.0 / (1.0 + np.exp(-(1.1 * latent + 0.15))), 4), 1e-4, 1 - 1e-4)
    score[rng.choice(rows, spec["forced_half"], replace=False)] = 0.5  # > vs >= differ here
    score = np.round(score, 4)
    return dict(group=group, label=label, score=score, prediction=(score > 0.5).astype(int))


def datasets(split):
    frame = pd.DataFrame({"g": split["group"].astype(float), "y": split["label"].astype(float)})
    truth = BinaryLabelDataset(df=frame, label_names=["y"], protected_attribute_names=["g"],
                               favorable_label=1.0, unfavorable_label=0.0)
    predicted = truth.copy(deepcopy=True)
    predicted.labels = split["prediction"].reshape(-1, 1).astype(float)
    predicted.scores = split["score"].reshape(-1, 1).astype(float)
    return truth, predicted


def as_ints(values):
    return [int(v) for v in np.ravel(values)]


def as_floats(values):
    return [float(v) for v in np.ravel(values)]


# ------------------------------------------------------------------------------------------- EqOdds

def group_rates(split, privileged):
    in_group = split["group"] == (1 if privileged else 0)
    y, p = split["label"][in_group], split["prediction"][in_group]
    counts = dict(rows=int(in_group.sum()), positives=int((y == 1).sum()), negatives=int((y == 0).sum()),
                  tp=int(((y == 1) & (p == 1)).sum()), fn=int(((y == 1) & (p == 0)).sum()),
                  fp=int(((y == 0) & (p == 1)).sum()), tn=int(((y == 0) & (p == 0)).sum()))
    return counts


def exact_eq_odds_lp(split):
    """Minimise c.x over x in [0,1]^4 with A_eq x = 0, in rationals: every vertex has two coordinates at a bound."""
    s, o = group_rates(split, True), group_rates(split, False)
    rate = lambda n, d: Fraction(n, d)  # noqa: E731
    tpr_s, fnr_s, fpr_s, tnr_s = (rate(s["tp"], s["positives"]), rate(s["fn"], s["positives"]),
                                  rate(s["fp"], s["negatives"]), rate(s["tn"], s["negatives"]))
    tpr_o, fnr_o, fpr_o, tnr_o = (rate(o["tp"], o["positives"]), rate(o["fn"], o["positives"]),
                                  rate(o["fp"], o["negatives"]), rate(o["tn"], o["negatives"]))
    c = [fpr_s - tpr_s, tnr_s - fnr_s, fpr_o - tpr_o, tnr_o - fnr_o]
    a_eq = [[tpr_s, fnr_s, -tpr_o, -fnr_o], [fpr_s, tnr_s, -fpr_o, -tnr_o]]
    vertices = set()
    for fixed in combinations(range(4), 2):
        free = [i for i in range(4) if i not in fixed]
        for values in product((Fraction(0), Fraction(1)), repeat=2):
            x = [None] * 4
            for i, v in zip(fixed, values):
                x[i] = v
            # Solve the 2x2 system for the free coordinates.
            (a, b), (cc, d) = [[row[j] for j in free] for row in a_eq]
            r0 = -sum(row_v * x[i] for i, row_v in zip(fixed, [a_eq[0][i] for i in fixed]))
            r1 = -sum(row_v * x[i] for i, row_v in zip(fixed, [a_eq[1][i] for i in fixed]))
            det = a * d - b * cc
            if det == 0:
                continue
            x[free[0]] = (r0 * d - b * r1) / det
            x[free[1]] = (a * r1 - cc * r0) / det
            if all(0 <= v <= 1 for v in x):
                vertices.add(tuple(x))
    best = min(sum(ci * xi for ci, xi in zip(c, v)) for v in vertices)
    optima = sorted(v for v in vertices if sum(ci * xi for ci, xi in zip(c, v)) == best)
    return dict(c=c, a_eq=a_eq, objective=best, optima=optima, vertex_count=len(vertices))


def eq_odds(validation, test):
    truth, predicted = datasets(validation)
    _, test_predicted = datasets(test)
    start = time.perf_counter()
    model = EqOddsPostprocessing(UNPRIVILEGED, PRIVILEGED, seed=EQ_ODDS_SEED).fit(truth, predicted)
    drawn = model.predict(test_predicted)
    runtime = time.perf_counter() - start
    result = model.model_params
    x = [float(v) for v in result.x]
    sp2p, sn2p, op2p, on2p = x

    exact = exact_eq_odds_lp(validation)
    assert len(exact["optima"]) == 1, f"EqOdds LP has {len(exact['optima'])} optimal vertices"
    assert max(abs(float(a) - b) for a, b in zip(exact["optima"][0], x)) < 1e-9, (exact["optima"], x)
    assert abs(float(exact["objective"]) - result.fun) < 1e-12

    metric = ClassificationMetric(truth, predicted, unprivileged_groups=UNPRIVILEGED, privileged_groups=PRIVILEGED)
    rates = {}
    for key, privileged in (("privileged", True), ("unprivileged", False)):
        rates[key] = dict(base_rate=metric.base_rate(privileged=privileged),
                          tpr=metric.true_positive_rate(privileged=privileged),
                          fpr=metric.false_positive_rate(privileged=privileged),
                          tnr=metric.true_negative_rate(privileged=privileged),
                          fnr=metric.false_negative_rate(privileged=privileged),
                          **group_rates(validation, privileged))
    c_aif = [rates["privileged"]["fpr"] - rates["privileged"]["tpr"], rates["privileged"]["tnr"] - rates["privileged"]["fnr"],
             rates["unprivileged"]["fpr"] - rates["unprivileged"]["tpr"],
             rates["unprivileged"]["tnr"] - rates["unprivileged"]["fnr"]]
    assert max(abs(a - float(b)) for a, b in zip(c_aif, exact["c"])) < 1e-15

    # Per-row P(y_hat = 1) on test, and AIF360's flip counts.
    group, hard = test["group"], test["prediction"]
    p_rates = np.where(group == 1, np.where(hard == 1, sp2p, sn2p), np.where(hard == 1, op2p, on2p))
    p_counts = np.zeros(len(hard))
    counts = {}
    for key, g, p2p, n2p in (("privileged", 1, sp2p, sn2p), ("unprivileged", 0, op2p, on2p)):
        n_pos = int(((group == g) & (hard == 1)).sum())
        n_neg = int(((group == g) & (hard == 0)).sum())
        to_neg = int(n_pos * (1 - p2p))
        to_pos = int(n_neg * n2p)
        counts[key] = dict(predicted_positive=n_pos, predicted_negative=n_neg,
                           flipped_positive_to_negative=to_neg, flipped_negative_to_positive=to_pos)
        p_counts[(group == g) & (hard == 1)] = 1 - to_neg / n_pos
        p_counts[(group == g) & (hard == 0)] = to_pos / n_neg
    drawn_labels = np.ravel(drawn.labels).astype(int)

    # Replay the draw: seed, then per group (privileged first) shuffle the positions (within the group, in
    # row order) of hard-positive rows, then of hard-negative rows; the first floor(n_neg * n2p) shuffled
    # negatives become 1, the first floor(n_pos * (1 - p2p)) shuffled positives become 0.
    rng = LegacyMT19937(EQ_ODDS_SEED)
    replay = hard.copy()
    for key, g in (("privileged", 1), ("unprivileged", 0)):
        rows = np.flatnonzero(group == g)
        local = hard[rows]
        pos = rng.shuffle(np.flatnonzero(local == 1).tolist())
        neg = rng.shuffle(np.flatnonzero(local == 0).tolist())
        for i in neg[:counts[key]["flipped_negative_to_positive"]]:
            replay[rows[i]] = 1
        for i in pos[:counts[key]["flipped_positive_to_negative"]]:
            replay[rows[i]] = 0
    assert np.array_equal(replay, drawn_labels), "EqOdds draw replay differs"
    for key, g in (("privileged", 1), ("unprivileged", 0)):
        in_group = group == g
        assert ((hard == 1) & (drawn_labels == 0) & in_group).sum() == counts[key]["flipped_positive_to_negative"]
        assert ((hard == 0) & (drawn_labels == 1) & in_group).sum() == counts[key]["flipped_negative_to_positive"]

    a_eq = [[float(v) for v in row] for row in exact["a_eq"]]
    return dict(
        seed=EQ_ODDS_SEED,
        validation_rates=rates,
        lp=dict(variables=["priv_p2p", "priv_n2p", "unpriv_p2p", "unpriv_n2p"],
                c=c_aif, A_eq=a_eq, b_eq=[0.0, 0.0], bounds="0 <= x_i <= 1 (A_ub rows plus linprog's default x >= 0)",
                scipy_method="highs (linprog default)", scipy_status=int(result.status),
                scipy_message=str(result.message), scipy_nit=int(result.nit), objective=float(result.fun),
                exact_optimum=[float(v) for v in exact["optima"][0]],
                exact_optimum_fractions=[str(v) for v in exact["optima"][0]],
                optimal_vertex_count=len(exact["optima"]), feasible_vertex_count=exact["vertex_count"]),
        mixing_rates=dict(priv_p2p=sp2p, priv_n2p=sn2p, unpriv_p2p=op2p, unpriv_n2p=on2p),
        test_counts=counts,
        test_p_favorable_rates=as_floats(p_rates),
        test_p_favorable_counts=as_floats(p_counts),
        test_predictions=as_ints(drawn_labels),
        runtime_seconds=runtime,
    )


# ---------------------------------------------------------------------------------- CalibratedEqOdds

def independent_costs(split, constraint):
    """Group cost and trivial cost as Pleiss et al. define them (unit weights)."""
    out = {}
    for key, g in (("privileged", 1), ("unprivileged", 0)):
        in_group = split["group"] == g
        y, s = split["label"][in_group], split["score"][in_group]
        base_rate = (y == 1).sum() / in_group.sum()
        gfpr = s[y == 0].sum() / (y == 0).sum()
        gfnr = (1.0 - s[y == 1]).sum() / (y == 1).sum()
        if constraint == "fpr":
            cost, trivial = gfpr, base_rate
        elif constraint == "fnr":
            cost, trivial = gfnr, 1 - base_rate
        else:
            cost = 0.5 * gfpr * (1 - base_rate) + 0.5 * gfnr * base_rate
            trivial = base_rate * (1 - base_rate)
        out[key] = dict(cost=cost, trivial=trivial, base_rate=base_rate, gfpr=gfpr, gfnr=gfnr)
    return out


def calibrated_eq_odds(validation, test):
    truth, predicted = datasets(validation)
    _, test_predicted = datasets(test)
    trivial = predicted.copy(deepcopy=True)
    metric = ClassificationMetric(truth, predicted, unprivileged_groups=UNPRIVILEGED, privileged_groups=PRIVILEGED)
    base_priv, base_unpriv = metric.base_rate(privileged=True), metric.base_rate(privileged=False)
    trivial.scores[validation["group"] == 1] = base_priv
    trivial.scores[validation["group"] == 0] = base_unpriv
    metric_trivial = ClassificationMetric(truth, trivial, unprivileged_groups=UNPRIVILEGED,
                                          privileged_groups=PRIVILEGED)
    out = dict(seed=CEO_SEED, threshold=0.5, base_rate_priv=base_priv, base_rate_unpriv=base_unpriv,
               generalized_rates={key: dict(gfpr=metric.generalized_false_positive_rate(privileged=p),
                                            gfnr=metric.generalized_false_negative_rate(privileged=p),
                                            trivial_gfpr=metric_trivial.generalized_false_positive_rate(privileged=p),
                                            trivial_gfnr=metric_trivial.generalized_false_negative_rate(privileged=p))
                                  for key, p in (("privileged", True), ("unprivileged", False))},
               cases={})
    for constraint in ("fnr", "fpr", "weighted"):
        start = time.perf_counter()
        model = CalibratedEqOddsPostprocessing(UNPRIVILEGED, PRIVILEGED, cost_constraint=constraint,
                                               seed=CEO_SEED).fit(truth, predicted)
        drawn = model.predict(test_predicted)
        runtime = time.perf_counter() - start
        assert model.base_rate_priv == base_priv and model.base_rate_unpriv == base_unpriv

        if constraint == "fpr":
            cost = lambda m, p: m.generalized_false_positive_rate(privileged=p)  # noqa: E731
        elif constraint == "fnr":
            cost = lambda m, p: m.generalized_false_negative_rate(privileged=p)  # noqa: E731
        else:
            cost = lambda m, p: weighted_cost(1, 1, m, privileged=p)  # noqa: E731
        costs = dict(priv_cost=cost(metric, True), unpriv_cost=cost(metric, False),
                     priv_trivial_cost=cost(metric_trivial, True), unpriv_trivial_cost=cost(metric_trivial, False))
        mine = independent_costs(validation, constraint)
        for name, key, field in (("priv_cost", "privileged", "cost"), ("unpriv_cost", "unprivileged", "cost"),
                                 ("priv_trivial_cost", "privileged", "trivial"),
                                 ("unpriv_trivial_cost", "unprivileged", "trivial")):
            assert abs(costs[name] - mine[key][field]) < 1e-12, (constraint, name)
        unpriv_more = costs["unpriv_cost"] > costs["priv_cost"]
        priv_mix = ((costs["unpriv_cost"] - costs["priv_cost"]) / (costs["priv_trivial_cost"] - costs["priv_cost"])
                    if unpriv_more else 0.0)
        unpriv_mix = (0.0 if unpriv_more else
                      (costs["priv_cost"] - costs["unpriv_cost"]) / (costs["unpriv_trivial_cost"] - costs["unpriv_cost"]))
        assert abs(priv_mix - model.priv_mix_rate) < 1e-12 and abs(unpriv_mix - model.unpriv_mix_rate) < 1e-12

        group, score = test["group"], test["score"]
        rate = np.where(group == 1, float(model.priv_mix_rate), float(model.unpriv_mix_rate))
        base = np.where(group == 1, base_priv, base_unpriv)
        clipped = np.clip(rate, 0.0, 1.0)
        p_fav = clipped * (base >= 0.5) + (1 - clipped) * (score >= 0.5)
        drawn_labels = np.ravel(drawn.labels).astype(int)

        # Replay: seed; one uniform per unprivileged test row (row order), then one per privileged row; a row
        # is replaced by its group's base rate when uniform <= mix rate; label = (score >= 0.5).
        rng = LegacyMT19937(CEO_SEED)
        mixed = np.zeros(len(group), dtype=bool)
        for g, r in ((0, model.unpriv_mix_rate), (1, model.priv_mix_rate)):
            for i in np.flatnonzero(group == g):
                mixed[i] = rng.random() <= r
        new_score = np.where(mixed, base, score)
        assert np.array_equal(new_score, np.ravel(drawn.scores)), "CEO score replay differs"
        assert np.array_equal((new_score >= 0.5).astype(int), drawn_labels), "CEO label replay differs"

        out["cases"][constraint] = dict(
            **costs,
            mixed_group="privileged" if unpriv_more else "unprivileged",
            priv_mix_rate=float(model.priv_mix_rate), unpriv_mix_rate=float(model.unpriv_mix_rate),
            test_p_favorable=as_floats(p_fav),
            test_mixed_rows=int(mixed.sum()),
            test_predictions=as_ints(drawn_labels),
            runtime_seconds=runtime,
        )
    return out


# ------------------------------------------------------------------------------------ RejectOption

def roc_labels(score, group, threshold, margin):
    labels = (score > threshold).astype(int)
    critical = (score <= threshold + margin) & (score > threshold - margin)
    labels[critical & (group == 1)] = 0
    labels[critical & (group == 0)] = 1
    return labels


ROC_DEFAULTS = dict(low_class_thresh=0.01, high_class_thresh=0.99, num_class_thresh=100, num_ROC_margin=50)


def roc_grid(split, low_class_thresh, high_class_thresh, num_class_thresh, num_ROC_margin):
    """Balanced accuracy and the three metrics on validation for every (threshold, margin), unit weights,
    in the same floating-point operations AIF360's metrics use."""
    thresholds = np.linspace(low_class_thresh, high_class_thresh, num_class_thresh)
    margins = np.array([np.linspace(0.0, t if t <= 0.5 else 1.0 - t, num_ROC_margin) for t in thresholds])
    y, g, s = split["label"], split["group"], split["score"]
    shape = (num_class_thresh, num_ROC_margin)
    ba = np.zeros(shape)
    metrics = {key: np.zeros(shape) for key in ROC_METRICS.values()}
    pos, neg = float((y == 1).sum()), float((y == 0).sum())
    per = {k: dict(n=float((g == k).sum()), pos=float(((g == k) & (y == 1)).sum()),
                   neg=float(((g == k) & (y == 0)).sum())) for k in (0, 1)}
    for i, t in enumerate(thresholds):
        for j, m in enumerate(margins[i]):
            p = roc_labels(s, g, t, m)
            tp, tn = float(((p == 1) & (y == 1)).sum()), float(((p == 0) & (y == 0)).sum())
            ba[i, j] = 0.5 * (tp / pos + tn / neg)
            sel, tpr, fpr = {}, {}, {}
            for k in (0, 1):
                in_k = g == k
                sel[k] = float((in_k & (p == 1)).sum()) / per[k]["n"]
                tpr[k] = float((in_k & (p == 1) & (y == 1)).sum()) / per[k]["pos"]
                fpr[k] = float((in_k & (p == 1) & (y == 0)).sum()) / per[k]["neg"]
            metrics["statistical_parity_difference"][i, j] = sel[0] - sel[1]
            metrics["average_odds_difference"][i, j] = 0.5 * ((fpr[0] - fpr[1]) + (tpr[0] - tpr[1]))
            metrics["equal_opportunity_difference"][i, j] = tpr[0] - tpr[1]
    return thresholds, margins, ba, metrics


def aif360_grid_point(truth, predicted, threshold, margin):
    model = RejectOptionClassification(UNPRIVILEGED, PRIVILEGED)
    model.classification_threshold, model.ROC_margin = threshold, margin
    transformed = model.predict(predicted)
    cm = ClassificationMetric(truth, transformed, unprivileged_groups=UNPRIVILEGED, privileged_groups=PRIVILEGED)
    bm = BinaryLabelDatasetMetric(transformed, unprivileged_groups=UNPRIVILEGED, privileged_groups=PRIVILEGED)
    return (0.5 * (cm.true_positive_rate() + cm.true_negative_rate()),
            dict(statistical_parity_difference=bm.mean_difference(),
                 average_odds_difference=cm.average_odds_difference(),
                 equal_opportunity_difference=cm.equal_opportunity_difference()))


def reject_option(validation, test, spec):
    truth, predicted = datasets(validation)
    _, test_predicted = datasets(test)
    grids = {}

    def grid(params):
        key = tuple(sorted(params.items()))
        if key not in grids:
            thresholds, margins, ba, metrics = roc_grid(validation, **params)
            # The recomputed grid must equal AIF360's numbers bit for bit.
            check_rng = np.random.default_rng(spec["seed"] + len(grids) + 1)
            rows, cols = margins.shape
            points = set(zip(check_rng.integers(0, rows, 300).tolist(), check_rng.integers(0, cols, 300).tolist()))
            points |= {(i, j) for i in (0, rows // 2 - 1, rows // 2, rows - 1) for j in range(cols)}
            for i, j in sorted(points):
                a_ba, a_metrics = aif360_grid_point(truth, predicted, thresholds[i], margins[i, j])
                assert a_ba == ba[i, j], (i, j, a_ba, ba[i, j])
                for name, value in a_metrics.items():
                    assert value == metrics[name][i, j], (i, j, name, value, metrics[name][i, j])
            grids[key] = (thresholds, margins, ba, metrics)
        return grids[key]

    cases = []
    for metric_name, lb, ub, *extra in spec["roc_cases"]:
        params = dict(ROC_DEFAULTS, **(extra[0] if extra else {}))
        thresholds, margins, ba, metrics = grid(params)
        key = ROC_METRICS[metric_name]
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = RejectOptionClassification(UNPRIVILEGED, PRIVILEGED, metric_name=metric_name,
                                               metric_lb=lb, metric_ub=ub, **params).fit(truth, predicted)
        drawn = model.predict(test_predicted)
        runtime = time.perf_counter() - start
        fell_back = any("Unable to satisy fairness constraints" in str(w.message) for w in caught)

        # Independent selection: first (threshold-major, margin-minor) in-bounds point with the largest
        # balanced accuracy; if none, the first point with the smallest (signed) metric.
        flat_metric, flat_ba = metrics[key].ravel(), ba.ravel()
        within = (flat_metric >= lb) & (flat_metric <= ub)
        if within.any():
            tied = np.flatnonzero(within & (flat_ba == flat_ba[within].max()))
        else:
            tied = np.flatnonzero(flat_metric == flat_metric.min())
        index = int(tied[0])
        assert fell_back == (not within.any())
        i, j = divmod(index, margins.shape[1])
        assert model.classification_threshold == thresholds[i] and model.ROC_margin == margins[i, j], \
            (metric_name, lb, ub, model.classification_threshold, model.ROC_margin, thresholds[i], margins[i, j])
        test_labels = np.ravel(drawn.labels).astype(int)
        assert np.array_equal(test_labels, roc_labels(test["score"], test["group"], thresholds[i], margins[i, j]))
        cases.append(dict(
            metric_name=metric_name, metric_lb=lb, metric_ub=ub, grid=params,
            within_bounds_count=int(within.sum()), fell_back=fell_back,
            tied_best=[list(divmod(int(t), margins.shape[1])) for t in tied],
            classification_threshold=float(model.classification_threshold), roc_margin=float(model.ROC_margin),
            threshold_index=i, margin_index=j,
            validation_balanced_accuracy=float(ba[i, j]), validation_metric=float(metrics[key][i, j]),
            test_predictions=as_ints(test_labels),
            runtime_seconds=runtime,
        ))
    out = dict(cases=cases)
    if spec["store_roc_grid"]:
        thresholds, margins, ba, metrics = grid(ROC_DEFAULTS)
        out["grid"] = dict(params=ROC_DEFAULTS, thresholds=as_floats(thresholds),
                           margins=[as_floats(row) for row in margins],
                           balanced_accuracy=[as_floats(row) for row in ba],
                           metrics={k: [as_floats(row) for row in v] for k, v in metrics.items()})
    return out


# ------------------------------------------------------------------------------------------------ main

def make_scenario(spec):
    rng = np.random.default_rng(spec["seed"])
    validation = make_split(rng, spec["validation_rows"], spec)
    test = make_split(rng, spec["test_rows"], spec)
    generator = {k: v for k, v in spec.items() if k not in ("name", "roc_cases", "store_roc_grid")}
    generator["model"] = ("group g (1 with probability privileged_share), label ~ Bernoulli(base_rate[g]), "
                          "x ~ Normal(mean[g][label], sd[g]), score = round(clip(sigmoid(1.1 x + 0.15)), 4) "
                          "with forced_half rows per split set to 0.5, prediction = score > 0.5")
    split_json = lambda s: dict(group=as_ints(s["group"]), label=as_ints(s["label"]),  # noqa: E731
                                score=as_floats(s["score"]), prediction=as_ints(s["prediction"]))
    return dict(
        name=spec["name"],
        generator=generator,
        validation=split_json(validation),
        test=split_json(test),
        eq_odds=eq_odds(validation, test),
        calibrated_eq_odds=calibrated_eq_odds(validation, test),
        reject_option=reject_option(validation, test, spec),
    )


def main():
    golden = dict(
        generated_by=dict(aif360=aif360.__version__, numpy=np.__version__, scipy=scipy.__version__,
                          pandas=pd.__version__),
        conventions=dict(privileged_group_code=1, unprivileged_group_code=0, favorable_label=1,
                         instance_weights="all 1",
                         fit="validation: true labels + predicted dataset (hard predictions as labels, scores)",
                         predict="test predicted dataset"),
        scenarios=[make_scenario(spec) for spec in SCENARIOS],
    )
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(OUTPUT, f"{OUTPUT.stat().st_size} bytes")
    for scenario in golden["scenarios"]:
        eo, ceo, roc = scenario["eq_odds"], scenario["calibrated_eq_odds"], scenario["reject_option"]
        print(scenario["name"], "eq_odds", eo["mixing_rates"], f"{eo['runtime_seconds']:.3f}s")
        for name, case in ceo["cases"].items():
            print(" ceo", name, case["mixed_group"], case["priv_mix_rate"], case["unpriv_mix_rate"],
                  f"{case['runtime_seconds']:.3f}s")
        for case in roc["cases"]:
            print(" roc", case["metric_name"], case["metric_lb"], case["metric_ub"], case["classification_threshold"],
                  case["roc_margin"], "within", case["within_bounds_count"], "fallback", case["fell_back"],
                  f"{case['runtime_seconds']:.2f}s")


if __name__ == "__main__":
    main()
