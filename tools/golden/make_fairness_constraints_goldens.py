"""Golden optima for fairlab's fairness-constraints methods (Zafar, Valera, Gomez Rodriguez & Gummadi 2017),
from an independent convex solver: cvxpy with CLARABEL (exponential cones), on the golden rows of
Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json (400 training rows, 7 feature columns, two groups).
Formulation with citations: /work/notes/zafar.md.

Makes Tests/FairlabHostTests/Fixtures/fairness_constraints_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_fairness_constraints_goldens.py

The problem, as fairlab states it: θ = (w, b) over the feature columns without the protected attribute's own
column `s` (index 3; Zafar's code leaves the sensitive attribute out of x) and an intercept,

    F(θ) = Σ_i log(1 + exp(−y_i θᵀx_i)) + ‖w‖² / (2C)        y_i = ±1, C = 1
    cov_g(θ) = (1/N) Σ_i (1[group_i = g] − p_g) θᵀx_i      for each group g

- `covariance`: min F s.t. |cov_g| ≤ t for every g, at t = ∞ (unconstrained), 0, and 0.5 × the unconstrained
  model's largest |cov_g|.
- `accuracy` (γ): the fairest θ within F ≤ (1 + γ) F*: min max_g |cov_g| s.t. F ≤ (1 + γ) F*. At γ = 0.002 the
  budget binds (zero covariance costs more), so the optimum is unique; at γ = 0.5 zero covariance fits in the
  budget, and fairlab returns the least F at zero covariance (the `covariance` optimum at t = 0).
"""
import json
import pathlib

import cvxpy as cp
import numpy as np

from make_gridsearch_goldens import load_inputs  # noqa: E402 (the same inputs)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/fairness_constraints_goldens.json"
KEPT = [0, 1, 2, 4, 5, 6]  # every column but the protected attribute's own (s, index 3)
C = 1.0


def problem():
    """Design (with a trailing 1), ±1 labels and the covariance rows a_g (cov_g = a_g · θ)."""
    _, data = load_inputs()
    x, y, groups = data["train"]
    design = np.hstack([x[:, KEPT], np.ones((len(y), 1))])
    rows = np.array([((groups == g) - np.mean(groups == g)) @ design / len(y) for g in sorted(set(groups.tolist()))])
    return design, 2.0 * y - 1.0, rows


def objective(theta, design, signs):
    """F as cvxpy expression or number."""
    if isinstance(theta, cp.Variable):
        return cp.sum(cp.logistic(-cp.multiply(signs, design @ theta))) + cp.sum_squares(theta[:-1]) / (2 * C)
    return float(np.sum(np.logaddexp(0, -signs * (design @ theta))) + theta[:-1] @ theta[:-1] / (2 * C))


def covariance(threshold, design, signs, rows):
    """min F s.t. |a_g θ| ≤ threshold (None: unconstrained)."""
    theta = cp.Variable(design.shape[1])
    constraints = [] if threshold is None else [cp.abs(rows @ theta) <= threshold]
    cp.Problem(cp.Minimize(objective(theta, design, signs)), constraints).solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return theta.value


def accuracy(budget, design, signs, rows):
    """min max_g |a_g θ| s.t. F ≤ budget."""
    theta = cp.Variable(design.shape[1])
    cp.Problem(cp.Minimize(cp.max(cp.abs(rows @ theta))), [objective(theta, design, signs) <= budget]).solve(
        solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return theta.value


def record(theta, design, signs, rows, **extra):
    return dict(extra, theta=theta.tolist(), objective=objective(theta, design, signs),
                largest_covariance=float(np.max(np.abs(rows @ theta))))


def main():
    design, signs, rows = problem()
    free = covariance(None, design, signs, rows)
    largest = float(np.max(np.abs(rows @ free)))
    results = [record(free, design, signs, rows, method="fairness-constraints", threshold="inf")]
    for kind, value in (("absolute", 0.0), ("relative", 0.5)):
        t = value * (largest if kind == "relative" else 1)
        results.append(record(covariance(t, design, signs, rows), design, signs, rows, method="fairness-constraints",
                              threshold=value, threshold_kind=kind))
    unconstrained = objective(free, design, signs)
    fair = covariance(0.0, design, signs, rows)
    for gamma in (0.002, 0.5):
        budget = (1 + gamma) * unconstrained
        theta = fair if objective(fair, design, signs) <= budget else accuracy(budget, design, signs, rows)
        results.append(record(theta, design, signs, rows, method="fairness-constraints-accuracy", gamma=gamma, budget=budget))
    OUTPUT.write_text(json.dumps(dict(source=f"cvxpy {cp.__version__} (CLARABEL)", kept_columns=KEPT, c=C, results=results), indent=1) + "\n")
    for r in results:
        print(r["method"], r.get("threshold", r.get("gamma")), r["objective"], r["largest_covariance"])


if __name__ == "__main__":
    main()
