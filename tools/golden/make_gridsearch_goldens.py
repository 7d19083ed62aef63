"""Golden values for fairlab's GridSearch (Agarwal et al. 2018, reductions; Fairlearn 0.15's
fairlearn.reductions.GridSearch) over logistic regression, with DemographicParity and EqualizedOdds.
The algorithm, with citations into Fairlearn's source, is written out in /work/notes/gridsearch.md.

Makes Tests/FairlabHostTests/Fixtures/gridsearch_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_gridsearch_goldens.py

(any Python with fairlearn 0.15, scikit-learn, numpy and pandas; the file records the versions used). It reads
its inputs from Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json (`inputs.train`: 400 rows, the 7
standardised columns x0, x1, x2, s, c0, c1, c2 as features, column s included, labels 0/1, groups 0/1;
`inputs.test`: 150 rows). `inputs` here records shapes and checksums only.

Estimator: sklearn LogisticRegression(C=1, tol=1e-10, max_iter=10000, solver='lbfgs'), i.e. the minimiser of
    C * sum_i w_i * logloss(y'_i, sigmoid(x_i . beta + b)) + 0.5 * ||beta||^2   (intercept not penalised)
with the un-normalised weights w_i = |signed weight_i|. Every fit is cross-checked against an independent
Newton solve of that objective (`newton_coef`, `newton_intercept`; the script asserts agreement to 1e-6).

GridSearch(estimator, constraints, grid_size=10, grid_limit=2.0, grid_offset=None,
selection_rule='tradeoff_optimization', constraint_weight=0.5), fit(X, y, sensitive_features=groups).

Per constraint (`demographic_parity`, `equalized_odds`):
- `lambda_index`: the labels [sign, event, group] of the lambda vector's entries (pandas' sorted MultiIndex).
- `event_order`, `group_order`: events and groups in order of first appearance in the training rows (Fairlearn
  leaves the LAST group in that order out of the basis).
- `grid`: 10 points, each {`lambda`: values in `lambda_index` order, `basis_coefficients`: the signed
  coefficient per basis column (column j = event_order[j // (G-1)], group_order[j % (G-1)])}.
- per grid point (`points`): `signed_weights` (400, constraint part + ErrorRate part, before relabelling),
  `positives` (count of y' = 1 = signed weight > 0), `weight_sum` (sum |w|), `dummy` (true when y' has one
  value and Fairlearn fits a constant DummyClassifier), `coef`, `intercept`, `n_iter`, `newton_coef`,
  `newton_intercept`, `train_predict` (hard 0/1 on the training rows), `objective` (training error rate of
  predict), `gamma` (in `lambda_index` order), `gamma_max`, `loss` (0.5 objective + 0.5 gamma_max).
- `best_index` (first minimum of `loss`), `test_predict_proba` (best predictor's predict_proba[:, 1] on the
  test rows), `test_predict` (its predict, 0/1), `train_predict_proba` likewise on the training rows.

The script stops with an AssertionError if any cross-check fails (independent re-computation of the grid,
signed weights, objective, gammas, selection and the fitted coefficients).
"""
import json
import pathlib
import warnings

import fairlearn
import numpy as np
import pandas as pd
import sklearn
from fairlearn.reductions import (DemographicParity, EqualizedOdds, ErrorRateParity, FalsePositiveRateParity, GridSearch,
                                  TruePositiveRateParity)
from sklearn.linear_model import LogisticRegression

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/FairlabHostTests/Fixtures"
INPUT = FIXTURES / "preprocessing_goldens.json"
OUTPUT = FIXTURES / "gridsearch_goldens.json"

GRID_SIZE, GRID_LIMIT, CONSTRAINT_WEIGHT = 10, 2.0, 0.5
LR = dict(C=1.0, tol=1e-10, max_iter=10000, solver="lbfgs")


def load_inputs():
    d = json.loads(INPUT.read_text())["inputs"]
    out = {}
    for part in ("train", "test"):
        p = d[part]
        out[part] = (np.array(p["features"], dtype=np.float64), np.array(p["labels"], dtype=np.int64),
                     np.array(p["groups"], dtype=np.int64))
    return d, out


def newton_lr(x, y, w, C=1.0, iters=100):
    """Exact weighted L2 logistic regression (intercept unpenalised) by damped Newton."""
    n, p = x.shape
    xa = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(p + 1)
    reg = np.ones(p + 1)
    reg[-1] = 0.0

    def f(t):
        z = xa @ t
        return C * np.sum(w * (np.logaddexp(0, z) - y * z)) + 0.5 * np.sum(reg * t * t)

    for _ in range(iters):
        z = xa @ theta
        pr = 1.0 / (1.0 + np.exp(-z))
        g = C * xa.T @ (w * (pr - y)) + reg * theta
        if np.max(np.abs(g)) < 1e-13:
            break
        h = C * (xa * (w * pr * (1 - pr))[:, None]).T @ xa + np.diag(reg)
        step = np.linalg.solve(h, g)
        t, f0 = 1.0, f(theta)
        while f(theta - t * step) > f0 + 1e-14 * abs(f0) and t > 1e-10:
            t *= 0.5
        theta = theta - t * step
    return theta[:p], theta[p]


def expected_grid(n_basis, l1_forced):
    """Independent re-statement of _GridGenerator for neg_allowed all True, returns a list of coefficient rows."""
    true_dim = n_basis - 1 if l1_forced else n_basis
    n_units = max(int(np.floor((GRID_SIZE / 2.0 ** n_basis) ** (1.0 / true_dim) - 1)), 0)
    while True:
        pts = []

        def rec(prefix, remaining):
            if len(prefix) == n_basis:
                pts.append(list(prefix))
                return
            for v in range(-remaining, remaining + 1):
                rec(prefix + [v], remaining - abs(v))

        rec([], n_units)
        if len(pts) >= GRID_SIZE:
            return [[v * (GRID_LIMIT / n_units) for v in pt] for pt in pts[:GRID_SIZE]]
        n_units += 1


def run(name, moment_cls, x, y, g, xt):
    gs = GridSearch(LogisticRegression(**LR), constraints=moment_cls(), grid_size=GRID_SIZE,
                    grid_limit=GRID_LIMIT, constraint_weight=CONSTRAINT_WEIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.fit(x, y, sensitive_features=g)
    cons = gs.constraints_
    index = list(cons.index)  # signed.index order (sign, event, group)
    lam = gs.lambda_vecs_
    lam_index = list(lam.index)
    assert lam_index == sorted(index)
    n = len(y)

    # event / group order (first appearance), the basis
    events = list(pd.unique(cons.tags["event"].dropna()))
    groups = list(pd.unique(cons.tags["group_id"]))
    G = len(groups)
    nb = len(events) * (G - 1)
    coeffs = expected_grid(nb, False)
    grid = []
    for j, col in enumerate(lam.columns):
        vec = lam[col]
        expect = pd.Series(0.0, index=lam.index)
        for b, c in enumerate(coeffs[j]):
            e, gg = events[b // (G - 1)], groups[b % (G - 1)]
            expect[("+" if c > 0 else "-", e, gg)] = abs(c)
        assert np.array_equal(vec.to_numpy(), expect.to_numpy()), (name, j)
        grid.append({"lambda": vec.tolist(), "basis_coefficients": coeffs[j]})

    # independent signed weights
    ev = cons.tags["event"].to_numpy()
    p_e = {e: np.mean(ev == e) for e in events}
    p_eg = {(e, gg): np.mean((ev == e) & (g == gg)) for e in events for gg in groups}
    points, losses = [], []
    for j, col in enumerate(lam.columns):
        vec = lam[col]
        sw = 2.0 * y - 1.0  # ErrorRate signed weights, -c_fp + (c_fp + c_fn) y
        # The utility of predicting 1 minus that of predicting 0: 1, or for error-rate parity (utilities [y, 1 - y]) 1 - 2y.
        u = 1.0 - 2.0 * y if name == "erp" else 1.0
        for e in events:
            for gg in groups:
                d = vec[("+", e, gg)] - vec[("-", e, gg)]
                sw = sw + u * d * ((ev == e) / p_e[e] - ((ev == e) & (g == gg)) / p_eg[(e, gg)])

        ref = cons.signed_weights(vec).to_numpy() + (2.0 * y - 1.0)
        assert np.allclose(sw, ref, rtol=0, atol=1e-12), (name, j)
        yr = (ref > 0).astype(int)
        wabs = np.abs(ref)
        est = gs.predictors_[j]
        dummy = len(np.unique(yr)) == 1
        pt = {"signed_weights": ref.tolist(), "positives": int(yr.sum()), "weight_sum": float(wabs.sum()),
              "dummy": dummy}
        if dummy:
            pred = np.full(n, yr[0])
        else:
            ref_est = LogisticRegression(**LR).fit(x, yr, sample_weight=wabs)
            assert np.array_equal(ref_est.coef_, est.coef_) and np.array_equal(ref_est.intercept_, est.intercept_)
            nc, ni = newton_lr(x, yr.astype(float), wabs)
            assert np.max(np.abs(nc - est.coef_[0])) < 1e-6 and abs(ni - est.intercept_[0]) < 1e-6, (name, j)
            pred = est.predict(x)
            pt.update({"coef": est.coef_[0].tolist(), "intercept": float(est.intercept_[0]),
                       "n_iter": int(est.n_iter_[0]), "newton_coef": nc.tolist(), "newton_intercept": float(ni)})
        assert np.array_equal(pred, est.predict(x))
        obj = float(np.mean(pred != y))
        assert obj == gs.objectives_[j] or abs(obj - gs.objectives_[j]) < 1e-15
        gam = gs.gammas_[col]
        utility = (pred != y).astype(float) if name == "erp" else pred  # error-rate parity compares errors
        for (s, e, gg), v in gam.items():
            m = ev == e
            diff = utility[m & (g == gg)].mean() - utility[m].mean()
            assert abs(v - (diff if s == "+" else -diff)) < 1e-12, (name, j, s, e, gg)
        loss = (1 - CONSTRAINT_WEIGHT) * gs.objectives_[j] + CONSTRAINT_WEIGHT * gam.max()
        losses.append(loss)
        pt.update({"train_predict": pred.astype(int).tolist(), "objective": float(gs.objectives_[j]),
                   "gamma": gam.reindex(lam.index).tolist(), "gamma_max": float(gam.max()), "loss": float(loss)})
        points.append(pt)
    best = losses.index(min(losses))
    assert best == gs.best_idx_
    ties = [i for i, l in enumerate(losses) if l == losses[best]]
    proba = gs.predict_proba(xt)[:, 1]
    pred_t = gs.predict(xt)
    assert np.array_equal(pred_t, (proba > 0.5).astype(int))
    return {
        "lambda_index": [list(map(lambda v: v if isinstance(v, str) else int(v), k)) for k in lam_index],
        "event_order": events, "group_order": [int(v) for v in groups],
        "basis": [[events[b // (G - 1)], int(groups[b % (G - 1)])] for b in range(nb)],
        "grid": grid, "points": points, "losses": [float(v) for v in losses],
        "best_index": int(best), "tied_indices": ties,
        "test_predict_proba": proba.tolist(), "test_predict": pred_t.astype(int).tolist(),
        "train_predict_proba": gs.predict_proba(x)[:, 1].tolist(),
    }


def main():
    raw, data = load_inputs()
    x, y, g = data["train"]
    xt, yt, gt = data["test"]
    golden = {
        "generated_by": {"fairlearn": fairlearn.__version__, "scikit-learn": sklearn.__version__,
                         "numpy": np.__version__, "pandas": pd.__version__},
        "inputs": {"source": "preprocessing_goldens.json inputs.train / inputs.test",
                   "train_shape": list(x.shape), "test_shape": list(xt.shape),
                   "train_feature_sum": float(x.sum()), "test_feature_sum": float(xt.sum()),
                   "train_positives": int(y.sum()), "train_group_counts": [int((g == 0).sum()), int((g == 1).sum())],
                   "sensitive_column": raw["sensitive_column"]},
        "parameters": {"grid_size": GRID_SIZE, "grid_limit": GRID_LIMIT, "grid_offset": None,
                       "selection_rule": "tradeoff_optimization", "constraint_weight": CONSTRAINT_WEIGHT,
                       "difference_bound": 0.01, "estimator": {**LR, "penalty": "l2", "fit_intercept": True}},
        "demographic_parity": run("dp", DemographicParity, x, y, g, xt),
        "equalized_odds": run("eo", EqualizedOdds, x, y, g, xt),
        "true_positive_rate_parity": run("tpr", TruePositiveRateParity, x, y, g, xt),
        "false_positive_rate_parity": run("fpr", FalsePositiveRateParity, x, y, g, xt),
        "error_rate_parity": run("erp", ErrorRateParity, x, y, g, xt),
    }
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    for k in ("demographic_parity", "equalized_odds"):
        r = golden[k]
        print(k, "index", r["lambda_index"], "basis", r["basis"])
        for i, (gp, pt) in enumerate(zip(r["grid"], r["points"])):
            print(f"  {i}: coeffs {gp['basis_coefficients']} lambda {gp['lambda']} pos {pt['positives']} "
                  f"wsum {pt['weight_sum']:.4f} obj {pt['objective']:.4f} gmax {pt['gamma_max']:.4f} "
                  f"loss {pt['loss']:.5f} dummy {pt['dummy']}")
        print("  best", r["best_index"], "ties", r["tied_indices"], "test positives", sum(r["test_predict"]))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
