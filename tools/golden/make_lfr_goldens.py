"""Golden values for fairlab's LFR (Zemel et al. 2013, Learning Fair Representations), computed with AIF360
0.6.1's aif360.algorithms.preprocessing.LFR. The formulation, with citations into AIF360's source and the
analytic gradient, is written out in /work/notes/lfr-formulation.md (summarised below).

Makes Tests/FairlabHostTests/Fixtures/lfr_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_lfr_goldens.py

(any Python with aif360 0.6.1, numpy, pandas and scipy; the file records the versions used). It reads its
inputs from Tests/FairlabHostTests/Fixtures/preprocessing_goldens.json (made by make_preprocessing_goldens.py),
so reruns give the same file for the same library versions, except the fields named `*_seconds`, which are
wall-clock times (time.perf_counter; best of REPEATS runs, one run for
AIF360 in the seed sweep) and are information only.

Inputs (`inputs`, not copied here): preprocessing_goldens.json's `inputs.train` (400 rows, the 7 standardised
columns x0, x1, x2, s, c0, c1, c2 as features, column s included, labels 0/1, groups 0/1 with 1 privileged)
and `inputs.test` (150 rows). `inputs` here records the shapes and checksums (sum of every feature, number of
positive labels, rows per group) so a test can confirm it loaded the same rows. AIF360 is given a
BinaryLabelDataset whose protected attribute is the standardised column s; the group values passed to LFR are
that column's two standardised values, so AIF360's group split is exactly `groups`.

The objective (theta = [w (k), V (k x p, row-major)], N = n_U + n_P rows, D = Euclidean (not squared)
distance between rows and prototypes, M = row softmax of -D, x_hat = M V, y_hat = clip(M w, eps, 1 - eps) with
eps = 2^-52):

    L_x = mean over U's cells of (x_hat - x)^2 + mean over P's cells of (x_hat - x)^2
    L_y = -(1/N) sum_i [y_i log y_hat_i + (1 - y_i) log(1 - y_hat_i)]
    L_z = (1/k) sum_j | mean_{i in U} M_ij - mean_{i in P} M_ij |
    L   = A_x L_x + A_y L_y + A_z L_z

Stored:

- parameters: k, A_x, A_y, A_z, LFR seed, maxiter, maxfun, threshold and the L-BFGS-B settings AIF360 uses
  (bounds [0, 1] on w and none on V, forward-difference gradient with absolute step 1e-5, m = 10,
  factr = 1e7, pgtol = 1e-5, maxls = 20).
- initial_parameters: the vector AIF360 starts from, numpy.random.seed(seed) then uniform(size = k + k p),
  checked bit for bit against a pure-Python MT19937 replay (53-bit doubles).
- aif360: AIF360's fitted vector (`parameters`, also as `w` and `prototypes`), L-BFGS-B's iteration and
  function-evaluation counts and stop message, the fit time.
- objectives: L and its three terms at fixed vectors, computed by AIF360's own objective function and checked
  (1e-12 relative) against this script's independent formula: `aif360_initial`, `aif360_solution`, `random`
  (default_rng(RANDOM_SEED): w ~ U(0.05, 0.95), V ~ N(0, 1)), `clipped` (w = 0, so every y_hat is clipped to
  eps; V from the same generator) and `analytic_solution`.
- gradients: at `random` and `aif360_initial`, the central difference of AIF360's objective (step 1e-6 on each
  coordinate) and this script's analytic gradient (gemm form, see the notes), which must agree to 1e-6
  relative (max |difference| / max |gradient|) or the script stops.
- transform: AIF360's LFR.transform(threshold 0.5) of the train and test rows at its solution: features
  (= x_hat), labels (= y_hat > 0.5 as 0/1) and scores (= y_hat), every row; checked against x_hat and y_hat
  recomputed here from the stored vector (1e-12).
- analytic_lbfgsb: scipy's L-BFGS-B from the same initial vector with the same bounds, maxiter and maxfun but
  the analytic gradient: the vector it reaches, its objective and terms, iteration and evaluation counts, the
  time. A reference for what an analytic-gradient fit should reach, not a bit-for-bit target (different
  L-BFGS-B implementations take different paths on this non-convex objective).
- seed_sweep: for LFR seeds 0..SWEEP-1, AIF360's final objective and fit time against the analytic-gradient
  run's (information only).

The script stops with an AssertionError if any cross-check fails.
"""
import json
import pathlib
import time

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import fmin_l_bfgs_b

from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
from aif360.algorithms.preprocessing import LFR  # noqa: E402
from aif360.algorithms.preprocessing.lfr_helpers import helpers as lfr_helpers  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from legacy_mt19937 import LegacyMT19937  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/FairlabHostTests/Fixtures"
INPUT = FIXTURES / "preprocessing_goldens.json"
OUTPUT = FIXTURES / "lfr_goldens.json"

K, AX, AY, AZ = 5, 0.01, 1.0, 50.0          # AIF360's defaults
MAXITER, MAXFUN, THRESHOLD = 5000, 5000, 0.5  # AIF360's defaults
LFR_SEED = 0
RANDOM_SEED = 20250612
FD_STEP = 1e-6
REPEATS = 3
SWEEP = 10
EPS = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------------------------- inputs

def load_inputs():
    d = json.loads(INPUT.read_text())["inputs"]
    out = {}
    for split in ("train", "test"):
        x = np.array(d[split]["features"], dtype=float)
        y = np.array(d[split]["labels"], dtype=float)
        g = np.array(d[split]["groups"], dtype=int)
        out[split] = (x, y, g)
    return d["feature_names"], d["sensitive_column"], out


def aif360_dataset(names, x, y):
    df = pd.DataFrame(x, columns=names)
    df["label"] = y
    return BinaryLabelDataset(df=df, label_names=["label"], protected_attribute_names=["s"],
                              favorable_label=1.0, unfavorable_label=0.0)


# ------------------------------------------------------------------------ the formulation, independently

def unpack(theta, p):
    return theta[:K], theta[K:].reshape(K, p)


def terms(theta, x, y, g):
    """L_x, L_y, L_z and L from the definitions (direct distances, no gemm)."""
    n, p = x.shape
    w, v = unpack(theta, p)
    d = np.sqrt(((x[:, None, :] - v[None, :, :]) ** 2).sum(axis=2))
    z = -d - (-d).max(axis=1, keepdims=True)
    m = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    x_hat = m @ v
    y_hat = np.clip(m @ w, EPS, 1.0 - EPS)
    u, q = g == 0, g == 1
    lx = ((x_hat[u] - x[u]) ** 2).mean() + ((x_hat[q] - x[q]) ** 2).mean()
    ly = -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).mean()
    lz = np.abs(m[u].mean(axis=0) - m[q].mean(axis=0)).mean()
    return {"L": AX * lx + AY * ly + AZ * lz, "L_x": lx, "L_y": ly, "L_z": lz}


def objective_and_gradient(theta, x, y, g):
    """The objective and its analytic gradient, in the gemm form derived in the notes (a check, not a
    template: fairlab's Swift code is written from the notes)."""
    n, p = x.shape
    w, v = unpack(theta, p)
    u = g == 0
    n_u, n_p = int(u.sum()), int((~u).sum())
    # Forward.
    sq = (x * x).sum(axis=1)[:, None] - 2.0 * (x @ v.T) + (v * v).sum(axis=1)[None, :]
    d = np.sqrt(np.maximum(sq, 0.0))
    z = -d - (-d).max(axis=1, keepdims=True)
    e = np.exp(z)
    m = e / e.sum(axis=1, keepdims=True)
    x_hat = m @ v
    lin = m @ w
    y_hat = np.clip(lin, EPS, 1.0 - EPS)
    r = x_hat - x
    c = np.where(u, 1.0 / (n_u * p), 1.0 / (n_p * p))              # per-row weight of L_x
    lx = (c[:, None] * r * r).sum()
    ly = -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).mean()
    diff = m[u].mean(axis=0) - m[~u].mean(axis=0)
    lz = np.abs(diff).mean()
    f = AX * lx + AY * ly + AZ * lz
    # Backward.
    g_xhat = (2.0 * AX) * c[:, None] * r                              # n x p
    inside = (lin > EPS) & (lin < 1.0 - EPS)
    g_yhat = np.where(inside, AY * (y_hat - y) / (y_hat * (1.0 - y_hat)) / n, 0.0)
    sgn = np.sign(diff)
    a = np.where(u, 1.0 / n_u, -1.0 / n_p)                            # d mean_U - mean_P / d M_ij
    g_m = g_xhat @ v.T + np.outer(g_yhat, w) + (AZ / K) * np.outer(a, sgn)
    g_z = m * (g_m - (g_m * m).sum(axis=1, keepdims=True))           # softmax backward
    big_e = np.divide(-g_z, d, out=np.zeros_like(d), where=d > 0)     # dL/dD / D
    grad_v = m.T @ g_xhat + big_e.sum(axis=0)[:, None] * v - big_e.T @ x
    grad_w = m.T @ g_yhat
    return f, np.concatenate([grad_w, grad_v.ravel()])


def aif360_objective(theta, x, y, g):
    u, q = g == 0, g == 1
    return lfr_helpers.LFR_optim_objective(theta, x[u], x[q], y[u], y[q], K, AX, AY, AZ, 250, 0)


def central_difference(theta, x, y, g):
    out = np.empty_like(theta)
    for i in range(theta.size):
        hi, lo = theta.copy(), theta.copy()
        hi[i] += FD_STEP
        lo[i] -= FD_STEP
        out[i] = (aif360_objective(hi, x, y, g) - aif360_objective(lo, x, y, g)) / (hi[i] - lo[i])
    return out


def bounds(p):
    return [(0.0, 1.0)] * K + [(None, None)] * (K * p)


# ---------------------------------------------------------------------------------------------- fitting

def best_time(fn, repeats):
    best, result = None, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        el = time.perf_counter() - t
        best = el if best is None else min(best, el)
    return best, result


def aif360_fit(seed, ds, groups, repeats=REPEATS):
    unpriv, priv = groups

    def run():
        return LFR(unprivileged_groups=[{"s": unpriv}], privileged_groups=[{"s": priv}],
                   k=K, Ax=AX, Ay=AY, Az=AZ, seed=seed).fit(ds, maxiter=MAXITER, maxfun=MAXFUN)
    return best_time(run, repeats)


def aif360_replay(x0, x, y, g):
    """The L-BFGS-B call AIF360 makes, repeated to read scipy's stop information."""
    u, q = g == 0, g == 1
    sol, f, info = fmin_l_bfgs_b(lfr_helpers.LFR_optim_objective, x0=x0, epsilon=1e-5,
                                 args=(x[u], x[q], y[u], y[q], K, AX, AY, AZ, 250, 0),
                                 bounds=bounds(x.shape[1]), approx_grad=True, maxfun=MAXFUN, maxiter=MAXITER,
                                 disp=0)
    return sol, f, info


def analytic_fit(x0, x, y, g, repeats=REPEATS):
    def run():
        return fmin_l_bfgs_b(objective_and_gradient, x0=x0.copy(), args=(x, y, g), bounds=bounds(x.shape[1]),
                             maxfun=MAXFUN, maxiter=MAXITER)
    return best_time(run, repeats)


def initial_vector(seed, p):
    np.random.seed(seed)
    x0 = np.random.uniform(size=K + p * K)
    mt = LegacyMT19937(seed)
    replay = np.array([mt.random() for _ in range(x0.size)])
    assert np.array_equal(x0, replay), "initial vector replay"
    return x0


def info_dict(info):
    return {"nit": int(info["nit"]), "nfev": int(info["funcalls"]), "warnflag": int(info["warnflag"]),
            "task": str(info["task"])}


def floats(d):
    return {key: float(val) for key, val in d.items()}


# ------------------------------------------------------------------------------------------------- main

def main():
    names, sensitive, data = load_inputs()
    x, y, g = data["train"]
    xt, yt, gt = data["test"]
    n, p = x.shape
    unpriv, priv = float(x[g == 0, sensitive][0]), float(x[g == 1, sensitive][0])
    for xs, gs in ((x, g), (xt, gt)):  # AIF360's split by the standardised s column is exactly `groups`
        assert np.array_equal(xs[:, sensitive] == priv, gs == 1)
        assert np.array_equal(xs[:, sensitive] == unpriv, gs == 0)
    ds, ds_test = aif360_dataset(names, x, y), aif360_dataset(names, xt, yt)

    # AIF360's fit and its replayed L-BFGS-B call.
    x0 = initial_vector(LFR_SEED, p)
    fit_seconds, model = aif360_fit(LFR_SEED, ds, (unpriv, priv))
    sol = model.learned_model
    replay, replay_f, replay_info = aif360_replay(x0, x, y, g)
    assert np.array_equal(sol, replay), "replayed L-BFGS-B call"
    assert np.array_equal(model.w, sol[:K]) and np.array_equal(model.prototypes, sol[K:].reshape(K, p))

    # Analytic-gradient L-BFGS-B from the same start.
    an_seconds, (an_sol, an_f, an_info) = analytic_fit(x0, x, y, g)

    # Objectives at fixed vectors.
    rng = np.random.default_rng(RANDOM_SEED)
    random_vec = np.concatenate([rng.uniform(0.05, 0.95, K), rng.normal(0.0, 1.0, K * p)])
    clipped_vec = np.concatenate([np.zeros(K), rng.normal(0.0, 1.0, K * p)])
    vectors = {"aif360_initial": x0, "aif360_solution": sol, "random": random_vec, "clipped": clipped_vec,
               "analytic_solution": an_sol}
    objectives = {}
    for name, theta in vectors.items():
        ref = aif360_objective(theta, x, y, g)
        mine = terms(theta, x, y, g)
        gemm_f, _ = objective_and_gradient(theta, x, y, g)
        assert abs(mine["L"] - ref) <= 1e-12 * abs(ref), f"objective {name}"
        assert abs(gemm_f - ref) <= 1e-12 * abs(ref), f"gemm objective {name}"
        objectives[name] = {"parameters": theta.tolist(), **floats(mine), "L_aif360": float(ref)}
    assert abs(objectives["aif360_solution"]["L_aif360"] - replay_f) <= 1e-15 * abs(replay_f)
    assert abs(objectives["analytic_solution"]["L_aif360"] - an_f) <= 1e-12 * abs(an_f)
    # w = 0: every y_hat is clipped to eps, so L_y = -(mean(y) log(eps) + (1 - mean(y)) log(1 - eps)).
    expect_ly = -(y.mean() * np.log(EPS) + (1 - y.mean()) * np.log(1 - EPS))
    assert abs(objectives["clipped"]["L_y"] - expect_ly) <= 1e-12 * expect_ly

    # Gradients.
    gradients = {}
    for name in ("random", "aif360_initial"):
        theta = vectors[name]
        fd = central_difference(theta, x, y, g)
        _, an = objective_and_gradient(theta, x, y, g)
        rel = float(np.max(np.abs(fd - an)) / np.max(np.abs(an)))
        comp = float(np.max(np.abs(fd - an) / np.maximum(np.abs(an), 1e-3 * np.max(np.abs(an)))))
        assert rel < 1e-6, f"gradient check {name}: {rel}"
        gradients[name] = {"central_difference": fd.tolist(), "analytic": an.tolist(),
                           "max_abs_diff_over_max_abs": rel, "max_componentwise_rel": comp}
        print(f"gradient at {name}: max|fd - analytic| / max|analytic| = {rel:.2e}, "
              f"componentwise {comp:.2e}")

    # Transform at AIF360's solution.
    transform = {}
    w, v = unpack(sol, p)
    for split, dset, xs in (("train", ds, x), ("test", ds_test, xt)):
        out = model.transform(dset, threshold=THRESHOLD)
        d = np.sqrt(((xs[:, None, :] - v[None]) ** 2).sum(axis=2))
        m = np.exp(-d - (-d).max(axis=1, keepdims=True))
        m /= m.sum(axis=1, keepdims=True)
        assert np.max(np.abs(out.features - m @ v)) < 1e-12
        assert np.max(np.abs(out.scores[:, 0] - np.clip(m @ w, EPS, 1 - EPS))) < 1e-12
        assert np.array_equal(out.labels[:, 0], (out.scores[:, 0] > THRESHOLD).astype(float))
        transform[split] = {"features": out.features.tolist(), "labels": out.labels[:, 0].astype(int).tolist(),
                            "scores": out.scores[:, 0].tolist()}

    # Seed sweep (information only).
    sweep = []
    for seed in range(SWEEP):
        s0 = initial_vector(seed, p)
        a_sec, a_model = aif360_fit(seed, ds, (unpriv, priv), repeats=1)
        _, _, a_info = aif360_replay(s0, x, y, g)
        b_sec, (_, b_f, b_info) = analytic_fit(s0, x, y, g)
        a_f = aif360_objective(a_model.learned_model, x, y, g)
        sweep.append({"seed": seed, "aif360_L": float(a_f), "aif360_seconds": a_sec,
                      "aif360_nit": int(a_info["nit"]), "aif360_nfev": int(a_info["funcalls"]),
                      "analytic_L": float(b_f), "analytic_seconds": b_sec,
                      "analytic_nit": int(b_info["nit"]), "analytic_nfev": int(b_info["funcalls"])})
        print(f"seed {seed}: AIF360 L = {a_f:.10f} ({a_sec:.3f} s, nit {a_info['nit']}, "
              f"nfev {a_info['funcalls']}); analytic L = {b_f:.10f} ({b_sec:.4f} s, nit {b_info['nit']}, "
              f"nfev {b_info['funcalls']})")

    golden = {
        "generated_by": {"aif360": aif360.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                         "pandas": pd.__version__},
        "inputs": {
            "fixture": "preprocessing_goldens.json", "train": "inputs.train", "test": "inputs.test",
            "feature_names": names, "protected_column": sensitive, "protected_column_in_features": True,
            "train_rows": n, "test_rows": int(xt.shape[0]), "features": p,
            "train_feature_sum": float(x.sum()), "test_feature_sum": float(xt.sum()),
            "train_positive_labels": int(y.sum()), "test_positive_labels": int(yt.sum()),
            "train_rows_per_group": [int((g == 0).sum()), int((g == 1).sum())],
            "test_rows_per_group": [int((gt == 0).sum()), int((gt == 1).sum())],
            "privileged_group": 1,
        },
        "parameters": {
            "k": K, "Ax": AX, "Ay": AY, "Az": AZ, "seed": LFR_SEED, "maxiter": MAXITER, "maxfun": MAXFUN,
            "threshold": THRESHOLD, "clip_eps": EPS,
            "layout": "theta = [w_0..w_{k-1}, V row-major: V[j][f] at k + j*p + f]",
            "initialisation": "numpy.random.seed(seed); numpy.random.uniform(size=k + k*p) (legacy MT19937, "
                              "53-bit doubles in [0, 1))",
            "lbfgsb": {"bounds": "w in [0, 1], V unbounded", "gradient": "forward difference, absolute step 1e-5",
                       "m": 10, "factr": 1e7, "pgtol": 1e-5, "maxls": 20},
            "random_seed": RANDOM_SEED, "fd_step": FD_STEP,
        },
        "initial_parameters": x0.tolist(),
        "aif360": {"w": sol[:K].tolist(), "prototypes": sol[K:].reshape(K, p).tolist(),
                   **objectives["aif360_solution"], **info_dict(replay_info), "fit_seconds": fit_seconds},
        "objectives": objectives,
        "gradients": gradients,
        "transform": transform,
        "analytic_lbfgsb": {"parameters": an_sol.tolist(), **floats(terms(an_sol, x, y, g)),
                            **info_dict(an_info), "fit_seconds": an_seconds},
        "seed_sweep": sweep,
    }
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False))
    print(f"AIF360 (seed {LFR_SEED}): L = {objectives['aif360_solution']['L']:.12f} "
          f"(L_x {objectives['aif360_solution']['L_x']:.6f}, L_y {objectives['aif360_solution']['L_y']:.6f}, "
          f"L_z {objectives['aif360_solution']['L_z']:.3e}), {info_dict(replay_info)}, {fit_seconds:.3f} s")
    print(f"analytic: L = {golden['analytic_lbfgsb']['L']:.12f} (L_x {golden['analytic_lbfgsb']['L_x']:.6f}, "
          f"L_y {golden['analytic_lbfgsb']['L_y']:.6f}, L_z {golden['analytic_lbfgsb']['L_z']:.3e}), "
          f"{info_dict(an_info)}, {an_seconds:.4f} s")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
