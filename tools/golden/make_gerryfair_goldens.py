"""Golden values for fairlab's gerryfair plugin, computed with AIF360 0.6.1's GerryFairClassifier
(aif360.algorithms.inprocessing.gerryfair_classifier, Kearns, Neel, Roth & Wu 2018, "FairFictPlay") and its
default predictor, scikit-learn's LinearRegression. The algorithm as AIF360 implements it is written up in
/work/notes/gerryfair.md.

Makes Tests/FairlabHostTests/Fixtures/gerryfair_goldens.json. Rerun with:

    PATH=/work/pyenv/bin:$PATH python tools/golden/make_gerryfair_goldens.py

Inputs (all in the fixture, so a Swift test needs no HDF5): the first 300 rows of datasets/german.h5 (fairlab
format, read by tools/fairlab_dataset.py), all 58 feature columns in file order, as stored (every stored value is
an integer, written as such under `inputs.raw`), and the labels (1 = good credit). The matrix given to AIF360 is

    X[i][j] = (raw[i][j] - mean[j]) / scale[j]        (one IEEE subtraction and one division, float64)

with `inputs.mean[j]` = numpy's mean of column j over the 300 rows and `inputs.scale[j]` = numpy's population
standard deviation (ddof = 0), both written at full precision (no column is constant in these rows), so the
matrix is rebuilt bit for bit. German's `personal_status` feature column is sex (1 = male, A91 / A93 / A94) and
its `age` column is 1 for age > 25: a case's `protected` names the columns that are AIF360's protected attributes,
i.e. its X_prime (the auditor's regressors), in that order; X (the learner's regressors) is every column,
protected ones included, as AIF360 uses them.

Each case is AIF360's GerryFairClassifier(C, gamma, max_iters, fairness_def, early_termination).fit on a
BinaryLabelDataset of those rows (feature columns named as in the file, label `__label`, favourable 1.0), then
predict(threshold=0.5) (`labels`) and predict(threshold=0) (`scores`, the raw mixture average y_hat: AIF360
returns it when `threshold` is falsy) on the same rows. `trace` is recorded by a replay of fit() that calls
AIF360's own Learner / Auditor objects in fit()'s order and reads their internals; the script checks the replay
gives exactly fit()'s errors, fairness_violations and hypotheses. Per round t = 1, 2, ...:

    cost_label0 / cost_label1  the learner's non-zero cost vector at round t (costs_1 for FP, costs_0 for FN; the
                               other is all 0.0) on rows labelled 0 / 1: constant within each label (asserted; see
                               the notes for why), so one number each
    hypothesis                 the round's classifier on the 300 rows, a string of '0' / '1'
    hypothesis_min_abs_margin  min over rows of |fitted cost| of that classifier's non-zero regression (how close
                               a row is to flipping)
    error                      mean |mixture - y| over the rows (AIF360's `errors`)
    baseline                   the auditor's metric_baseline (FP: mean mixture on y = 0 rows; FN: mean of
                               1 - mixture on y = 1 rows)
    audit.positive / .negative the two audit regressions on the subset (LinearRegression coef_ / intercept_ over
                               the `protected` columns), group member count, group rate, disparity, weighted
                               disparity, exactly as AIF360 computes them (its `neg` rate is over the complement of
                               the positive group - see the notes)
    direction                  +1 (positive chosen) / -1 (negative chosen; only if its weighted disparity is
                               strictly larger)
    weighted_disparity         AIF360's `fairness_violations` entry for the round
    members                    the chosen group's membership on the subset rows in dataset order ('0' / '1')
    g_weight, g_first          mean membership over the subset and the membership of the subset's first row
    group_cost                 the additive cost term of the round, 0.0 when weighted_disparity < gamma (`gated`)

Subset = rows labelled 0 for FP, rows labelled 1 for FN (AIF360 flips the labels for FN).

`per_row` (each case): the same fit with AIF360's Auditor.update_costs replaced by the paper's update, in which each
audited row's cost uses its own membership of the chosen group (AIF360 0.6.1 resets its row counter inside the
loop, so every audited row gets the first one's, and the penalty is the same for all of them); everything else is
AIF360's own code. This is what fairlab's gerryfair computes: `rounds`, `errors`, `fairness_violations`, `scores`
(predict's mixture average) and `labels`. Where no round's penalty is active (every weighted disparity below
gamma) the two fits are the same, which the script checks.

The script stops with an AssertionError if a cross-check fails.
"""
import contextlib
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
import sklearn  # noqa: E402
import fairlab_dataset  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.algorithms.inprocessing.gerryfair_classifier import GerryFairClassifier  # noqa: E402
from aif360.algorithms.inprocessing.gerryfair import clean  # noqa: E402
from aif360.algorithms.inprocessing.gerryfair.auditor import Auditor  # noqa: E402
from aif360.algorithms.inprocessing.gerryfair.learner import Learner  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASET = ROOT / "datasets/german.h5"
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/gerryfair_goldens.json"
ROWS = 300

# (name, fairness_def, C, gamma, max_iters, protected columns, early_termination)
CASES = [
    ("fp_default_sex", "FP", 10.0, 0.01, 10, ["personal_status"], True),
    ("fn_default_sex", "FN", 10.0, 0.01, 10, ["personal_status"], True),
    ("fp_default_sex_no_early_stop", "FP", 10.0, 0.01, 10, ["personal_status"], False),
    ("fn_sex_gamma0.002", "FN", 10.0, 0.002, 10, ["personal_status"], True),
    ("fp_age_sex_C3_gamma0.002_T11", "FP", 3.0, 0.002, 11, ["age", "personal_status"], True),
    ("fn_age_sex_C3_gamma0.002_T13", "FN", 3.0, 0.002, 13, ["age", "personal_status"], True),
]


def bits(values):
    return "".join(str(int(v)) for v in values)


def inputs():
    d = fairlab_dataset.load(DATASET)
    raw = d["features"][:ROWS]
    assert np.array_equal(raw, np.round(raw)), "the stored values are not all integers"
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    assert np.all(scale > 0)
    x = (raw - mean) / scale
    return d["names"], raw, d["labels"][:ROWS], mean, scale, x


def dataset(names, x, y, protected):
    frame = pd.DataFrame(x, columns=names)
    frame["__label"] = y
    return BinaryLabelDataset(df=frame, label_names=["__label"], protected_attribute_names=list(protected),
                              favorable_label=1.0, unfavorable_label=0.0)


def audit_side(auditor, predictions, baseline, sign):
    """Recomputes one of Auditor.get_group's two regressions (sign +1 = `func`, -1 = `func_neg`), returning its
    oracle; the rest is read from get_group itself."""
    from sklearn import linear_model
    x_sub, p_sub = auditor.get_subset(predictions)
    n = float(len(auditor.y))
    cost = (-1.0 / n * (baseline - np.asarray(p_sub))) if sign > 0 else (-1.0 / n * (np.asarray(p_sub) - baseline))
    reg = linear_model.LinearRegression().fit(x_sub, cost)
    return reg


class RowwiseAuditor(Auditor):
    """AIF360's Auditor with the paper's cost update: each audited row's own membership of the group."""

    def update_costs(self, c_0, c_1, group, C, iteration, gamma):
        n = len(self.y)
        live = list(c_1 if self.fairness_def == "FP" else c_0)
        members = group.func.predict(self.X_prime_0)
        share = np.sum(members) / float(self.X_prime_0.shape[0])
        active = not np.abs(group.weighted_disparity) < gamma
        audited = 0
        for i in range(n):
            if self.y[i] == 0:
                term = (1.0 / n) * group.disparity_direction * C * (1.0 / iteration) * (share - members[audited]) if active else 0.0
                live[i] = (live[i] - 1.0 / n) * ((iteration - 1.0) / iteration) + term + 1.0 / n
                audited += 1
            else:
                live[i] = -1.0 / n
        return (tuple(c_0), tuple(live)) if self.fairness_def == "FP" else (tuple(live), tuple(c_1))


@contextlib.contextmanager
def rowwise_costs():
    """GerryFairClassifier.fit uses RowwiseAuditor in place of AIF360's Auditor while inside."""
    import aif360.algorithms.inprocessing.gerryfair_classifier as module
    shipped = module.Auditor
    module.Auditor = RowwiseAuditor
    try:
        yield
    finally:
        module.Auditor = shipped


def per_row_fit(ds, fairness_def, C, gamma, max_iters, early_termination):
    """GerryFairClassifier.fit with per-row costs (`rowwise_costs`); its record and predictions on ds."""
    model = GerryFairClassifier(C=C, gamma=gamma, max_iters=max_iters, fairness_def=fairness_def)
    with rowwise_costs():
        model.fit(ds, early_termination=early_termination)
    labels = model.predict(ds).labels.ravel()
    scores = model.predict(ds, threshold=0).labels.ravel()
    return dict(rounds=len(model.errors), errors=[float(e) for e in model.errors],
                fairness_violations=[float(v) for v in model.fairness_violations],
                scores=[float(v) for v in scores], labels=[int(v) for v in labels], accuracy=float(np.mean(labels == ds.labels.ravel())))


def replay(ds, fairness_def, C, gamma, max_iters, early_termination):
    """fit()'s loop (gerryfair_classifier.py), with AIF360's Learner and Auditor, recording the internals."""
    X, X_prime, y = clean.extract_df_from_ds(ds)
    learner = Learner(X, y, GerryFairClassifier().predictor)
    auditor = Auditor(ds, fairness_def)
    n = X.shape[0]
    costs_0, costs_1, _ = auditor.initialize_costs(n)
    predictions = [0.0] * n
    errors, violations, hypotheses, trace = [], [], [], []
    y_arr = np.asarray(y)
    iteration = 1
    stop_reason = "max_iters"
    while iteration < max_iters:
        live = np.asarray(costs_1 if fairness_def == "FP" else costs_0)
        dead = np.asarray(costs_0 if fairness_def == "FP" else costs_1)
        assert np.all(dead == 0.0)
        c0 = np.unique(live[y_arr == 0])
        c1 = np.unique(live[y_arr == 1])
        assert len(c0) == 1 and len(c1) == 1, "costs not constant within a label"
        hyp = learner.best_response(costs_0, costs_1)
        reg_live = hyp.b1 if fairness_def == "FP" else hyp.b0
        reg_dead = hyp.b0 if fairness_def == "FP" else hyp.b1
        assert np.all(reg_dead.predict(X) == 0.0) and np.all(reg_dead.coef_ == 0) and reg_dead.intercept_ == 0
        fitted = reg_live.predict(X)
        hypotheses.append(hyp)
        error, predictions = learner.generate_predictions(hyp, predictions, iteration)
        baseline = auditor.get_baseline(y, predictions)
        group = auditor.get_group(predictions, baseline)
        pos = audit_side(auditor, predictions, baseline, +1)
        neg = audit_side(auditor, predictions, baseline, -1)
        x_sub, p_sub = auditor.get_subset(predictions)
        p_sub = np.asarray(p_sub)
        m_pos = (pos.predict(x_sub) < 0).astype(int)
        m_neg = (neg.predict(x_sub) < 0).astype(int)
        nf = float(len(auditor.y))

        def side(reg, members, rate_members):
            rate = 0.0 if members.sum() == 0 else float(np.mean(p_sub[rate_members == 1]))
            size = float(np.sum(members) * 1.0 / nf)
            disp = float(np.abs(rate - baseline))
            return dict(coef=[float(c) for c in reg.coef_], intercept=float(reg.intercept_), members=int(members.sum()),
                        rate=rate, size=size, disparity=disp, weighted_disparity=disp * size)
        audit_pos = side(pos, m_pos, m_pos)
        audit_neg = side(neg, m_neg, 1 - m_pos)  # AIF360: neg rate over group_members_0 == 0
        chosen = group.func.predict(auditor.X_prime_0)
        assert group.weighted_disparity == (audit_neg if group.disparity_direction == -1 else audit_pos)["weighted_disparity"]
        assert np.array_equal(chosen, m_neg if group.disparity_direction == -1 else m_pos)
        g_weight = float(np.sum(chosen) * (1.0 / float(auditor.X_prime_0.shape[0])))
        gated = bool(np.abs(group.weighted_disparity) < gamma)
        group_cost = 0.0 if gated else float((1.0 / n) * group.disparity_direction * C * (1.0 / iteration) * (g_weight - chosen[0]))
        costs_0, costs_1 = auditor.update_costs(costs_0, costs_1, group, C, iteration, gamma)
        errors.append(error)
        violations.append(group.weighted_disparity)
        trace.append(dict(
            round=iteration, cost_label0=float(c0[0]), cost_label1=float(c1[0]), hypothesis=bits(hyp.predict(X)),
            hypothesis_min_abs_margin=float(np.min(np.abs(fitted))), error=float(error), baseline=float(baseline),
            audit=dict(positive=audit_pos, negative=audit_neg), direction=int(group.disparity_direction),
            weighted_disparity=float(group.weighted_disparity), disparity=float(group.disparity),
            group_size=float(group.group_size), members=bits(chosen), g_weight=g_weight, g_first=int(chosen[0]),
            gated=gated, group_cost=group_cost))
        iteration += 1
        if early_termination and (len(errors) >= 5) and ((errors[-1] == errors[-2]) or violations[-1] == violations[-2]) \
                and violations[-1] < gamma:
            stop_reason = ("early: errors[-1] == errors[-2]" if errors[-1] == errors[-2] else
                           "early: fairness_violations[-1] == fairness_violations[-2]")
            iteration = max_iters
    return errors, violations, hypotheses, trace, stop_reason, X


def main():
    names, raw, y, mean, scale, x = inputs()
    cases = []
    for name, fairness_def, C, gamma, max_iters, protected, early in CASES:
        ds = dataset(names, x, y, protected)
        model = GerryFairClassifier(C=C, gamma=gamma, max_iters=max_iters, fairness_def=fairness_def)
        model.fit(ds, early_termination=early)
        errors, violations, hypotheses, trace, stop_reason, X = replay(ds, fairness_def, C, gamma, max_iters, early)
        assert errors == list(model.errors) and violations == list(model.fairness_violations), name
        assert len(hypotheses) == len(model.classifiers)
        for a, b in zip(hypotheses, model.classifiers):
            assert np.array_equal(a.predict(X), b.predict(X)), name
        labels = model.predict(ds).labels.ravel()
        scores = model.predict(ds, threshold=0).labels.ravel()
        # predict's y_hat: sequential sum of hypothesis_k / N (N = number of hypotheses), label = y_hat >= 0.5
        votes = np.zeros(len(y))
        for hyp in hypotheses:
            votes = np.add(votes, hyp.predict(X) / len(hypotheses))
        assert np.array_equal(votes, scores) and np.array_equal(labels, (scores >= 0.5).astype(float)), name
        fitted0 = (hypotheses[0].b1 if fairness_def == "FP" else hypotheses[0].b0).predict(X)
        per_row = per_row_fit(ds, fairness_def, C, gamma, max_iters, early)
        if all(step["gated"] for step in trace):
            assert per_row["errors"] == [float(e) for e in errors] and per_row["labels"] == [int(v) for v in labels], name
        cases.append(dict(
            name=name, fairness_def=fairness_def, C=C, gamma=gamma, max_iters=max_iters, early_termination=early,
            protected=protected, protected_columns=[names.index(p) for p in protected],
            rounds=len(errors), stop=stop_reason, errors=[float(e) for e in errors],
            fairness_violations=[float(v) for v in violations],
            first_round_fitted_costs=[float(v) for v in fitted0],
            trace=trace, scores=[float(s) for s in scores], labels=[int(v) for v in labels],
            accuracy=float(np.mean(labels == y)), per_row=per_row))
        print(f"{name}: {len(errors)} rounds ({stop_reason}); error {errors[-1]:.4f}, weighted disparity "
              f"{violations[-1]:.6f}; predicted positive {labels.mean():.3f}, accuracy {np.mean(labels == y):.3f}; "
              f"per-row costs: {per_row['rounds']} rounds, accuracy {per_row['accuracy']:.3f}")
    golden = dict(
        generated_by=dict(aif360=aif360.__version__, sklearn=sklearn.__version__, numpy=np.__version__,
                          script="tools/golden/make_gerryfair_goldens.py"),
        inputs=dict(source=f"datasets/german.h5, rows 0..{ROWS - 1}, all feature columns as stored; "
                    "X[i][j] = (raw[i][j] - mean[j]) / scale[j]",
                    names=names, raw=[[int(v) for v in row] for row in raw], labels=[int(v) for v in y],
                    mean=[float(v) for v in mean], scale=[float(v) for v in scale],
                    x_row0=[float(v) for v in x[0]]),
        cases=cases)
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
