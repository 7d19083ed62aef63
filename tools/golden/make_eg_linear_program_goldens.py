"""Golden linear programs for fairlab's exponentiated gradient: every distribution program ("primal": min over
the hypotheses' weights Q and the slack z of Σ Q_h error_h + B z, subject to (γ_h − eps)·Q − z ≤ 0 per
constraint and Σ Q = 1) that Fairlearn 0.15's ExponentiatedGradient hands to scipy's HiGHS on COMPAS's 12
race × sex groups, with HiGHS's optimum of the program and of the dual program Fairlearn solves after it
(max over the multipliers λ ≥ 0, Σ λ ≤ B). These programs are degenerate (the rank of the constraint rows is
half their number) and once stalled fairlab's interior point; the test solves each and checks its optimum and
its multipliers' dual value against HiGHS's.

Makes Tests/FairlabHostTests/Fixtures/eg_linear_programs.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_eg_linear_program_goldens.py

Inputs: every row of datasets/compas.h5, its feature columns standardised (mean 0, standard deviation 1 over
the rows), sensitive feature "race/sex". Estimator LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=10000);
ExponentiatedGradient(DemographicParity(), eps=0.01, max_iter=50, eta0=2.0), Fairlearn's defaults.
"""
import json
import pathlib

import fairlearn
import h5py
import numpy as np
import scipy
import scipy.optimize
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from fairlearn.reductions._exponentiated_gradient import _lagrangian
from sklearn.linear_model import LogisticRegression

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/eg_linear_programs.json"


def load():
    """COMPAS's standardised features, labels and race/sex keys."""
    with h5py.File(ROOT / "datasets/compas.h5", "r") as f:
        columns = sorted(f["columns"].keys(), key=int)
        x = np.column_stack([f["columns"][name][...].astype(float) for name in columns])
        y = f["label"][...].astype(int)
        race = [v.decode() if isinstance(v, bytes) else str(v) for v in f["protected/race"][...]]
        sex = [v.decode() if isinstance(v, bytes) else str(v) for v in f["protected/sex"][...]]
    sd = x.std(axis=0)
    sd[sd == 0] = 1
    return (x - x.mean(axis=0)) / sd, y, np.array([f"{r}/{s}" for r, s in zip(race, sex)])


def main():
    x, y, groups = load()
    captured = []
    solve = scipy.optimize.linprog

    def capture(c, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=None, method=None, **options):
        result = solve(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method=method, **options)
        captured.append(dict(c=np.asarray(c, float), A_ub=np.asarray(A_ub, float), b_ub=np.asarray(b_ub, float),
                             A_eq=None if A_eq is None else np.asarray(A_eq, float), fun=float(result.fun),
                             status=int(result.status)))
        return result

    _lagrangian.opt.linprog = capture
    eg = ExponentiatedGradient(LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10000), DemographicParity(),
                               eps=0.01, max_iter=50, eta0=2.0)
    eg.fit(x, y, sensitive_features=groups)
    programs = []
    for i, call in enumerate(captured):
        if call["A_eq"] is None:
            continue  # a dual program: recorded with the primal before it
        dual = captured[i + 1]
        assert dual["A_eq"] is None and call["status"] == 0 and dual["status"] == 0
        assert np.array_equal(call["A_eq"], [[1.0] * (len(call["c"]) - 1) + [0.0]])  # Σ Q = 1 (the test adds it)
        programs.append(dict(cost=call["c"].tolist(), inequalities=call["A_ub"].tolist(), bounds=call["b_ub"].tolist(),
                             primal_optimum=call["fun"], dual_optimum=-dual["fun"],
                             rank=int(np.linalg.matrix_rank(call["A_ub"]))))
    OUTPUT.write_text(json.dumps(dict(
        source=f"fairlearn {fairlearn.__version__}, scipy {scipy.__version__} (HiGHS); datasets/compas.h5, every row, race/sex",
        groups=int(len(set(groups))), iterations=int(eg.last_iter_), programs=programs), separators=(",", ":")) + "\n")
    print(f"{len(programs)} programs, {len(set(groups))} groups, last {np.shape(programs[-1]['inequalities'])}, "
          f"ranks {[p['rank'] for p in programs]}")


if __name__ == "__main__":
    main()
