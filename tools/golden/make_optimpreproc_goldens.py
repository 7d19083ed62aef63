"""Golden values for fairlab's optimized pre-processing (Calmon et al. 2017, "Optimized Pre-Processing for
Discrimination Prevention"), computed with AIF360 0.6.1's OptimPreproc / OptTools (cvxpy). The formulation, with
citations into AIF360's source, is written out in /work/notes/optimpreproc-formulation.md (summarised below).

Makes Tests/FairlabHostTests/Fixtures/optimpreproc_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_optimpreproc_goldens.py

(any Python with aif360 0.6.1, cvxpy (`pip install cvxpy`; 1.9 picks CLARABEL for this problem), scipy (HiGHS),
numpy, pandas and h5py; the file records the versions used). Everything is deterministic: no random numbers
except the transform replay's fixed seed, and the solvers are deterministic, so reruns give the same file for
the same library versions and the same datasets/adult.h5.

The program (per problem; rows r = (d, x, y) of the product of the observed values, columns j = (x', y');
p_r = count_r / n; p_xy(i) = sum_d p_(d,i); Dist[i][j] the distortion from (x, y) = i to (x', y') = j):

    variables  P[r][j] (= P(x', y' | d, x, y))
    minimise   1/2 * sum_j | sum_r p_r P[r][j] - p_xy(j) |           (total variation between P(X,Y) and P(X',Y'))
    subject to P >= 0, sum_j P[r][j] = 1 for every r
               for every k and every i = (x, y):  sum_{r = (d, i)} w_r * sum_{j : Dist[i][j] >= c_k} P[r][j] <= dlist_k
                   with w_r = (p_r + 1e-10) / (p_xy(i) + 1e-10)
               for every pair of groups d, d' and every y':  | P(Y' = y' | d) - P(Y' = y' | d') | <= epsilon
                   with P(Y' = y' | d) = sum_{r in d} p_r sum_{j : y(j) = y'} P[r][j] / p_d

Problems (`problems`, a list; each has the same keys):

- adult_demo: AIF360's demo_optim_data_preproc.ipynb setup, load_preproc_data_adult(['sex']) with its
  optim_options (get_distortion_adult, epsilon 0.05, clist [0.99, 1.99, 2.99], dlist [0.1, 0.05, 0]), but on
  fairlab's datasets/adult.h5 (the 30,162 rows of adult.data without missing values, all rows, no split) instead
  of AIF360's 48,842-row adult.data + adult.test: the rows are handed to AIF360's own loader (its AdultDataset is
  swapped for a StandardDataset over these rows, so AIF360's custom preprocessing, bucketing and column order
  apply unchanged), then OptimPreproc.fit. D = sex (Female, Male); X = (race (0.0 non-white, 1.0 White),
  Age (decade), Education Years) - the demo keeps race as an ordinary feature; Y = Income Binary.
- toy_binary: |D| = 2, X = one 4-level feature, |Y| = 2, 169 rows, demo options, with a (d, x, y) cell empty for one group
  only and an (x, y) cell empty for both; run through OptTools directly (what OptimPreproc.fit does after
  turning the dataset into a categorical DataFrame).
- toy_three_groups: |D| = 3, X = two binary features, |Y| = 2, 137 rows, with an empty (x, y) cell; epsilon 0.05,
  dlist [0.05, 0.02, 0] (looser dlist gives optimum 0: D is not in the objective); OptTools directly.

Stored per problem:

- features {D, X, Y} (names, in AIF360's order), values {D, X, Y} (per feature, AIF360's value order, as strings),
  rows (the |DXY| row tuples of AIF360's dfP index, D values then X values then Y value, strings), columns (the
  |XY| column tuples (X..., Y)), row_group (index of the row's D tuple in `groups`), row_xy (index of the row's
  own (x, y) in `columns`), groups (the D tuples, AIF360's order; P(Y'|d) rows follow it), y_of_column (index
  into values.Y[0] of each column's y).
- counts (per row, integers; rows not in the data are 0) and n; p_xy (per column, sum over d of counts / n).
- distortion (|XY| x |XY|, distortion[i][j] from columns[i] to columns[j]), options {epsilon, clist, dlist}.
- sizes: |D|, |X|, |Y|, |XY|, |DXY|, cvxpy's scalar variable / equality / inequality counts, the number of
  entries P[r][j] forced to 0 by a dlist = 0 constraint, rows with zero mass, columns with zero mass, and the
  presolved LP's size (see reference).
- aif360: cvxpy's solver name, status, iterations, objective (prob.value, AIF360's `optimum`), `const` (AIF360's
  max excess distortion per c), the transformation matrix P, marginal_xy (sum_r p_r P[r][:]),
  p_yhat_given_d (|groups| x |Y|, AIF360's dfPyhgD), discrimination (max over pairs and y' of the absolute
  difference, the quantity bounded by epsilon), excess_distortion (per c, per column i, the left side above).
  adult_demo stores P sparse, P_sparse = per row [[j, value], ...] with every |value| >= 1e-7 (10 significant
  digits), and P_dropped_mass = per row the sum of the entries left out (signed; <= 3e-5 in absolute value); the
  toys store P dense (`P`), full precision.
- original: p_xy, p_y_given_d (AIF360's dfPxygdPrior), discrimination of the untransformed data.
- reference: an independent solution of the same program (scipy.optimize.linprog, HiGHS dual simplex, built
  from the stored counts / distortion / options by this script, not by AIF360): objective_full (the whole
  program above, 1e-10 weights and all), objective_presolved (entries forced to 0 removed, zero-mass rows fixed to
  the identity - they enter neither objective nor discrimination and the identity has zero distortion), which
  must agree to 1e-9; objective_cvxpy_highs (AIF360's own cvxpy problem re-solved with solver HIGHS); P_sparse
  (the presolved vertex solution, every nonzero, per row [[j, value], ...]; zero-mass rows are the identity), its
  marginal_xy, p_yhat_given_d, discrimination and excess_distortion; presolved_sizes (variables, equality
  rows, inequality rows of the presolved LP in the form: P entries + s_plus + s_minus >= 0, row sums and
  marginal equalities, excess and discrimination inequalities).
- transform (toy_binary only): AIF360's randomized mapping replayed, as OptimPreproc.transform(transform_Y=True)
  does it (it cannot itself run under pandas 3: it calls DataFrame.applymap): entries of AIF360's P below 1e-8
  set to 0, rows renormalised (`P_sampling`), numpy.random.seed(seed), then for each data row in order
  numpy.random.choice(|XY|, p=P_sampling[row]) = one 53-bit double u, the first column whose normalised
  cumulative sum exceeds u (searchsorted side='right'). `data_rows` are the rows of the data in dfP-row order
  (each row index repeated count times), `uniforms` the doubles, `drawn_columns` the columns drawn; checked
  against a pure-Python MT19937 replay.

The script stops with an AssertionError if any cross-check fails.
"""
import json
import pathlib
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
import cvxpy as cp  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

import aif360.algorithms.preprocessing.optim_preproc as optim_preproc_module  # noqa: E402
import aif360.algorithms.preprocessing.optim_preproc_helpers.data_preproc_functions as dpf  # noqa: E402
import fairlab_dataset  # noqa: E402
from aif360.algorithms.preprocessing.optim_preproc import OptimPreproc  # noqa: E402
from aif360.algorithms.preprocessing.optim_preproc_helpers.distortion_functions import get_distortion_adult  # noqa: E402
from aif360.algorithms.preprocessing.optim_preproc_helpers.opt_tools import OptTools  # noqa: E402
from aif360.datasets import StandardDataset  # noqa: E402
from legacy_mt19937 import LegacyMT19937  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/optimpreproc_goldens.json"
ADULT = ROOT / "datasets/adult.h5"

DEMO_OPTIONS = {"epsilon": 0.05, "clist": [0.99, 1.99, 2.99], "dlist": [0.1, 0.05, 0.0]}
SMOOTH = 1e-10          # AIF360's additive smoothing in the excess-distortion weights
SPARSE_KEEP = 1e-7      # adult_demo's AIF360 P: entries kept
SAMPLING_ZERO = 1e-8    # transform: entries below this are set to 0
TRANSFORM_SEED = 12345


def as_text(value):
    return str(value)


# --------------------------------------------------------------------------- independent math (the notes)

def structure(opt):
    """The problem's index structure read from a fitted OptTools, as plain arrays."""
    rows = [tuple(t) for t in opt.dfP.index.tolist()]
    columns = [tuple(t) for t in opt.dfP.columns.tolist()]
    nd = len(opt.D_features)
    groups = [tuple(t) if isinstance(t, tuple) else (t,) for t in opt.dfPdMarginal.index.tolist()]
    col_pos = {c: j for j, c in enumerate(columns)}
    group_pos = {g: k for k, g in enumerate(groups)}
    row_xy = np.array([col_pos[r[nd:]] for r in rows])
    row_group = np.array([group_pos[r[:nd]] for r in rows])
    y_values = opt.Y_values[0]
    y_of_column = np.array([y_values.index(c[-1]) for c in columns])
    return rows, columns, groups, row_xy, row_group, y_of_column


def evaluate(P, p, row_xy, row_group, y_of_column, dist, options, ngroups, ny):
    """Objective, marginal, P(Y'|d), discrimination and excess distortion of a transformation P."""
    nxy = dist.shape[0]
    p_xy = np.bincount(row_xy, weights=p, minlength=nxy)
    q = p @ P
    objective = 0.5 * np.abs(q - p_xy).sum()
    p_d = np.bincount(row_group, weights=p, minlength=ngroups)
    joint_dy = np.zeros((ngroups, ny))
    ymask = np.eye(ny)[y_of_column]                      # |XY| x |Y|
    np.add.at(joint_dy, row_group, (p[:, None] * P) @ ymask)
    p_yhat = joint_dy / p_d[:, None]
    disc = max(abs(p_yhat[a, y] - p_yhat[b, y]) for a in range(ngroups) for b in range(ngroups) for y in range(ny))
    w = (p + SMOOTH) / (p_xy[row_xy] + SMOOTH)
    excess = []
    for c in options["clist"]:
        bad = (dist >= c).astype(float)                  # |XY| x |XY|
        per_row = (P * bad[row_xy]).sum(axis=1) * w
        excess.append(np.bincount(row_xy, weights=per_row, minlength=nxy))
    return dict(objective=objective, marginal_xy=q, p_yhat_given_d=p_yhat, discrimination=disc,
                excess_distortion=excess, p_xy=p_xy)


def solve_lp(p, row_xy, row_group, y_of_column, dist, options, ngroups, ny, presolve):
    """The program as an LP for scipy's HiGHS: variables [P entries (free ones), s_plus (|XY|), s_minus (|XY|)]."""
    nr, nxy = len(p), dist.shape[0]
    p_xy = np.bincount(row_xy, weights=p, minlength=nxy)
    p_d = np.bincount(row_group, weights=p, minlength=ngroups)
    w = (p + SMOOTH) / (p_xy[row_xy] + SMOOTH)
    zero_k = [k for k, dl in enumerate(options["dlist"]) if dl == 0]
    forced = np.zeros((nxy, nxy), dtype=bool)
    for k in zero_k:
        forced |= dist >= options["clist"][k]
    fixed = np.zeros((nr, nxy))                          # values of entries that are not variables
    var_r, var_j = [], []
    for r in range(nr):
        if presolve and p[r] == 0:
            assert dist[row_xy[r], row_xy[r]] < min(options["clist"]), "identity must have zero excess"
            fixed[r, row_xy[r]] = 1.0
            continue
        for j in range(nxy):
            if presolve and forced[row_xy[r], j]:
                continue
            var_r.append(r)
            var_j.append(j)
    var_r, var_j = np.array(var_r), np.array(var_j)
    nv = len(var_r)
    ntot = nv + 2 * nxy
    cost = np.concatenate([np.zeros(nv), 0.5 * np.ones(2 * nxy)])
    # equalities: row sums (rows that have variables), marginals
    var_rows = np.unique(var_r)
    row_eq = {r: k for k, r in enumerate(var_rows)}
    ei, ej, ev = [], [], []
    b_eq = [1.0] * len(var_rows)
    ei += [row_eq[r] for r in var_r]; ej += list(range(nv)); ev += [1.0] * nv
    base = len(var_rows)
    ei += [base + j for j in var_j]; ej += list(range(nv)); ev += list(p[var_r])
    ei += [base + j for j in range(nxy)]; ej += [nv + j for j in range(nxy)]; ev += [-1.0] * nxy
    ei += [base + j for j in range(nxy)]; ej += [nv + nxy + j for j in range(nxy)]; ev += [1.0] * nxy
    fixed_q = p @ fixed
    b_eq += list(p_xy - fixed_q)
    A_eq = sp.csr_matrix((ev, (ei, ej)), shape=(base + nxy, ntot))
    # inequalities: excess distortion (constraints with dlist > 0, or every one without presolve), discrimination
    ui, uj, uv, b_ub = [], [], [], []
    nrow = 0
    for k, c in enumerate(options["clist"]):
        if presolve and k in zero_k:
            continue
        bad_var = dist[row_xy[var_r], var_j] >= c
        fixed_excess = np.bincount(row_xy, weights=(fixed * (dist >= c)[row_xy]).sum(1) * w, minlength=nxy)
        for i in range(nxy):
            sel = np.flatnonzero(bad_var & (row_xy[var_r] == i))
            if len(sel) == 0 and presolve:
                continue
            ui += [nrow] * len(sel); uj += list(sel); uv += list(w[var_r[sel]])
            b_ub.append(options["dlist"][k] - fixed_excess[i]); nrow += 1
    # P(y'|d) as a linear function of the variables (+ a constant from fixed entries)
    coef = p[var_r] / p_d[row_group[var_r]]
    ymask = np.eye(ny)[y_of_column]
    fixed_dy = np.zeros((ngroups, ny))
    np.add.at(fixed_dy, row_group, (p[:, None] * fixed) @ ymask)
    fixed_dy /= p_d[:, None]
    for a in range(ngroups):
        for b in range(a + 1, ngroups):
            for y in range(ny):
                for sign in (1.0, -1.0):
                    sa = (row_group[var_r] == a) & (y_of_column[var_j] == y)
                    sb = (row_group[var_r] == b) & (y_of_column[var_j] == y)
                    idx = np.concatenate([np.flatnonzero(sa), np.flatnonzero(sb)])
                    val = np.concatenate([sign * coef[sa], -sign * coef[sb]])
                    ui += [nrow] * len(idx); uj += list(idx); uv += list(val)
                    b_ub.append(options["epsilon"] - sign * (fixed_dy[a, y] - fixed_dy[b, y])); nrow += 1
    A_ub = sp.csr_matrix((uv, (ui, uj)), shape=(nrow, ntot))
    res = linprog(cost, A_ub=A_ub, b_ub=np.array(b_ub), A_eq=A_eq, b_eq=np.array(b_eq), bounds=(0, None),
                  method="highs-ds", options={"primal_feasibility_tolerance": 1e-10,
                                               "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, f"linprog: {res.message}"
    P = fixed.copy()
    P[var_r, var_j] = res.x[:nv]
    sizes = {"variables": int(ntot), "P_variables": int(nv), "equalities": int(A_eq.shape[0]),
             "inequalities": int(A_ub.shape[0]), "A_nonzeros": int(A_eq.nnz + A_ub.nnz)}
    return res.fun, P, sizes


# ------------------------------------------------------------------------------------------- one problem

def run_problem(name, description, fit, options, dense_P):
    """fit() returns (OptTools fitted by AIF360, n, the cvxpy problem it solved, cvxpy's statistics of that
    solve); the rest is common to every problem."""
    opt, n, prob, stats = fit()
    rows, columns, groups, row_xy, row_group, y_of_column = structure(opt)
    ngroups, ny = len(groups), len(opt.Y_values[0])
    dist = opt.dfD.values.astype(float)
    # counts per dfP row, read from the joint table independently of AIF360's PxydMarginal
    dxy = opt.D_features + opt.X_features + opt.Y_features
    joint = opt.dfJoint.set_index(dxy)["Count"]
    counts = np.array([int(joint.get(r, 0)) for r in rows])
    assert counts.sum() == n
    p = counts / n
    assert np.allclose(p, opt.PxydMarginal, rtol=0, atol=1e-15), "AIF360's PxydMarginal is counts / n in dfP order"
    P = opt.dfP.values.astype(float)

    mine = evaluate(P, p, row_xy, row_group, y_of_column, dist, options, ngroups, ny)
    assert abs(mine["objective"] - opt.optimum) < 1e-6, (mine["objective"], opt.optimum)
    assert np.allclose(mine["p_yhat_given_d"], opt.dfPyhgD.values, atol=1e-12)
    for k in range(len(options["clist"])):
        assert abs(mine["excess_distortion"][k].max() - opt.const[k]) < 1e-9, (k, opt.const[k])
    assert np.allclose(mine["p_xy"], opt.dfPxyMarginal.values.ravel(), atol=1e-15)

    original = evaluate(np.eye(len(columns))[row_xy], p, row_xy, row_group, y_of_column, dist, options, ngroups, ny)
    p_y_given_d = opt.dfPxygdPrior.values
    assert np.allclose(original["p_yhat_given_d"][:, :], p_y_given_d, atol=1e-12)

    # independent LP solutions
    obj_full, _, full_sizes = solve_lp(p, row_xy, row_group, y_of_column, dist, options, ngroups, ny, False)
    obj_pre, P_ref, pre_sizes = solve_lp(p, row_xy, row_group, y_of_column, dist, options, ngroups, ny, True)
    assert abs(obj_full - obj_pre) < 1e-9, (obj_full, obj_pre)
    ref = evaluate(P_ref, p, row_xy, row_group, y_of_column, dist, options, ngroups, ny)
    assert abs(ref["objective"] - obj_pre) < 1e-9
    assert ref["discrimination"] <= options["epsilon"] + 1e-9
    for k, dl in enumerate(options["dlist"]):
        assert ref["excess_distortion"][k].max() <= dl + 1e-9
    assert np.all(P_ref >= -1e-12) and np.allclose(P_ref.sum(1), 1, atol=1e-9)
    obj_cvx_highs = prob.solve(solver="HIGHS")
    assert prob.status == "optimal"
    assert abs(obj_cvx_highs - obj_pre) < 1e-8, (obj_cvx_highs, obj_pre)
    assert abs(opt.optimum - obj_pre) < 1e-4, (opt.optimum, obj_pre)
    print(f"{name}: AIF360 ({stats['solver']}, {stats['status']}) objective {opt.optimum:.10f}; HiGHS {obj_pre:.12f}; "
          f"discrimination {mine['discrimination']:.6f} (original {original['discrimination']:.6f})")

    forced = np.zeros_like(dist, dtype=bool)
    for k, dl in enumerate(options["dlist"]):
        if dl == 0:
            forced |= dist >= options["clist"][k]
    out = {
        "name": name,
        "description": description,
        "features": {"D": list(opt.D_features), "X": list(opt.X_features), "Y": list(opt.Y_features)},
        "values": {"D": [[as_text(v) for v in vs] for vs in opt.D_values],
                   "X": [[as_text(v) for v in vs] for vs in opt.X_values],
                   "Y": [[as_text(v) for v in vs] for vs in opt.Y_values]},
        "rows": [[as_text(v) for v in r] for r in rows],
        "columns": [[as_text(v) for v in c] for c in columns],
        "groups": [[as_text(v) for v in g] for g in groups],
        "row_group": row_group.tolist(),
        "row_xy": row_xy.tolist(),
        "y_of_column": y_of_column.tolist(),
        "n": int(n),
        "counts": counts.tolist(),
        "p_xy": original["p_xy"].tolist(),
        "distortion": [[int(v) if float(v).is_integer() else float(v) for v in row] for row in dist],
        "options": dict(options),
        "sizes": {
            "D": ngroups, "X": int(len(columns) // ny), "Y": ny, "XY": len(columns), "DXY": len(rows),
            "cvxpy_scalar_variables": int(prob.size_metrics.num_scalar_variables),
            "cvxpy_scalar_equalities": int(prob.size_metrics.num_scalar_eq_constr),
            "cvxpy_scalar_inequalities": int(prob.size_metrics.num_scalar_leq_constr),
            "P_entries": int(len(rows) * len(columns)),
            "P_entries_forced_zero": int(forced[row_xy].sum()),
            "rows_with_zero_mass": int((counts == 0).sum()),
            "columns_with_zero_mass": int((original["p_xy"] == 0).sum()),
            "full_lp": full_sizes,
            "presolved_lp": pre_sizes,
        },
        "aif360": {
            **stats,
            "objective": float(opt.optimum),
            "const": [float(c) for c in opt.const],
            "marginal_xy": mine["marginal_xy"].tolist(),
            "p_yhat_given_d": mine["p_yhat_given_d"].tolist(),
            "discrimination": float(mine["discrimination"]),
            "excess_distortion": [e.tolist() for e in mine["excess_distortion"]],
        },
        "original": {"p_xy": original["p_xy"].tolist(), "p_y_given_d": p_y_given_d.tolist(),
                     "discrimination": float(original["discrimination"])},
        "reference": {
            "solver": f"scipy {scipy.__version__} linprog(method='highs-ds'), feasibility tolerances 1e-10",
            "objective_full": float(obj_full),
            "objective_presolved": float(obj_pre),
            "objective_cvxpy_highs": float(obj_cvx_highs),
            "P_sparse": [[[int(j), float(P_ref[r, j])] for j in np.flatnonzero(P_ref[r] != 0)]
                         for r in range(len(rows))],
            "marginal_xy": ref["marginal_xy"].tolist(),
            "p_yhat_given_d": ref["p_yhat_given_d"].tolist(),
            "discrimination": float(ref["discrimination"]),
            "excess_distortion": [e.tolist() for e in ref["excess_distortion"]],
        },
    }
    if dense_P:
        out["aif360"]["P"] = P.tolist()
    else:
        keep = np.abs(P) >= SPARSE_KEEP
        out["aif360"]["P_sparse"] = [[[int(j), float("%.10g" % P[r, j])] for j in np.flatnonzero(keep[r])]
                                     for r in range(len(rows))]
        out["aif360"]["P_sparse_threshold"] = SPARSE_KEEP
        out["aif360"]["P_dropped_mass"] = [float("%.6g" % v) for v in np.where(keep, 0.0, P).sum(axis=1)]
    return out, opt, P, p, row_xy


def fit_with_stats(fit):
    """Runs AIF360's fit, keeping the cvxpy problem it solves and the solver's statistics (read before anything
    re-solves the problem)."""
    def wrapped():
        original = cp.Problem.solve
        seen = {}

        def solve(problem, *args, **kwargs):
            result = original(problem, *args, **kwargs)
            seen["problem"] = problem
            seen["stats"] = {"solver": problem.solver_stats.solver_name, "status": problem.status,
                             "iterations": int(problem.solver_stats.num_iters or 0),
                             "solve_call": "prob.solve() with cvxpy's default solver choice"}
            return result
        cp.Problem.solve = solve
        try:
            opt, n = fit()
        finally:
            cp.Problem.solve = original
        return opt, n, seen["problem"], seen["stats"]
    return wrapped


# -------------------------------------------------------------------------------------------- problems

def adult_fit():
    data = fairlab_dataset.load(ADULT)
    names, F = data["names"], data["features"]
    sex, race = data["protected"]["sex"], data["protected"]["race"]
    raw = pd.DataFrame({  # the raw file's column names and order, the columns AIF360's loader reads
        "age": F[:, names.index("age")].astype(int),
        "education-num": F[:, names.index("education-num")].astype(int),
        "race": np.array(race["categories"], dtype=object)[race["codes"]],
        "sex": np.array(sex["categories"], dtype=object)[sex["codes"]],
        "income-per-year": np.where(data["labels"] == 1, ">50K", "<=50K").astype(object),
    })
    original_loader = dpf.AdultDataset
    dpf.AdultDataset = lambda **kwargs: StandardDataset(df=raw.copy(), **kwargs)
    try:
        dataset = dpf.load_preproc_data_adult(["sex"])
    finally:
        dpf.AdultDataset = original_loader
    options = {"distortion_fun": get_distortion_adult, **DEMO_OPTIONS}
    op = OptimPreproc(OptTools, options, verbose=False).fit(dataset)
    return op.OpT, len(raw)


TOY_BINARY_COUNTS = {  # (group, level, label): count; (0, 2, 1) is empty for group 0 only, (*, 3, 0) for both
    (0, 0, 0): 30, (0, 0, 1): 2, (0, 1, 0): 25, (0, 1, 1): 5, (0, 2, 0): 15, (0, 2, 1): 0, (0, 3, 0): 0,
    (0, 3, 1): 4,
    (1, 0, 0): 10, (1, 0, 1): 3, (1, 1, 0): 15, (1, 1, 1): 10, (1, 2, 0): 12, (1, 2, 1): 18, (1, 3, 0): 0,
    (1, 3, 1): 20,
}
TOY_BINARY_OPTIONS = {"epsilon": 0.05, "clist": [0.99, 1.99, 2.99], "dlist": [0.1, 0.05, 0.0]}


def toy_binary_distortion(old, new):
    """Like get_distortion_adult: a jump of two or more levels is forbidden (3), one level costs 2, lowering the
    label costs 1, anything else 0."""
    step = abs(new["level"] - old["level"])
    if step >= 2:
        return 3.0
    if step == 1:
        return 2.0
    return 1.0 if old["label"] > new["label"] else 0.0


TOY_THREE_COUNTS = {  # (group, u, v, label): count; (*, 'hi', 1, 'no') is empty for every group
    ("a", "lo", 0, "no"): 20, ("a", "lo", 0, "yes"): 4, ("a", "lo", 1, "no"): 9, ("a", "lo", 1, "yes"): 3,
    ("a", "hi", 0, "no"): 6, ("a", "hi", 0, "yes"): 5, ("a", "hi", 1, "yes"): 2,
    ("b", "lo", 0, "no"): 8, ("b", "lo", 0, "yes"): 7, ("b", "lo", 1, "no"): 5, ("b", "lo", 1, "yes"): 6,
    ("b", "hi", 0, "no"): 4, ("b", "hi", 0, "yes"): 9, ("b", "hi", 1, "yes"): 7,
    ("c", "lo", 0, "no"): 3, ("c", "lo", 0, "yes"): 6, ("c", "lo", 1, "no"): 2, ("c", "lo", 1, "yes"): 8,
    ("c", "hi", 0, "no"): 1, ("c", "hi", 0, "yes"): 10, ("c", "hi", 1, "yes"): 12,
}
TOY_THREE_OPTIONS = {"epsilon": 0.05, "clist": [0.99, 1.99, 2.99], "dlist": [0.05, 0.02, 0.0]}


def toy_three_distortion(old, new):
    """Changing u costs 2, changing v 1, lowering the label ('yes' -> 'no') 1; the sum, capped at 3."""
    cost = 2.0 * (old["u"] != new["u"]) + 1.0 * (old["v"] != new["v"]) + \
        1.0 * (old["label"] == "yes" and new["label"] == "no")
    return min(cost, 3.0)


def toy_fit(counts, columns, d, x, y, distortion, options):
    def fit():
        records = [key for key, c in counts.items() for _ in range(c)]
        df = pd.DataFrame.from_records(records, columns=columns)
        opt = OptTools(df=df, features=x + y + d)            # the order OptimPreproc.fit passes
        opt.set_features(D=d, X=x, Y=y)
        opt.set_distortion(distortion, clist=options["clist"])
        opt.optimize(epsilon=options["epsilon"], dlist=options["dlist"], verbose=False)
        opt.compute_marginals()
        return opt, len(df)
    return fit


def transform_replay(opt, P, counts):
    """OptimPreproc.transform(transform_Y=True)'s randomized mapping on the training rows (in dfP-row order)."""
    sampling = np.where(P < SAMPLING_ZERO, 0.0, P)
    sampling = sampling / sampling.sum(axis=1, keepdims=True)
    data_rows = np.repeat(np.arange(len(counts)), counts)
    rows = [tuple(t) for t in opt.dfP.index.tolist()]
    features = opt.D_features + opt.X_features + opt.Y_features
    df = pd.DataFrame([rows[r] for r in data_rows], columns=features)
    df_map = pd.DataFrame(sampling, index=opt.dfP.index, columns=opt.dfP.columns)
    mapped = optim_preproc_module._apply_randomized_mapping(df, df_map, features=features,
                                                           random_seed=TRANSFORM_SEED)
    columns = [tuple(t) for t in opt.dfP.columns.tolist()]
    col_pos = {c: j for j, c in enumerate(columns)}
    xy_names = opt.X_features + opt.Y_features
    drawn = [col_pos[tuple(t)] for t in mapped[xy_names].itertuples(index=False)]
    # pure-Python replay: one 53-bit double per row, searchsorted(cumsum / last, u, side='right')
    mt = LegacyMT19937(TRANSFORM_SEED)
    uniforms, replay = [], []
    for r in data_rows:
        u = mt.random()
        cdf = np.cumsum(sampling[r])
        cdf /= cdf[-1]
        uniforms.append(u)
        replay.append(int(np.searchsorted(cdf, u, side="right")))
    assert replay == drawn, "randomized mapping replay"
    assert (mapped[opt.D_features].values == df[opt.D_features].values).all(), "D is never changed"
    return {"seed": TRANSFORM_SEED, "zero_below": SAMPLING_ZERO, "P_sampling": sampling.tolist(),
            "data_rows": data_rows.tolist(), "uniforms": uniforms, "drawn_columns": drawn}


def main():
    problems = []
    out, *_ = run_problem(
        "adult_demo",
        "AIF360 demo_optim_data_preproc.ipynb (Adult, protected attribute sex) on fairlab's datasets/adult.h5, "
        "all 30,162 rows, through AIF360's load_preproc_data_adult(['sex']) and OptimPreproc.fit",
        fit_with_stats(adult_fit), DEMO_OPTIONS, dense_P=False)
    problems.append(out)
    out, opt, P, p, _ = run_problem(
        "toy_binary", "two groups, one 4-level feature 'level', binary 'label'; OptTools directly",
        fit_with_stats(toy_fit(TOY_BINARY_COUNTS, ["group", "level", "label"], ["group"], ["level"], ["label"],
                               toy_binary_distortion, TOY_BINARY_OPTIONS)),
        TOY_BINARY_OPTIONS, dense_P=True)
    out["transform"] = transform_replay(opt, P, np.array(out["counts"]))
    problems.append(out)
    out, *_ = run_problem(
        "toy_three_groups", "three groups a/b/c, two binary features u (lo/hi) and v (0/1), label no/yes; "
        "OptTools directly",
        fit_with_stats(toy_fit(TOY_THREE_COUNTS, ["group", "u", "v", "label"], ["group"], ["u", "v"], ["label"],
                               toy_three_distortion, TOY_THREE_OPTIONS)),
        TOY_THREE_OPTIONS, dense_P=True)
    problems.append(out)

    golden = {
        "generated_by": {"aif360": aif360.__version__, "cvxpy": cp.__version__, "numpy": np.__version__,
                         "pandas": pd.__version__, "scipy": scipy.__version__},
        "notes": "/work/notes/optimpreproc-formulation.md; smoothing 1e-10 in the excess-distortion weights",
        "smoothing": SMOOTH,
        "problems": problems,
    }
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
