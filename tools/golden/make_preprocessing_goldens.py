"""Golden values for fairlab's pre-processing methods: Fairlearn 0.15's CorrelationRemover, AIF360 0.6.1's
DisparateImpactRemover (through BlackBoxAuditing 0.1.54), massaging, uniform and preferential sampling
(Kamiran & Calders 2012, written out here from the paper's definitions) and imbalanced-learn 0.14's SMOTE.

Makes Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_preprocessing_goldens.py

(any Python with aif360 0.6.1, BlackBoxAuditing 0.1.54 (`pip install BlackBoxAuditing`; AIF360 imports it
lazily), fairlearn 0.15, scikit-learn, imbalanced-learn 0.14, numpy and pandas; the file records the versions
used). The inputs come from numpy default_rng with a fixed seed, so reruns give the same file for the same
library versions.

Data (`inputs`): 400 training and 150 test rows, drawn together (the first 400 are training). Columns, in this
order: x0 (continuous normal, mean shifted by group), x1 (integer counts 0..8, many ties), x2 (gamma, rounded to
one decimal, some ties), s (the 0/1 sensitive column, 1 = privileged; group code = s), c0, c1, c2 (a one-hot
block of one 3-level category whose distribution depends on the group). Labels are 0/1 (1 favourable) from a
logistic model with a group offset (training base rates: unprivileged 0.236, privileged 0.555). `raw` holds the
unstandardised values; `train.features` / `test.features` are what a fairlab pre-processing plugin receives:
every column standardised with the TRAINING rows' mean and population std (`standardisation`). Every method
below runs on those standardised features (rows as lists, row-major); tests should feed them to the plugin
verbatim rather than re-standardise (DIR's output values are members of its input columns, so last-bit
differences in the input would change the output).

Stored per method:

- correlation_remover: alpha 1 and 0.5, sensitive_feature_ids = [3] (column s), fitted on train; the transformed
  train and test features (6 columns: the input order with column 3 dropped), and the fitted sensitive mean and
  beta (lstsq coefficients, 1 x 6).
- disparate_impact_remover: repair levels 0, 0.5, 1; AIF360's fit_transform on the training rows and,
  separately, fit_transform on the test rows (AIF360's remover is stateless: the test rows are repaired with
  their own distributions). All 7 columns (column s comes back unchanged). Also, per column, the number of
  quantile buckets BlackBoxAuditing used and which columns changed. The script re-implements the repair from
  the facts in its report and checks it against AIF360 bit for bit.
- massaging: ranker = LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=100000) fitted on the standardised
  training features (s included) and labels; its scores P(y=1); disc = base rate(privileged) - base rate
  (unprivileged); M* = disc * n_unpriv * n_priv / n; M = M* rounded half to even, clipped to
  [0, min(#promotion candidates, #demotion candidates)]; promoted rows = the M unprivileged negatives with the
  highest scores (ties: lower row index first), demoted rows = the M privileged positives with the lowest
  scores (ties: lower row index first); the massaged labels; the score gap at the cut (robustness margin).
- sampling: the expected cell sizes n_g * n_y / n (real and rounded half to even) and the observed ones, for
  uniform and preferential sampling; preferential sampling's per-row integer weights (with the same ranker
  scores): a cell that must grow keeps every row q = floor(E / A) times and gives one more copy to its
  r = E mod A most borderline rows; a cell that must shrink keeps its E least borderline rows (weight 1) and
  drops the rest (weight 0). Borderline = close to the decision boundary for the row's label: for label 1 the
  lowest scores, for label 0 the highest (ties: lower row index is more borderline). `borderline_score_gap` is
  the score margin between the rows acted on (duplicated once more, or dropped) and the rest of the cell.
- smote: SMOTE(k_neighbors=5, random_state=0) on the standardised training features and labels: the class
  counts, the minority class, the number of synthetic rows, each minority row's 5 neighbours (training row
  indices, nearest first, self excluded), the raw draws (randint values, uniform gaps) and, per synthetic
  row, (base row, neighbour row, gap) as training row indices, plus the synthetic rows themselves. The draws
  are recovered by re-running numpy.random.RandomState(0).randint(0, n_min * 5, n_new) then
  .uniform(size=n_new), and also replayed with a pure-Python MT19937 (seed init_genrand(0), masked rejection
  for the integers, 53-bit doubles for the gaps); every synthetic row is checked bit for bit against
  X[base] + gap * (X[neighbour] - X[base]).

The script stops with an AssertionError if any cross-check fails.
"""
import json
import pathlib

import numpy as np
import pandas as pd

from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
import fairlearn  # noqa: E402
import imblearn  # noqa: E402
import sklearn  # noqa: E402
from aif360.algorithms.preprocessing import DisparateImpactRemover  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from legacy_mt19937 import LegacyMT19937  # noqa: E402
from fairlearn.preprocessing import CorrelationRemover  # noqa: E402
from imblearn.over_sampling import SMOTE  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json"

SEED = 20250611
N_TRAIN, N_TEST = 400, 150
FEATURES = ["x0", "x1", "x2", "s", "c0", "c1", "c2"]
SENSITIVE = 3
PRIVILEGED_CODE = 1
DIR_LEVELS = (0.0, 0.5, 1.0)
CR_ALPHAS = (1.0, 0.5)
SMOTE_K = 5
SMOTE_SEED = 0


def round_half_even(x):
    return int(round(x))  # Python's round on a float is round-half-to-even


# ------------------------------------------------------------------------------------------------- data

def make_data():
    rng = np.random.default_rng(SEED)
    n = N_TRAIN + N_TEST
    s = (rng.random(n) < 0.55).astype(int)
    x0 = rng.normal(0.6 * s, 1.0)
    x1 = rng.binomial(8, 0.35 + 0.15 * s).astype(float)
    x2 = np.round(rng.gamma(2.0, 1.0 + 0.4 * s), 1)
    probs = np.where(s[:, None] == 1, [0.5, 0.3, 0.2], [0.25, 0.35, 0.4])
    u = rng.random(n)
    cat = (u > probs[:, 0]).astype(int) + (u > probs[:, 0] + probs[:, 1])
    logit = -1.6 + 0.9 * x0 + 0.25 * (x1 - 3) + 0.3 * (x2 - 2) + 0.5 * (cat == 0) + 0.9 * s
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    raw = np.column_stack([x0, x1, x2, s.astype(float), np.eye(3)[cat]])
    return raw, y, s


def standardise(raw_train, raw_test):
    mean = raw_train.mean(axis=0)
    std = raw_train.std(axis=0)  # population std (ddof 0)
    return (raw_train - mean) / std, (raw_test - mean) / std, mean, std


# ------------------------------------------------------------------------------------ CorrelationRemover

def correlation_remover(train, test):
    out = {"sensitive_feature_ids": [SENSITIVE], "dropped_column": SENSITIVE,
           "output_columns": [f for i, f in enumerate(FEATURES) if i != SENSITIVE], "cases": []}
    for alpha in CR_ALPHAS:
        cr = CorrelationRemover(sensitive_feature_ids=[SENSITIVE], alpha=alpha).fit(train)
        tr, te = cr.transform(train), cr.transform(test)
        # Independent check: S centred by its training mean, beta = argmin ||Z - S_c beta||, no intercept,
        # Z itself not centred; output alpha * (Z - S_c beta) + (1 - alpha) * Z.
        keep = [i for i in range(train.shape[1]) if i != SENSITIVE]
        s_mean = train[:, SENSITIVE].mean()
        sc = train[:, [SENSITIVE]] - s_mean
        beta = (sc.T @ train[:, keep]) / (sc.T @ sc)
        for x, got in ((train, tr), (test, te)):
            z = x[:, keep]
            expect = alpha * (z - (x[:, [SENSITIVE]] - s_mean) @ beta) + (1 - alpha) * z
            assert np.max(np.abs(expect - got)) < 1e-12, "CorrelationRemover formula"
        assert np.max(np.abs(beta - cr.beta_)) < 1e-12
        # The residual columns are uncorrelated with s on the training rows (alpha 1) and keep their means.
        if alpha == 1.0:
            assert np.max(np.abs(sc[:, 0] @ tr)) < 1e-9
        assert np.max(np.abs(tr.mean(axis=0) - train[:, keep].mean(axis=0))) < 1e-12
        out["cases"].append({"alpha": alpha, "sensitive_mean": cr.sensitive_mean_.tolist(),
                             "beta": cr.beta_.tolist(), "train": tr.tolist(), "test": te.tolist()})
    return out


# ------------------------------------------------------------------------------- DisparateImpactRemover

def aif360_dir(features, labels, level):
    df = pd.DataFrame(features, columns=FEATURES)
    df["label"] = labels.astype(float)
    ds = BinaryLabelDataset(df=df, label_names=["label"], protected_attribute_names=[FEATURES[SENSITIVE]],
                            favorable_label=1.0, unfavorable_label=0.0)
    return DisparateImpactRemover(repair_level=level, sensitive_attribute=FEATURES[SENSITIVE]) \
        .fit_transform(ds).features


def fd_bins(values):
    """BlackBoxAuditing's Freedman-Diaconis binning of the protected column: lists of row indices."""
    q75, q25 = np.percentile(values, [75, 25])
    width = 2.0 * (q75 - q25) * len(values) ** (-1.0 / 3.0)
    if width == 0.0:
        width = 1.0
    lo, hi = min(values), max(values)
    edges = []
    cur = lo
    while cur <= hi:
        edges.append((cur, cur + width))
        cur += width
    bins = [[] for _ in edges]
    for i in sorted(range(len(values)), key=lambda k: values[k]):
        for b, (a, z) in enumerate(edges):
            if a <= values[i] < z:
                bins[b].append(i)
                break
    return [b for b in bins if b]


def lower_median(values):
    v = sorted(values)
    return v[len(v) // 2 - 1] if len(v) % 2 == 0 else v[len(v) // 2]


def dir_reference(features, sensitive, level):
    """The repair as described in the report, written independently of BlackBoxAuditing's code.
    Returns the repaired matrix and per-column bucket counts."""
    x = features.copy()
    n, d = x.shape
    groups = fd_bins(list(features[:, sensitive]))  # one group per non-empty bin (here: per value of s)
    buckets = {}
    for j in range(d):
        if j == sensitive:
            continue
        col = features[:, j]
        distinct = sorted(set(col.tolist()))
        rank = {v: k for k, v in enumerate(distinct)}
        per_group = [sorted(set(col[g].tolist())) for g in groups]  # each group's distinct values
        m = min(len(v) for v in per_group)
        buckets[FEATURES[j]] = m
        unit = 1.0 / m
        acc = [0.0] * len(groups)
        new = col.copy()
        for _ in range(m):
            medians, members = [], []
            for gi, vals in enumerate(per_group):
                nv = len(vals)
                start = round_half_even(acc[gi] * nv)
                count = round_half_even((acc[gi] + unit) * nv) - start
                acc[gi] += unit
                chosen = vals[start:start + count]
                assert chosen, "empty bucket"
                medians.append(lower_median(chosen))
                chosen_set = set(chosen)
                members.append([i for i in groups[gi] if col[i] in chosen_set])
            target = rank[lower_median(medians)]
            for rows in members:
                for i in rows:
                    here = rank[col[i]]
                    new[i] = distinct[here + round_half_even((target - here) * level)]
        x[:, j] = new
    return x, buckets


def disparate_impact_remover(train, train_labels, test, test_labels):
    out = {"sensitive_column": SENSITIVE, "levels": []}
    for level in DIR_LEVELS:
        case = {"repair_level": level}
        for name, x, y in (("train", train, train_labels), ("test", test, test_labels)):
            got = aif360_dir(x, y, level)
            # Labels play no part: the same rows with every label 0 give the same repair.
            assert np.array_equal(got, aif360_dir(x, np.zeros_like(y), level))
            ref, buckets = dir_reference(x, SENSITIVE, level)
            assert np.array_equal(got, ref), f"DIR reference {name} level {level}"
            assert np.array_equal(got[:, SENSITIVE], x[:, SENSITIVE])
            if level == 0.0:
                assert np.array_equal(got, x)
            changed = [FEATURES[j] for j in range(x.shape[1]) if not np.array_equal(got[:, j], x[:, j])]
            case[name] = got.tolist()
            case[f"{name}_buckets_per_column"] = buckets
            case[f"{name}_changed_columns"] = changed
            case[f"{name}_changed_cells"] = int((got != x).sum())
        out["levels"].append(case)
    return out


# ------------------------------------------------------------------------------------------- massaging

def ranker_scores(train, labels):
    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=100000).fit(train, labels)
    return model, model.predict_proba(train)[:, 1]


def massaging(labels, groups, scores):
    n = len(labels)
    priv, unpriv = groups == PRIVILEGED_CODE, groups != PRIVILEGED_CODE
    n_p, n_u = int(priv.sum()), int(unpriv.sum())
    pos_p, pos_u = int(labels[priv].sum()), int(labels[unpriv].sum())
    disc = pos_p / n_p - pos_u / n_u
    m_real = disc * n_u * n_p / n
    promote_pool = [i for i in range(n) if unpriv[i] and labels[i] == 0]
    demote_pool = [i for i in range(n) if priv[i] and labels[i] == 1]
    promote_order = sorted(promote_pool, key=lambda i: (-scores[i], i))
    demote_order = sorted(demote_pool, key=lambda i: (scores[i], i))
    m = min(max(round_half_even(m_real), 0), len(promote_order), len(demote_order))
    promoted, demoted = promote_order[:m], demote_order[:m]
    massaged = labels.copy()
    massaged[promoted] = 1
    massaged[demoted] = 0
    disc_after = massaged[priv].mean() - massaged[unpriv].mean()
    # M minimises |disc after| among integers (disc after is linear in M).
    step = 1 / n_u + 1 / n_p
    assert all(abs(disc - m * step) <= abs(disc - k * step) + 1e-15 for k in range(0, m + 3))
    gap_promote = float(scores[promote_order[m - 1]] - scores[promote_order[m]]) if 0 < m < len(promote_order) else None
    gap_demote = float(scores[demote_order[m]] - scores[demote_order[m - 1]]) if 0 < m < len(demote_order) else None
    return {
        "n": n, "n_privileged": n_p, "n_unprivileged": n_u,
        "positives_privileged": pos_p, "positives_unprivileged": pos_u,
        "disc": disc, "m_real": m_real, "m": m,
        "promotion_candidates": len(promote_order), "demotion_candidates": len(demote_order),
        "promoted_rows": promoted, "demoted_rows": demoted,
        "flipped_rows": sorted(promoted + demoted),
        "massaged_labels": massaged.astype(int).tolist(),
        "disc_after": float(disc_after),
        "score_gap_at_promotion_cut": gap_promote, "score_gap_at_demotion_cut": gap_demote,
    }


# ------------------------------------------------------------------------------------------- sampling

def sampling(labels, groups, scores):
    n = len(labels)
    cells, weights = [], np.zeros(n, dtype=int)
    for g in (0, 1):
        for yv in (0, 1):
            n_g, n_y = int((groups == g).sum()), int((labels == yv).sum())
            rows = [i for i in range(n) if groups[i] == g and labels[i] == yv]
            a = len(rows)
            e_real = n_g * n_y / n
            e = round_half_even(e_real)
            # borderline first: label 1 -> lowest score first; label 0 -> highest score first
            border = sorted(rows, key=(lambda i: (scores[i], i)) if yv == 1 else (lambda i: (-scores[i], i)))
            if e >= a:
                q, r = divmod(e, a)
                for i in rows:
                    weights[i] = q
                for i in border[:r]:
                    weights[i] += 1
                action = "duplicate"
            else:
                q, r = 0, e
                for i in border[a - e:]:  # keep the least borderline e rows
                    weights[i] = 1
                action = "remove"
            assert sum(weights[i] for i in rows) == e
            # Score margin between the borderline rows acted on and the rest (robustness to ranker noise).
            acted = [i for i in rows if weights[i] == (q + 1 if action == "duplicate" else 0)]
            others = [i for i in rows if i not in set(acted)]
            gap = None
            if acted and others:
                acted_s, other_s = [scores[i] for i in acted], [scores[i] for i in others]
                gap = float(min(acted_s) - max(other_s)) if yv == 0 else float(min(other_s) - max(acted_s))
                assert gap > 0
            cells.append({"group": g, "privileged": g == PRIVILEGED_CODE, "label": yv, "n_group": n_g,
                          "n_label": n_y, "observed": a, "expected_real": e_real, "expected": e,
                          "action": action, "q": q, "r": r,
                          "reweighing_weight": e_real / a, "borderline_score_gap": gap})
    return {"cells": cells, "preferential_weights": weights.tolist()}


# ----------------------------------------------------------------------------------------------- SMOTE

def smote(train, labels):
    counts = {int(c): int((labels == c).sum()) for c in (0, 1)}
    minority = min(counts, key=counts.get)
    majority = 1 - minority
    n_new = counts[majority] - counts[minority]
    x_res, y_res = SMOTE(k_neighbors=SMOTE_K, random_state=SMOTE_SEED).fit_resample(train, labels)
    assert np.array_equal(x_res[:len(train)], train) and np.array_equal(y_res[:len(train)], labels)
    synthetic = x_res[len(train):]
    assert len(synthetic) == n_new and np.all(y_res[len(train):] == minority)

    minority_rows = np.flatnonzero(labels == minority)
    x_min = train[minority_rows]
    assert len({tuple(r) for r in x_min}) == len(x_min), "duplicate minority rows: self may not come first"
    _, nn = NearestNeighbors(n_neighbors=SMOTE_K + 1).fit(x_min).kneighbors(x_min)
    assert np.array_equal(nn[:, 0], np.arange(len(x_min))), "first neighbour is not the row itself"
    nn = nn[:, 1:]
    # Brute-force check of the neighbour lists (no ties among the 6 nearest distances).
    full = np.sqrt(((x_min[:, None, :] - x_min[None, :, :]) ** 2).sum(axis=2))
    for i in range(len(x_min)):
        order = np.lexsort((np.arange(len(x_min)), full[i]))
        assert np.array_equal(order[1:SMOTE_K + 1], nn[i])
        srt = np.sort(full[i])[:SMOTE_K + 2]
        assert np.all(np.diff(srt) > 1e-9), "distance tie near the k-th neighbour"

    rs = np.random.RandomState(SMOTE_SEED)
    draws = rs.randint(low=0, high=nn.size, size=n_new)
    gaps = rs.uniform(size=n_new)
    replay = LegacyMT19937(SMOTE_SEED)
    replay_draws = [replay.randint(nn.size) for _ in range(n_new)]
    replay_gaps = [replay.random() for _ in range(n_new)]
    assert replay_draws == draws.tolist() and replay_gaps == gaps.tolist(), "MT19937 replay"

    rows, cols = draws // SMOTE_K, draws % SMOTE_K
    base = minority_rows[rows]
    neighbour = minority_rows[nn[rows, cols]]
    rebuilt = train[base] + gaps[:, None] * (train[neighbour] - train[base])
    assert np.array_equal(rebuilt, synthetic), "SMOTE reconstruction"
    return {
        "k_neighbors": SMOTE_K, "random_state": SMOTE_SEED,
        "class_counts": {str(k): v for k, v in counts.items()},
        "minority_label": minority, "n_synthetic": n_new,
        "minority_rows": minority_rows.tolist(),
        "neighbours": [minority_rows[r].tolist() for r in nn],
        "randint_high": int(nn.size),
        "randint_draws": draws.tolist(),
        "gaps": gaps.tolist(),
        "samples": [{"base": int(b), "neighbour": int(m), "gap": float(g)}
                    for b, m, g in zip(base, neighbour, gaps)],
        "synthetic_rows": synthetic.tolist(),
    }


# ------------------------------------------------------------------------------------------------ main

def main():
    raw, labels, s = make_data()
    raw_train, raw_test = raw[:N_TRAIN], raw[N_TRAIN:]
    y_train, y_test = labels[:N_TRAIN], labels[N_TRAIN:]
    g_train, g_test = s[:N_TRAIN], s[N_TRAIN:]
    train, test, mean, std = standardise(raw_train, raw_test)

    model, scores = ranker_scores(train, y_train)
    golden = {
        "generated_by": {"aif360": aif360.__version__, "fairlearn": fairlearn.__version__,
                         "imbalanced-learn": imblearn.__version__, "scikit-learn": sklearn.__version__,
                         "numpy": np.__version__, "pandas": pd.__version__,
                         "BlackBoxAuditing": "0.1.54"},
        "inputs": {
            "seed": SEED, "feature_names": FEATURES, "sensitive_column": SENSITIVE,
            "groups": [{"code": 0, "name": "s=0", "privileged": False},
                       {"code": 1, "name": "s=1", "privileged": True}],
            "standardisation": {"mean": mean.tolist(), "std": std.tolist()},
            "raw": {"train": raw_train.tolist(), "test": raw_test.tolist()},
            "train": {"features": train.tolist(), "labels": y_train.tolist(), "groups": g_train.tolist()},
            "test": {"features": test.tolist(), "labels": y_test.tolist(), "groups": g_test.tolist()},
        },
        "correlation_remover": correlation_remover(train, test),
        "disparate_impact_remover": disparate_impact_remover(train, y_train, test, y_test),
        "ranker": {"model": "LogisticRegression(C=1, solver=lbfgs, tol=1e-10, max_iter=100000)",
                   "coefficients": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]),
                   "train_scores": scores.tolist()},
        "massaging": massaging(y_train, g_train, scores),
        "sampling": sampling(y_train, g_train, scores),
        "smote": smote(train, y_train),
    }
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
