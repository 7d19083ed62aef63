"""Golden values for fairlab's PrejudiceRemover (Kamishima et al. 2012), computed with AIF360 0.6.1's
aif360.algorithms.inprocessing.PrejudiceRemover, which runs Kamishima's kamfadm-2012ecmlpkdd code
(train_pr.py / predict_lr.py, model fadm/lr/pr.py LRwPRType4) in a subprocess. The formulation, with
citations, is in /work/notes/prejudice-remover.md.

Makes Tests/FairlabHostTests/Fixtures/prejudice_remover_goldens.json. Rerun with:

    PATH=/work/pyenv/bin:$PATH /work/pyenv/bin/python tools/golden/make_prejudice_remover_goldens.py

(AIF360 starts the kamfadm scripts with the bare command `python`, so the venv's python must come first on
PATH; the script checks the subprocess produced a model). Reads preprocessing_goldens.json `inputs`.

Data given to AIF360: a BinaryLabelDataset with the 7 feature columns x0, x1, x2, s, c0, c1, c2, where column
s is replaced by the group code (0/1, privileged value 1) so that AIF360's `isin(privileged)` gives exactly
`groups`. AIF360 drops every protected column from the features, so the model's non-sensitive inputs are the
6 standardised columns x0, x1, x2, c0, c1, c2 (column 3 is NOT a feature; it only selects the weight vector).

Model (parameter layout, n_sfv = 2 groups, d = 6 + 1): theta has 14 entries, theta.reshape(2, 7): row g is the
weight vector used for rows with s = g (row 0 = s=0 unprivileged, row 1 = s=1 privileged); within a row the 6
feature weights in the order x0, x1, x2, c0, c1, c2 and then the intercept (a column of ones appended last).

    a_i = clip(w_{s_i} . [x_i, 1], -R, R), R = log((1 - 1e-10) / 1e-10);  p_i = 1 / (1 + exp(-a_i))
    q_g = mean_{i: s_i = g} p_i;   r = mean_i p_i
    NLL = -sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)]
    PI  = sum_i [p_i (log q_{s_i} - log r) + (1 - p_i) (log(1 - q_{s_i}) - log(1 - r))]
    L2  = (C / 2) * sum of ALL 14 squared entries (intercepts penalised), C = 1
    L   = NLL + eta * PI + L2

Fit: scipy.optimize.fmin_cg(loss, init, fprime=analytic grad, maxiter=100, disp=False, other defaults
gtol=1e-5, norm=inf) from the itype=3 initial point: for each group g separately, sklearn
LogisticRegression(C=1, penalty='l2', fit_intercept=False, max_iter=1000) on [x, 1] of that group's rows.
Predict: score = p_i with the row's own s; label = argmax([1 - p, p]), i.e. 1 iff p > 0.5.

Gradients: `gradients.*.analytic` is kamfadm's grad_loss, which has a wrong r-term for eta > 0 (see the notes);
`central_difference` is the true gradient of L. fmin_cg uses kamfadm's, so AIF360's solution is where CG's
line search gave up (warnflag 2), not a stationary point of L. Reproduce grad_loss to match `parameters`.

The script stops with an AssertionError if a cross-check fails.
"""
import json
import os
import pathlib
import pickle
import sys

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import fmin_cg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
import sklearn  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.algorithms.inprocessing import PrejudiceRemover  # noqa: E402
import aif360.algorithms.inprocessing.prejudice_remover as prm  # noqa: E402

KDIR = os.path.join(os.path.dirname(prm.__file__), "kamfadm-2012ecmlpkdd")
sys.path.insert(0, KDIR)
from fadm.lr.pr import LRwPRType4, SIGMOID_RANGE  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests/FairlabHostTests/Fixtures"
INPUT = FIXTURES / "preprocessing_goldens.json"
OUTPUT = FIXTURES / "prejudice_remover_goldens.json"

ETAS = [0.0, 1.0, 25.0]
C = 1.0  # train_pr.py default (-C), AIF360 passes no -C
RANDOM_SEED = 20250613
FD_STEP = 1e-6


def load_inputs():
    d = json.loads(INPUT.read_text())["inputs"]
    out = {}
    for split in ("train", "test"):
        out[split] = (np.array(d[split]["features"], float), np.array(d[split]["labels"], float),
                      np.array(d[split]["groups"], int))
    return d["feature_names"], d["sensitive_column"], out


def aif360_dataset(names, x, y, g):
    df = pd.DataFrame(x, columns=names)
    df["s"] = g.astype(float)
    df["label"] = y
    return BinaryLabelDataset(df=df, label_names=["label"], protected_attribute_names=["s"],
                              favorable_label=1.0, unfavorable_label=0.0,
                              privileged_protected_attributes=[np.array([1.0])])


def design(x, scol):
    """Non-sensitive columns in their order plus a trailing column of ones."""
    keep = [j for j in range(x.shape[1]) if j != scol]
    return np.c_[x[:, keep], np.ones(x.shape[0])]


def terms(theta, xd, y, s, eta):
    w = theta.reshape(2, xd.shape[1])
    a = np.clip(np.einsum("ij,ij->i", xd, w[s]), -SIGMOID_RANGE, SIGMOID_RANGE)
    p = 1.0 / (1.0 + np.exp(-a))
    q = np.array([p[s == g].mean() for g in range(2)])
    r = p.mean()
    nll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    pi = np.sum(p * (np.log(q[s]) - np.log(r)) + (1 - p) * (np.log(1 - q[s]) - np.log(1 - r)))
    l2 = 0.5 * C * np.sum(theta * theta)
    return {"L": nll + eta * pi + l2, "NLL": nll, "PI": pi, "L2": l2}


def close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def main():
    names, scol, data = load_inputs()
    x, y, g = data["train"]
    xt, yt, gt = data["test"]
    xd, xdt = design(x, scol), design(xt, scol)
    n_par = 2 * xd.shape[1]
    rng = np.random.default_rng(RANDOM_SEED)
    fixed = {"zeros": np.zeros(n_par), "random": rng.normal(0.0, 0.5, n_par)}

    tr, te = aif360_dataset(names, x, y, g), aif360_dataset(names, xt, yt, gt)
    results = []
    for eta in ETAS:
        pr = PrejudiceRemover(eta=eta, sensitive_attr="s")
        pr.fit(tr)
        assert os.path.getsize(pr.model_name) > 0, "train_pr.py subprocess failed (is `python` the venv?)"
        with open(pr.model_name, "rb") as f:
            clr = pickle.load(f)  # the model; the pickled run information after it is not needed
        out = pr.predict(te)
        os.unlink(pr.model_name)
        theta = np.asarray(clr.coef_, float)
        assert clr.eta == eta and clr.C == C and clr.n_sfv_ == 2 and clr.n_features_ == xd.shape[1]

        # in-process replay: same init (itype 3) and fmin_cg, with full_output for the stop flag
        ref = LRwPRType4(eta=eta, C=C)
        ref.n_s_, ref.n_sfv_, ref.n_features_, ref.n_samples_ = 1, 2, xd.shape[1], xd.shape[0]
        ref.c_s_ = np.array([np.sum(g == k) for k in range(2)], float)
        ref.init_coef(3, xd, y, g)
        init = ref.coef_.copy()
        with np.errstate(all="ignore"):
            xopt, fopt, fcalls, gcalls, warnflag = fmin_cg(ref.loss, init, fprime=ref.grad_loss,
                                                           args=(xd, y, g), maxiter=100, disp=False,
                                                           full_output=True)
        assert np.max(np.abs(xopt - theta)) <= 1e-9, ("replay differs", np.max(np.abs(xopt - theta)))

        objectives = {}
        for key, vec in (("zeros", fixed["zeros"]), ("random", fixed["random"]),
                         ("init", init), ("solution", theta)):
            t = terms(vec, xd, y, g, eta)
            lk = ref.loss(vec, xd, y, g)
            assert close(t["L"], lk, 1e-12), (key, t["L"], lk)
            objectives[key] = {**t, "kamfadm_loss": float(lk)}
        assert close(objectives["solution"]["L"], clr.f_loss_, 1e-12)

        # kamfadm's analytic gradient vs central differences of its loss, at `random` and `solution`
        gradients = {}
        for key in ("random", "solution"):
            vec = fixed["random"] if key == "random" else theta
            ga = ref.grad_loss(vec, xd, y, g)
            fd = np.array([(ref.loss(vec + FD_STEP * e, xd, y, g) - ref.loss(vec - FD_STEP * e, xd, y, g))
                           / (2 * FD_STEP) for e in np.eye(n_par)])
            rel = float(np.max(np.abs(ga - fd)) / max(1e-12, np.max(np.abs(fd))))
            gradients[key] = {"analytic": ga.tolist(), "central_difference": fd.tolist(),
                              "max_rel_difference": rel}

        # predictions recomputed from theta
        w = theta.reshape(2, -1)
        a = np.clip(np.einsum("ij,ij->i", xdt, w[gt]), -SIGMOID_RANGE, SIGMOID_RANGE)
        pt = 1.0 / (1.0 + np.exp(-a))
        scores = out.scores[:, 0]
        labels = out.labels[:, 0]
        assert np.max(np.abs(pt - scores)) <= 1e-12
        assert np.array_equal(labels, (pt > 0.5).astype(float))
        at = np.clip(np.einsum("ij,ij->i", xd, w[g]), -SIGMOID_RANGE, SIGMOID_RANGE)
        ptr = 1.0 / (1.0 + np.exp(-at))

        results.append({
            "eta": eta,
            "initial_parameters": init.tolist(),
            "parameters": theta.tolist(),
            "final_loss": float(clr.f_loss_),
            "fmin_cg": {"function_calls": int(fcalls), "gradient_calls": int(gcalls),
                        "warnflag": int(warnflag),
                        "warnflag_meaning": {0: "converged (gtol)", 1: "maxiter reached",
                                             2: "precision loss / line search failed",
                                             3: "NaN"}.get(int(warnflag), "?")},
            "objectives": objectives,
            "gradients": gradients,
            "train_scores": ptr.tolist(),
            "test_scores": scores.tolist(),
            "test_labels": labels.astype(int).tolist(),
            "test_positive_rate_by_group": [float(labels[gt == k].mean()) for k in range(2)],
            "train_q_by_group": [float(ptr[g == k].mean()) for k in range(2)],
        })

    doc = {
        "generated_by": "tools/golden/make_prejudice_remover_goldens.py",
        "versions": {"aif360": aif360.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__, "pandas": pd.__version__,
                     "python": sys.version.split()[0]},
        "inputs": {"source": "preprocessing_goldens.json inputs", "train_rows": int(len(y)),
                   "test_rows": int(len(yt)), "sensitive_column": scol,
                   "train_feature_sum": float(x.sum()), "train_positive_labels": int(y.sum()),
                   "train_rows_per_group": [int(np.sum(g == k)) for k in range(2)]},
        "settings": {"C": C, "etas": ETAS, "itype": 3, "optimizer": "scipy.optimize.fmin_cg",
                     "maxiter": 100, "gtol": 1e-5, "norm": "inf", "sigmoid_clip": float(SIGMOID_RANGE),
                     "label_rule": "1 iff p > 0.5 (argmax of [1-p, p])",
                     "random_vector": "numpy default_rng(%d).normal(0, 0.5, 14)" % RANDOM_SEED,
                     "fd_step": FD_STEP},
        "layout": {"shape": [2, 7], "rows": ["s=0 (unprivileged)", "s=1 (privileged)"],
                   "columns": [n for j, n in enumerate(names) if j != scol] + ["intercept"],
                   "flat": "row-major: theta[g * 7 + j]"},
        "fixed_parameters": {k: v.tolist() for k, v in fixed.items()},
        "results": results,
    }
    OUTPUT.write_text(json.dumps(doc, indent=1) + "\n")
    print("wrote", OUTPUT, OUTPUT.stat().st_size, "bytes")
    for r in results:
        print(r["eta"], r["final_loss"], r["fmin_cg"], r["test_positive_rate_by_group"],
              {k: round(v["max_rel_difference"], 9) for k, v in r["gradients"].items()})


if __name__ == "__main__":
    main()
