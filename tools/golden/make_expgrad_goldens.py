"""Golden values for fairlab's ExponentiatedGradient (Agarwal et al. 2018; Fairlearn 0.15's
fairlearn.reductions.ExponentiatedGradient) over logistic regression, DemographicParity and EqualizedOdds.
Algorithm with citations: /work/notes/expgrad.md.

Makes Tests/FairlabHostTests/Fixtures/expgrad_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_expgrad_goldens.py

Inputs: Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json (`inputs.train` 400x7, labels, groups as
sensitive feature; `inputs.test` 150x7). Estimator LogisticRegression(C=1, tol=1e-10, max_iter=10000, lbfgs).
ExponentiatedGradient at defaults (eps=0.01, max_iter=50, nu=None, eta0=2.0, run_linprog_step=True).

The per-iteration trace is produced by a line-for-line re-statement of ExponentiatedGradient.fit driving
Fairlearn's own _Lagrangian; the script asserts that its final result equals the library's (weights_,
best_iter_, best_gap_, last_iter_, n_oracle_calls_, lambda_vecs_EG_, _pmf_predict).

Per constraint: `lambda_index` ([sign, event, group], sorted), `nu`, `B`, `iterations` (list over t of
{t, eta (value used in theta update at end of this t; at the breaking t: eta current), theta (before update),
lambda (EG lambda fed to best_h), lambda_EG_avg, h_idx, Q_EG, gap_EG, L/L_low/L_high/error/gamma of EG result,
gap_LP (null = inf at t=0), Q_LP, lambda_LP, used ("EG" or "LP"), gap_used, n_hs, n_oracle_calls_after}),
`hypotheses` (per index: kind, coef, intercept, train_predict, error, gamma, lambda that generated it),
`weights` (final Q), `best_gap`, `best_iter`, `last_iter`, `n_oracle_calls`, `n_oracle_calls_dummy_returned`,
`test_pmf_predict` (P(yhat=1) per test row), `train_pmf_predict`.
"""
import json
import pathlib

import fairlearn
import numpy as np
import pandas as pd
import scipy
import sklearn
from make_gridsearch_goldens import load_inputs  # noqa: E402 (the same inputs)
from fairlearn.reductions import (DemographicParity, EqualizedOdds, ErrorRateParity, ExponentiatedGradient,
                                  FalsePositiveRateParity, TruePositiveRateParity)
from fairlearn.reductions._exponentiated_gradient._constants import (
    _ACCURACY_MUL, _MIN_ITER, _PRECISION, _REGRET_CHECK_INCREASE_T, _REGRET_CHECK_START_T, _SHRINK_ETA,
    _SHRINK_REGRET)
from fairlearn.reductions._exponentiated_gradient._lagrangian import _Lagrangian
from sklearn.linear_model import LogisticRegression

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/FairlabHostTests/Fixtures"
OUTPUT = FIXTURES / "expgrad_goldens.json"
LR = dict(C=1.0, tol=1e-10, max_iter=10000, solver="lbfgs")
EPS, MAX_ITER, ETA0 = 0.01, 50, 2.0


def load():
    """The golden inputs (train and test: features, labels, groups), read as the grid-search goldens read them."""
    return load_inputs()[1]


def fl(v):
    return None if (v is None or not np.isfinite(v)) else float(v)


def ser(s, index):
    return [float(s.get(k, 0.0)) for k in index]


def trace(make_constraint, X, y, A):
    """Re-statement of ExponentiatedGradient.fit (exponentiated_gradient.py:136-274), recording everything."""
    B = 1 / EPS
    lag = _Lagrangian(X=X, y=y, estimator=LogisticRegression(**LR), constraints=make_constraint(), B=B,
                      sensitive_features=A)
    idx = lag.constraints.index
    theta = pd.Series(0, idx)
    Qsum = pd.Series(dtype="float64")
    gaps_EG, gaps, Qs, iters = [], [], [], []
    last_regret_checked, last_gap = _REGRET_CHECK_START_T, np.inf
    lambda_cumsum = pd.Series(0.0, dtype="float64", index=idx)
    nu = None
    for t in range(MAX_ITER):
        rec = {"t": t, "theta": [float(v) for v in theta]}
        lambda_vec = B * np.exp(theta) / (1 + np.exp(theta).sum())
        lambda_cumsum += lambda_vec
        lambda_EG = lambda_cumsum / (t + 1)
        h, h_idx = lag.best_h(lambda_vec)
        if t == 0:
            nu = _ACCURACY_MUL * (h(X) - lag.constraints._y_as_series).abs().std() / np.sqrt(
                lag.constraints.total_samples)
            eta = ETA0 / B
        if h_idx not in Qsum.index:
            Qsum.loc[h_idx] = 0.0  # library uses .at (exponentiated_gradient.py:200); same effect
        Qsum[h_idx] += 1.0
        gamma = lag.gammas[h_idx]
        Q_EG = Qsum / Qsum.sum()
        r = lag.eval_gap(Q_EG, lambda_EG, nu)
        gap_EG = r.gap()
        gaps_EG.append(gap_EG)
        rec.update(lambda_=[float(v) for v in lambda_vec], lambda_EG_avg=[float(v) for v in lambda_EG],
                   h_idx=int(h_idx), Q_EG={str(k): float(v) for k, v in Q_EG.items()}, gap_EG=float(gap_EG),
                   L=float(r.L), L_low=float(r.L_low), L_high=float(r.L_high), error=float(r.error),
                   gamma=[float(v) for v in r.gamma])
        if t == 0:
            gap_LP = np.inf
            rec.update(Q_LP=None, lambda_LP=None)
        else:
            Q_LP, lam_LP, rLP = lag.solve_linprog(nu)
            gap_LP = rLP.gap()
            rec.update(Q_LP={str(k): float(v) for k, v in Q_LP.items()}, lambda_LP=[float(v) for v in lam_LP],
                       L_LP=float(rLP.L), L_low_LP=float(rLP.L_low), L_high_LP=float(rLP.L_high))
        if gap_EG < gap_LP:
            Qs.append(Q_EG); gaps.append(gap_EG); rec["used"] = "EG"
        else:
            Qs.append(Q_LP); gaps.append(gap_LP); rec["used"] = "LP"
        rec.update(gap_LP=fl(gap_LP), gap_used=float(gaps[t]), n_hs=len(lag.hs),
                   n_oracle_calls_after=lag.n_oracle_calls)
        if gaps[t] < nu and t >= _MIN_ITER:
            rec["eta"] = float(eta); rec["stopped"] = True
            iters.append(rec)
            break
        rec["regret_checked"] = False
        if t >= last_regret_checked * _REGRET_CHECK_INCREASE_T:
            best_gap = min(gaps_EG)
            rec["regret_checked"] = True
            rec["eta_shrunk"] = bool(best_gap > last_gap * _SHRINK_REGRET)
            if best_gap > last_gap * _SHRINK_REGRET:
                eta *= _SHRINK_ETA
            last_regret_checked = t
            last_gap = best_gap
        rec["eta"] = float(eta)
        theta += eta * (gamma - lag.constraints.bound())
        iters.append(rec)
    gs = pd.Series(gaps)
    best_iter = int(gs[gs <= gs.min() + _PRECISION].index[-1])
    return lag, idx, nu, B, iters, best_iter, gaps[best_iter], Qs[best_iter], len(Qs) - 1


def run(name, make_constraint, data):
    X, y, A = data["train"]
    Xt = data["test"][0]
    eg = ExponentiatedGradient(LogisticRegression(**LR), make_constraint())
    eg.fit(X, y, sensitive_features=A)
    lag, idx, nu, B, iters, best_iter, best_gap, Q, last_iter = trace(make_constraint, X, y, A)
    # cross-checks against the library
    assert best_iter == eg.best_iter_ and last_iter == eg.last_iter_, (best_iter, eg.best_iter_, last_iter)
    assert abs(best_gap - eg.best_gap_) < 1e-12 and abs(nu - eg.nu) < 1e-15
    assert lag.n_oracle_calls == eg.n_oracle_calls_
    W = eg.weights_
    for k in W.index:
        assert abs(W[k] - Q.get(k, 0.0)) < 1e-10, (k, W[k], Q.get(k, 0.0))
    lev = eg.lambda_vecs_EG_
    for r in iters:
        assert np.allclose(lev[r["t"]].to_numpy(), r["lambda_"], rtol=0, atol=1e-12)
    pmf_test = eg._pmf_predict(Xt)[:, 1]
    pmf_train = eg._pmf_predict(X)[:, 1]
    # independent pmf: sum_h Q_h * predict_h(x)
    indep = sum(W[k] * eg.predictors_[k].predict(Xt) for k in W.index)
    assert np.allclose(indep, pmf_test, atol=1e-12)
    hyps = []
    for k in lag.hs.index:
        clf = lag.predictors[k]
        d = {"index": int(k), "error": float(lag.errors[k]), "gamma": ser(lag.gammas[k], idx),
             "generating_lambda": ser(lag.lambdas[k], idx),
             "train_predict": [int(v) for v in clf.predict(X)]}
        if isinstance(clf, LogisticRegression):
            d.update(kind="logistic", coef=[float(v) for v in clf.coef_[0]], intercept=float(clf.intercept_[0]),
                     n_iter=int(clf.n_iter_[0]))
            # sanity: same as the library's fitted predictor
            assert np.allclose(eg.predictors_[k].coef_, clf.coef_, atol=1e-8)
        else:
            d.update(kind="constant", constant=int(clf.constant))
        hyps.append(d)
    for r in iters:
        r["lambda"] = r.pop("lambda_")
    return {
        "lambda_index": [list(map(str, k)) for k in idx],
        "nu": float(nu), "B": float(B), "eta0": ETA0, "eps": EPS, "max_iter": MAX_ITER,
        "iterations": iters,
        "hypotheses": hyps,
        "weights": [float(W[k]) for k in sorted(W.index)],
        "best_gap": float(eg.best_gap_), "best_iter": int(eg.best_iter_), "last_iter": int(eg.last_iter_),
        "n_oracle_calls": int(eg.n_oracle_calls_),
        "n_oracle_calls_dummy_returned": int(eg.n_oracle_calls_dummy_returned_),
        "test_pmf_predict": [float(v) for v in pmf_test],
        "train_pmf_predict": [float(v) for v in pmf_train],
    }


def main():
    data = load()
    out = {
        "generated_by": "tools/golden/make_expgrad_goldens.py",
        "versions": {"fairlearn": fairlearn.__version__, "sklearn": sklearn.__version__,
                     "numpy": np.__version__, "scipy": scipy.__version__, "pandas": pd.__version__},
        "inputs": {"train_shape": list(data["train"][0].shape), "test_shape": list(data["test"][0].shape),
                   "train_feature_sum": float(data["train"][0].sum()), "test_feature_sum": float(data["test"][0].sum())},
        "demographic_parity": run("dp", DemographicParity, data),
        "equalized_odds": run("eo", EqualizedOdds, data),
        "true_positive_rate_parity": run("tpr", TruePositiveRateParity, data),
        "false_positive_rate_parity": run("fpr", FalsePositiveRateParity, data),
        "error_rate_parity": run("erp", ErrorRateParity, data),
    }
    OUTPUT.write_text(json.dumps(out, indent=1))
    print(OUTPUT, OUTPUT.stat().st_size)
    for k in ("demographic_parity", "equalized_odds"):
        c = out[k]
        print(k, "nu", c["nu"], "best_iter", c["best_iter"], "last_iter", c["last_iter"], "best_gap", c["best_gap"],
              "n_hs", len(c["hypotheses"]), "calls", c["n_oracle_calls"], "W", c["weights"],
              "used", [r["used"] for r in c["iterations"]], "eta", [r["eta"] for r in c["iterations"]])


if __name__ == "__main__":
    main()
