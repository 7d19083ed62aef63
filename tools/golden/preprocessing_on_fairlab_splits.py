"""Runs AIF360's and Fairlearn's pre-processors on fairlab's own splits and compares them with fairlab's methods.

    /work/pyenv/bin/python tools/golden/preprocessing_on_fairlab_splits.py RESULTS.h5 [--dataset FILE.h5 ...]
                                                                          [--run RUN_ID ...]

RESULTS is a file written by `fairlab compare ... --out RESULTS.h5`, for instance

    fairlab compare datasets/adult.h5 --methods reweighing,disparate-impact-remover,correlation-remover,massaging \\
        --seeds 3 --out R.h5
    fairlab compare datasets/adult.h5 --methods disparate-impact-remover --param disparate-impact-remover.mode=quantile \\
        --seeds 3 --out R.h5
    fairlab compare datasets/adult.h5 --methods smote,group-smote,lfr --seeds 3 --out R.h5 --verbose 2> R.log
    fairlab compare datasets/adult.h5 --methods optimized-preprocessing --seeds 3 --out R.h5 --verbose 2> R.log
    ... preprocessing_on_fairlab_splits.py R.h5 --fairlab-log R.log   (R.log: fairlab's "LFR objective" and
                                                                       "optimized pre-processing over" lines)

(any Python with aif360 0.6.1 + BlackBoxAuditing, fairlearn 0.15, scikit-learn, numpy, pandas and h5py). For every
complete run and seed it checks the groups, test labels and split rows exactly as
postprocessing_on_fairlab_splits.py does (its helpers are imported), standardises the feature columns the run
standardised (its `standardize` attribute: all, numeric - one-hot and protected attributes' own columns left 0/1 -
or none; all when absent, in runs written before it) with the training rows' mean and population std (fairlab's
Standardizer, as that script's step 2 describes), and runs the reference of each pre-processing method the run has
on the same training rows; the classifier is always scikit-learn's
LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=10000), predicting the test rows at P > 0.5:

- reweighing (grouping=privileged): AIF360 Reweighing, privileged side = the groups the run marks privileged,
  pooled against the others; its instance weights as sample_weight.
- disparate-impact-remover (mode aif360 or quantile): AIF360 DisparateImpactRemover(repair_level) with that side
  as the sensitive attribute, two ways. (a) "fit_transform train and test separately", what AIF360 users do:
  AIF360 has no fit-then-transform, so the test rows are repaired with their own distributions. (b) "train
  repair + fairlab's rule for test": AIF360's repair of the training rows, the test rows mapped the way fairlab
  applies a fitted repair (a test value takes the repair its value got on its side in training, or the shift of
  the nearest training value below it) - the like-for-like reference for mode=aif360. Then, as fairlab with
  keep_protected=false, the run's protected attributes' own columns are dropped before the classifier (fairlab's
  plugins see only the run's grouping attributes as protected, `fl_data.column_kinds`; another protected
  attribute of the dataset is an ordinary 0/1 column there, repaired and kept).
  mode=quantile (the paper's repair of rows) has no library version: its rows are compared with AIF360's repair.
- correlation-remover: Fairlearn CorrelationRemover(sensitive_feature_ids = the protected attributes' columns,
  alpha) fitted on the training rows, test rows transformed; a second reference row uses only the run's own
  attributes' columns when the dataset has more (the brief's reading), to show which one fairlab matches.
- massaging: no library has it; "definition only": the NumPy version of Kamiran & Calders' definition in
  make_preprocessing_goldens.py, ranked by the baseline's scikit-learn model.
- smote (k_neighbors, ratio): imbalanced-learn SMOTE(k_neighbors, sampling_strategy=ratio (1: "auto"),
  random_state=seed) on the training rows (every column, as fairlab's plugin sees them; the protected columns are
  interpolated like the others, fairlab's categorical=interpolate), the LR fitted on the resampled rows; test
  rows untouched. categorical=nearest has no library version (no reference row).
- group-smote (k_neighbors): the cell-balancing definition with imbalanced-learn's own machinery: every training
  row gets the class "its (group, label) cell" (group code x 2 + label), and one SMOTE(k_neighbors,
  sampling_strategy="not majority", random_state=seed) on those classes raises every cell to the largest cell's
  size. imbalanced-learn fits its neighbour search on each class's rows alone and interpolates between a row and
  one of its k nearest rows of the same class, so this is exactly "interpolation within the cell"; a synthetic
  row's label is its cell's. The LR is fitted on the resampled rows with those labels.
- lfr (k, ax, ay, az, threshold, labels): AIF360 LFR(k, Ax, Ay, Az, seed=seed).fit(maxiter=5000, maxfun=5000, its
  defaults) on a BinaryLabelDataset whose features are exactly fairlab's (the protected columns included, as
  fairlab passes them) and whose protected attribute is the pooled side (1 = the run's privileged groups), then
  transform(threshold) of the training and the test rows; the LR is fitted on the transformed training
  features with the original labels (fairlab's labels=original) or AIF360's transformed labels (labels=lfr), and
  predicts the transformed test rows. Also reported per seed: AIF360's objective and its terms at its solution
  (AIF360's own lfr_helpers.LFR_optim_objective), L-BFGS-B's nit / nfev / stop message (captured by wrapping
  scipy's fmin_l_bfgs_b while AIF360 calls it; nothing else changes) and the fit time, next to fairlab's
  "LFR objective ..." line for the same method and seed when --fairlab-log gives the --verbose stderr of the run.
  AIF360 approximates the gradient by forward differences (one objective call per parameter per gradient) and
  scipy counts those calls against maxfun, so on wide data it stops at maxfun after few iterations.
  smote, group-smote and lfr are randomised with different generators on the two sides (imbalanced-learn's /
  numpy's vs fairlab's stream): the predictions are not expected to be identical, compare the means over seeds
  (the table's difference columns).
- optimized-preprocessing (columns, bins, epsilon, clist, dlist; numeric columns only): fairlab's pipeline with
  AIF360's OptTools (cvxpy) as the solver. D = the run's group code, X = the chosen columns (columns=auto: the two
  numeric-kind columns with the largest |correlation| with the label on the training rows, checked against the
  "optimized pre-processing over ..." line of --fairlab-log when given) cut as CellCoding does (cuts = sorted
  training values at floor(k n / bins), deduplicated, cuts >= the largest value dropped; bin = cuts strictly
  below), Y = label; distortion = bin steps + 1 for lowering the label; OptTools fed as OptimPreproc.fit does.
  OptimPreproc.transform does not run under pandas 3, so the mapping is applied here with numpy
  (RandomState(seed)): training rows draw (x', y') from their (d, x, y) row of AIF360's P (entries < 1e-8 zeroed,
  rows renormalised), test rows x' from P(x'|d,x) = sum_y p(y|d,x) sum_y' P(x',y'|d,x,y) ((d, x) unseen in
  training: unchanged); a moved column takes its new bin's training mean (standardised space); the LR is fitted
  on every feature with the drawn labels. Also printed per seed: AIF360's objective and discrimination next to
  fairlab's "distance ..., discrimination ..." (--fairlab-log).
- uniform-sampling, preferential-sampling, group-upsampling: no reference; fairlab's values only.

Per seed it prints the share of identical test predictions and max |fairlab y_score - reference score|. Then
one markdown table per dataset, grouping and standardisation: method | reference | fairlab accuracy | reference
accuracy | fairlab SPD | reference SPD (AIF360 statistical_parity_difference on the test rows, pooled sides) |
Δ accuracy | Δ SPD (fairlab - reference, of the means) | identical test predictions | seeds, means over seeds;
then, when a run has lfr, the table of LFR objectives per seed. Exits non-zero when a split check fails, a run's standardize attribute
is not one of the three, or nothing was compared.
"""
import argparse
import hashlib
import math
import pathlib
import sys
import warnings
from collections import OrderedDict, defaultdict

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import postprocessing_on_fairlab_splits as pp  # noqa: E402  (sets pandas' option for AIF360, silences its logging)
import scipy.optimize  # noqa: E402
import time  # noqa: E402
from aif360.algorithms.preprocessing import LFR, DisparateImpactRemover, Reweighing  # noqa: E402
from aif360.algorithms.preprocessing.lfr_helpers import helpers as lfr_helpers  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from fairlearn.preprocessing import CorrelationRemover  # noqa: E402
from reference_metrics import reference_overall  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

warnings.filterwarnings("ignore")
try:
    from make_preprocessing_goldens import massaging as massaging_definition  # noqa: E402
except Exception:  # noqa: BLE001 - imblearn missing, say: massaging then has no definition row
    massaging_definition = None
try:
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE  # noqa: E402
except Exception:  # noqa: BLE001 - then smote and group-smote have no reference row
    ImblearnSMOTE = None

SIDE = "__side"  # the pooled privileged (1) / unprivileged (0) column added for AIF360


def fit_lr(x, y, weights=None):
    model = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000).fit(x, y, sample_weight=weights)
    return model


def scores_of(model, x):
    return model.predict_proba(x)[:, list(model.classes_).index(1)]


def binary_label_dataset(x, y, side, names):
    frame = pd.DataFrame(x, columns=names)
    frame[SIDE] = side.astype(float)
    frame["__label"] = y.astype(float)
    return BinaryLabelDataset(df=frame, label_names=["__label"], protected_attribute_names=[SIDE],
                              favorable_label=1.0, unfavorable_label=0.0)


def fairlab_test_rule(train_x, train_repaired, train_side, test_x, test_side):
    """fairlab's application of a fitted repair to test rows: per column and side, the repair of the same training
    value, else the shift of the nearest training value below (the lowest when none is below)."""
    out = test_x.copy()
    for s in (0, 1):
        tr, te = train_side == s, test_side == s
        for j in range(train_x.shape[1]):
            values, first = np.unique(train_x[tr, j], return_index=True)
            repaired = train_repaired[tr, j][first]
            x = test_x[te, j]
            k = np.clip(np.searchsorted(values, x, side="right") - 1, 0, len(values) - 1)
            out[te, j] = np.where(values[k] == x, repaired[k], x + (repaired[k] - values[k]))
    return out


class CapturedLBFGSB:
    """Wraps scipy.optimize.fmin_l_bfgs_b while AIF360's LFR.fit calls it, keeping the (f, info) it returns and
    discards; the call itself is unchanged."""
    def __enter__(self):
        self.original, self.calls = scipy.optimize.fmin_l_bfgs_b, []

        def wrapped(*args, **kwargs):
            result = self.original(*args, **kwargs)
            self.calls.append(result)
            return result
        scipy.optimize.fmin_l_bfgs_b = wrapped
        return self

    def __exit__(self, *exc):
        scipy.optimize.fmin_l_bfgs_b = self.original


def aif360_lfr(tr, te, params, seed, names):
    """AIF360 LFR fitted on the training rows (features exactly as given, protected attribute = the pooled side),
    both parts transformed; the LR on the transformed training rows; AIF360's objective at its solution."""
    k, ax, ay, az = (int(params.get("k", 5)), float(params.get("ax", 0.01)), float(params.get("ay", 1)),
                     float(params.get("az", 50)))
    threshold = float(params.get("threshold", 0.5))

    def dataset(part):
        data = binary_label_dataset(part["x"], part["y"], part["side"], names)
        data.features = part["x"].copy()  # fairlab's columns only: the added side column is not a feature
        return data
    train_data, test_data = dataset(tr), dataset(te)
    lfr = LFR(unprivileged_groups=[{SIDE: 0.0}], privileged_groups=[{SIDE: 1.0}], k=k, Ax=ax, Ay=ay, Az=az, seed=seed)
    start = time.perf_counter()
    with CapturedLBFGSB() as captured:
        lfr.fit(train_data, maxiter=5000, maxfun=5000)
    seconds = time.perf_counter() - start
    _, f, info = captured.calls[-1]
    new_train, new_test = lfr.transform(train_data, threshold=threshold), lfr.transform(test_data, threshold=threshold)
    u, q = tr["side"] == 0, tr["side"] == 1
    x, y = tr["x"], tr["y"].astype(float)
    terms = {}
    for name, weights in (("L", (ax, ay, az)), ("L_x", (1, 0, 0)), ("L_y", (0, 1, 0)), ("L_z", (0, 0, 1))):
        terms[name] = float(lfr_helpers.LFR_optim_objective(lfr.learned_model, x[u], x[q], y[u], y[q], k, *weights, 250, 0))
    labels = new_train.labels.ravel() if params.get("labels", "original") == "lfr" else tr["y"]
    model = fit_lr(new_train.features, labels)
    message = info.get("task", b"")
    message = message.decode() if isinstance(message, bytes) else str(message)
    return dict(score=scores_of(model, new_test.features),
                lfr=dict(**terms, f=float(f), nit=int(info["nit"]), nfev=int(info["funcalls"]),
                         warnflag=int(info["warnflag"]), message=message, seconds=seconds,
                         favourable_lfr_labels=int(new_train.labels.sum())))


OP_SAMPLING_ZERO = 1e-8  # AIF360 OptimPreproc.transform: mapping entries below this are set to 0 before drawing


def op_auto_columns(tr, names, run_columns, count=2):
    """fairlab's columns=auto: the numeric-kind columns (not one-hot, not the run's protected columns) with the
    largest |Pearson correlation| with the label on the training rows."""
    y = tr["y"].astype(float)
    scored = []
    for j, name in enumerate(names):
        if j in run_columns or name.find("=") > 0:
            continue
        x = tr["x"][:, j]
        sxx, syy = ((x - x.mean()) ** 2).sum(), ((y - y.mean()) ** 2).sum()
        corr = ((x - x.mean()) * (y - y.mean())).sum() / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0
        scored.append((abs(corr), j))
    scored.sort(key=lambda item: -item[0])  # stable, as Swift's sort in practice
    return [j for _, j in scored[:count]]


def op_cuts(train_values, bins):
    """CellCoding's training quantile cuts: sorted values at floor(k n / bins), k = 1..bins-1, deduplicated, cuts
    >= the largest value dropped; a value's bin is the number of cuts strictly below it."""
    values = np.sort(train_values)
    n = len(values)
    cuts = sorted(set(float(values[min(n - 1, k * n // bins)]) for k in range(1, bins)))
    return np.array([c for c in cuts if c < values[-1]])


def op_bin(values, cuts):
    return np.searchsorted(cuts, values, side="left")  # number of cuts strictly below


def aif360_optimpreproc(tr, te, params, seed, columns):
    """fairlab's optimized-preprocessing pipeline with AIF360's OptTools as the solver: D = the run's group code,
    X = the numeric `columns` cut in training-quantile bins, Y = label; distortion = bin steps + 1 for lowering
    the label; training rows draw (x', y') from AIF360's mapping (entries < 1e-8 zeroed, rows renormalised), test
    rows x' from P(x'|d,x) = sum_y p(y|d,x) sum_y' P(x',y'|d,x,y) (unseen (d,x) stay); a moved column takes its
    new bin's training mean (standardised space); the LR is fitted on every feature with the drawn labels."""
    import contextlib
    import io
    from aif360.algorithms.preprocessing.optim_preproc_helpers.opt_tools import OptTools
    bins = int(params.get("bins", 4))
    epsilon = float(params.get("epsilon", 0.05))
    clist = [float(v) for v in params.get("clist", "0.99,1.99,2.99").split(",")]
    dlist = [float(v) for v in params.get("dlist", "0.1,0.05,0").split(",")]
    xnames = [f"x{k}" for k in range(len(columns))]
    cuts = [op_cuts(tr["x"][:, j], bins) for j in columns]
    tr_bins = np.stack([op_bin(tr["x"][:, j], c) for j, c in zip(columns, cuts)], axis=1)
    te_bins = np.stack([op_bin(te["x"][:, j], c) for j, c in zip(columns, cuts)], axis=1)
    means = [np.array([tr["x"][tr_bins[:, k] == b, j].mean() for b in range(len(c) + 1)])
             for k, (j, c) in enumerate(zip(columns, cuts))]
    frame = pd.DataFrame({"d": tr["group"].astype(int), **{n: tr_bins[:, k].astype(int) for k, n in enumerate(xnames)},
                          "y": tr["y"].astype(int)})

    def distortion(old, new):
        return float(sum(abs(int(new[n]) - int(old[n])) for n in xnames) + (1 if old["y"] == 1 and new["y"] == 0 else 0))

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        opt = OptTools(df=frame, features=xnames + ["y", "d"])  # the order OptimPreproc.fit passes
        opt.set_features(D=["d"], X=xnames, Y=["y"])
        opt.set_distortion(distortion, clist=clist)
        opt.optimize(epsilon=epsilon, dlist=dlist, verbose=False)
        opt.compute_marginals()
    seconds = time.perf_counter() - start
    P = opt.dfP.values.astype(float)
    rows = {tuple(int(v) for v in t): r for r, t in enumerate(opt.dfP.index.tolist())}       # (d, x..., y)
    cols = [tuple(int(v) for v in t) for t in opt.dfP.columns.tolist()]                     # (x'..., y')
    sampling = np.where(P < OP_SAMPLING_ZERO, 0.0, P)
    sampling = sampling / sampling.sum(axis=1, keepdims=True)
    disc = float(np.abs(opt.dfPyhgD.values[0] - opt.dfPyhgD.values[1]).max())
    rng = np.random.RandomState(seed)

    def draw(distribution):
        cdf = np.cumsum(distribution)
        return int(np.searchsorted(cdf / cdf[-1], rng.random_sample(), side="right"))

    # training rows: (x', y') from the row's (d, x, y)
    x_train, y_train = tr["x"].copy(), tr["y"].astype(int).copy()
    moved_train = relabelled = 0
    for i in range(len(y_train)):
        key = (int(tr["group"][i]), *tr_bins[i].tolist(), int(tr["y"][i]))
        new = cols[draw(sampling[rows[key]])]
        if new[-1] != y_train[i]:
            y_train[i] = new[-1]
            relabelled += 1
        if list(new[:-1]) != tr_bins[i].tolist():
            moved_train += 1
            for k, j in enumerate(columns):
                if new[k] != tr_bins[i, k]:
                    x_train[i, j] = means[k][new[k]]
    # test rows: x' from P(x' | d, x)
    counts = frame.groupby(["d", *xnames, "y"]).size().to_dict()
    xs = sorted({c[:-1] for c in cols})
    x_pos = {x: k for k, x in enumerate(xs)}
    col_x = np.array([x_pos[c[:-1]] for c in cols])
    test_map = {}
    for (d, *x), _ in frame.groupby(["d", *xnames]).size().items():
        x = tuple(int(v) for v in x)
        n0, n1 = counts.get((d, *x, 0), 0), counts.get((d, *x, 1), 0)
        conditional = np.zeros(len(xs))
        for y, ny in ((0, n0), (1, n1)):
            if ny > 0:
                conditional += ny / (n0 + n1) * np.bincount(col_x, weights=sampling[rows[(int(d), *x, y)]], minlength=len(xs))
        test_map[(int(d), *x)] = conditional
    x_test = te["x"].copy()
    moved_test = 0
    for i in range(len(te["y"])):
        key = (int(te["group"][i]), *te_bins[i].tolist())
        if key not in test_map:
            continue
        new = xs[draw(test_map[key])]
        if list(new) != te_bins[i].tolist():
            moved_test += 1
            for k, j in enumerate(columns):
                if new[k] != te_bins[i, k]:
                    x_test[i, j] = means[k][new[k]]
    model = fit_lr(x_train, y_train)
    return dict(score=scores_of(model, x_test),
                op=dict(objective=float(opt.optimum), discrimination=disc, seconds=seconds,
                        const=[float(c) for c in opt.const], moved_train=moved_train, relabelled=relabelled,
                        moved_test=moved_test, cuts=[c.tolist() for c in cuts]))


def references_for(method_id, params, ctx, cache, seed=0):
    """[(reference label, key)] for one fairlab method; computes what is missing into `cache`. Randomised
    references (smote, group-smote, lfr) use `seed` and are cached per seed."""
    tr, te = ctx["train"], ctx["test"]
    keep = [j for j in range(tr["x"].shape[1]) if j not in ctx["run_columns"]]
    out = []

    def run(key, make):
        if key not in cache:
            try:
                cache[key] = make()
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                cache[key] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])
        return key

    if method_id == "reweighing":
        if params.get("grouping", "privileged") != "privileged":
            return [("no reference (AIF360 Reweighing has two sides only)", None)]

        def reweighing():
            data = binary_label_dataset(tr["x"], tr["y"], tr["side"], ctx["names"])
            weights = Reweighing([{SIDE: 0.0}], [{SIDE: 1.0}]).fit_transform(data).instance_weights
            model = fit_lr(tr["x"], tr["y"], weights)
            return dict(score=scores_of(model, te["x"]))
        out.append(("AIF360 Reweighing + LR(sample_weight)", run("reweighing", reweighing)))

    elif method_id == "disparate-impact-remover":
        level = float(params.get("repair_level", 1))
        drop_protected = params.get("keep_protected", "false").lower() not in ("true", "1")
        columns = keep if drop_protected else list(range(tr["x"].shape[1]))

        def aif360_repair(part):
            data = binary_label_dataset(part["x"], part["y"], part["side"], ctx["names"])
            repaired = DisparateImpactRemover(repair_level=level, sensitive_attribute=SIDE).fit_transform(data)
            x = repaired.features[:, :-1].copy()  # the last column is SIDE
            x[:, ctx["run_columns"]] = part["x"][:, ctx["run_columns"]]  # fairlab leaves them unrepaired
            return x

        def dir_both():
            x_train = aif360_repair(tr)
            x_test_own = aif360_repair(te)
            x_test_rule = fairlab_test_rule(tr["x"], x_train, tr["side"], te["x"], te["side"])
            model = fit_lr(x_train[:, columns], tr["y"])
            return dict(separate=dict(score=scores_of(model, x_test_own[:, columns])),
                        rule=dict(score=scores_of(model, x_test_rule[:, columns])))
        both = run(("dir", level, drop_protected), dir_both)
        if "error" in cache[both]:
            cache[both + ("separate",)] = cache[both + ("rule",)] = cache[both]
        else:
            cache[both + ("separate",)], cache[both + ("rule",)] = cache[both]["separate"], cache[both]["rule"]
        note = " (fairlab mode=quantile: no library version)" if params.get("mode") == "quantile" else ""
        out.append((f"AIF360 DIR({level:g}) fit_transform train, test separately{note}", both + ("separate",)))
        out.append((f"AIF360 DIR({level:g}) train repair + fairlab's test rule{note}", both + ("rule",)))

    elif method_id == "correlation-remover":
        alpha = float(params.get("alpha", 1))

        def remover(sensitive):
            def make():
                cr = CorrelationRemover(sensitive_feature_ids=sensitive, alpha=alpha).fit(tr["x"])
                model = fit_lr(cr.transform(tr["x"]), tr["y"])
                return dict(score=scores_of(model, cr.transform(te["x"])))
            return make
        out.append((f"Fairlearn CorrelationRemover(alpha={alpha:g}), all protected columns "
                    f"({', '.join(ctx['names'][j] for j in ctx['protected_columns'])})",
                    run(("cr", alpha, "all"), remover(ctx["protected_columns"]))))
        if ctx["run_columns"] != ctx["protected_columns"]:
            out.append((f"Fairlearn CorrelationRemover(alpha={alpha:g}), the run's column only "
                        f"({', '.join(ctx['names'][j] for j in ctx['run_columns'])})",
                        run(("cr", alpha, "run"), remover(ctx["run_columns"]))))

    elif method_id == "massaging":
        if massaging_definition is None:
            return [("no reference (make_preprocessing_goldens.py not importable)", None)]

        def massage():
            ranker = ctx["baseline_model"]
            favoured = tr["side"] if tr["y"][tr["side"] == 1].mean() >= tr["y"][tr["side"] == 0].mean() else 1 - tr["side"]
            labels = np.asarray(massaging_definition(tr["y"].astype(int), favoured, scores_of(ranker, tr["x"]))
                                ["massaged_labels"])
            return dict(score=scores_of(fit_lr(tr["x"], labels), te["x"]))
        out.append(("definition only (NumPy Kamiran & Calders, ranker = scikit-learn LR)", run("massaging", massage)))

    elif method_id in ("smote", "group-smote"):
        if ImblearnSMOTE is None:
            return [("no reference (imbalanced-learn not importable)", None)]
        if params.get("categorical", "interpolate") != "interpolate":
            return [("no reference (categorical=nearest: imbalanced-learn interpolates every column)", None)]
        k = int(params.get("k_neighbors", 5))
        ratio = float(params.get("ratio", 1))

        def smote():
            if method_id == "smote":
                strategy = "auto" if ratio == 1 else ratio
                x, y = ImblearnSMOTE(k_neighbors=k, sampling_strategy=strategy, random_state=seed).fit_resample(tr["x"], tr["y"].astype(int))
            else:
                cells = tr["group"].astype(int) * 2 + tr["y"].astype(int)
                x, cell = ImblearnSMOTE(k_neighbors=k, sampling_strategy="not majority",
                                        random_state=seed).fit_resample(tr["x"], cells)
                y = cell % 2
            return dict(score=scores_of(fit_lr(x, y), te["x"]), added=int(len(y) - len(tr["y"])))
        if method_id == "smote":
            label = f"imblearn SMOTE(k_neighbors={k}, sampling_strategy={'auto' if ratio == 1 else ratio:}) + LR (randomised)"
        else:
            label = f"imblearn SMOTE(k_neighbors={k}) on (group, label) cells as classes, 'not majority' + LR (randomised)"
        out.append((label, run((method_id, k, ratio, seed), smote)))

    elif method_id == "lfr":
        k = int(params.get("k", 5))
        label = (f"AIF360 LFR(k={k}, Ax={float(params.get('ax', 0.01)):g}, Ay={float(params.get('ay', 1)):g}, "
                 f"Az={float(params.get('az', 50)):g}) + LR on x_hat, "
                 f"{'LFR labels' if params.get('labels', 'original') == 'lfr' else 'original labels'} (randomised)")
        key = ("lfr", tuple(sorted(params.items())), seed)
        out.append((label, run(key, lambda: aif360_lfr(tr, te, params, seed, ctx["names"]))))

    elif method_id == "optimized-preprocessing":
        names = ctx["names"]
        if params.get("columns", "auto") == "auto":
            columns = op_auto_columns(tr, names, ctx["run_columns"])
        else:
            columns = [names.index(c.strip()) for c in params["columns"].split(",")]
        if any(names[j].find("=") > 0 for j in columns):
            return [("no reference (categorical columns not implemented here)", None)]
        label = (f"AIF360 OptTools over {' x '.join(names[j] for j in columns)} ({params.get('bins', '4')} bins) x label "
                 f"+ numpy draws + LR (randomised)")
        key = ("optimized-preprocessing", tuple(sorted(params.items())), seed)
        out.append((label, run(key, lambda: aif360_optimpreproc(tr, te, params, seed, columns))))

    elif method_id == "baseline":
        cache.setdefault("baseline", dict(score=scores_of(ctx["baseline_model"], te["x"])))
        out.append(("scikit-learn LR", "baseline"))
    else:
        out.append(("no reference", None))
    return out


def measure(ctx, predictions):
    te = ctx["test"]
    _, overall = reference_overall(te["group"], te["y"], predictions.astype(int), None, ctx["privileged_codes"], te["group"])
    return dict(accuracy=float(overall["accuracy"]), spd=float(overall["statistical_parity_difference"]))


def signed(value):
    return "—" if value is None or math.isnan(value) else f"{value:+.4f}"


def log_matches(paths, pattern):
    """Every match of `pattern` (a compiled regex) in the lines of fairlab's --verbose logs at `paths`."""
    for path in paths:
        for line in pathlib.Path(path).read_text().splitlines():
            m = pattern.search(line)
            if m:
                yield m


def parse_lfr_log(paths):
    """fairlab's --verbose lines `<method> (seed S): [<id>] info: LFR objective L (L_x a, L_y b, L_z c) after I
    iterations, E evaluations[, not converged]` -> {(method, seed): dict}."""
    import re
    pattern = re.compile(r"(\S+) \(seed (\d+)\): \[[^\]]*\] info: LFR objective (\S+) \(L_x (\S+), L_y (\S+), L_z (\S+)\) "
                         r"after (\d+) iterations, (\d+) evaluations(, not converged)?")
    out = {}
    for m in log_matches(paths, pattern):
        out[(m.group(1), int(m.group(2)))] = dict(
            L=float(m.group(3)), L_x=float(m.group(4)), L_y=float(m.group(5)), L_z=float(m.group(6)),
            iterations=int(m.group(7)), evaluations=int(m.group(8)), converged=m.group(9) is None)
    return out


def parse_op_log(paths):
    """fairlab's --verbose lines `<method> (seed S): [<id>] info: optimized pre-processing over A (4) × B (4) ×
    label: distance D, discrimination E, I interior-point iterations` -> {(method, seed): dict}."""
    import re
    pattern = re.compile(r"(\S+) \(seed (\d+)\): \[[^\]]*\] info: optimized pre-processing over (.*) × label: "
                         r"distance (\S+), discrimination (\S+), (\d+) interior-point iterations")
    out = {}
    for path in paths:
        for line in pathlib.Path(path).read_text().splitlines():
            m = pattern.search(line)
            if m:
                columns = [re.sub(r" \(\d+\)$", "", part.strip()) for part in m.group(3).split("×")]
                out[(m.group(1), int(m.group(2)))] = dict(columns=columns, objective=float(m.group(4)),
                                                          discrimination=float(m.group(5)), iterations=int(m.group(6)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--dataset", action="append", default=[], help="a dataset file to use (matched by SHA-256)")
    parser.add_argument("--run", action="append", default=[], help="only this run id (repeatable)")
    parser.add_argument("--method", action="append", default=[], help="only this method name, plus the baseline (repeatable)")
    parser.add_argument("--fairlab-log", action="append", default=[],
                        help="stderr of `fairlab compare --verbose` for the run(s): its 'LFR objective' and "
                             "'optimized pre-processing over' lines")
    args = parser.parse_args()
    fairlab_lfr = parse_lfr_log(args.fairlab_log)
    fairlab_op = parse_op_log(args.fairlab_log)
    lfr_rows, op_rows = [], []
    results_path = pathlib.Path(args.results)

    caches = {}                                                    # split key -> {reference key: outputs}
    rows = defaultdict(lambda: OrderedDict())                      # table -> row key -> [observations]
    tables = OrderedDict()
    failures = compared = 0
    with h5py.File(results_path, "r") as f:
        runs = [(name, run) for name, run in f["runs"].items() if int(run.attrs.get("complete", 0)) == 1]
        runs.sort(key=lambda item: (int(item[1].attrs.get("sequence", 0)), item[0]))
        for run_id, run in runs:
            if args.run and run_id not in args.run:
                continue
            protected = pp.texts(run.attrs["protected"])
            try:
                dataset_path = pp.resolve_dataset(run, results_path, args.dataset)
                dataset = pp.load_dataset(dataset_path)
                standardize, standardised = pp.standardisation(run, dataset)
            except pp.CheckFailed as error:
                print(f"{run_id}: SKIPPED: {error}")
                failures += 1
                continue
            names = dataset["names"]
            group_names, privileged, codes = pp.group_partition(dataset, protected)
            run_names, run_privileged = pp.texts(run.attrs["group_names"]), [bool(p) for p in run.attrs["group_privileged"]]
            methods = [(name, pp.text(m.attrs.get("id", name)), pp.parse_parameters(m.attrs.get("parameters", "")),
                        pp.text(m.attrs.get("parameters", "")), pp.text(m.attrs.get("stage", "")))
                       for name, m in run["methods"].items()]
            methods = [m for m in methods if m[4] in ("pre", "baseline")
                       and (not args.method or m[0] in args.method or m[4] == "baseline")]
            print(f"\n{run_id}: {pp.text(run.attrs['dataset_path'])}, groups by {'+'.join(protected)}; standardize "
                  f"{standardize} ({int(standardised.sum())} of {len(standardised)} columns); methods: "
                  f"{', '.join(f'{m[0]} [{m[3]}]' if m[3] else m[0] for m in methods)}")
            if group_names != run_names or privileged != run_privileged:
                print(f"  CHECK FAILED: groups rebuilt from the dataset ({group_names}, {privileged}) are not the run's")
                failures += 1
                continue
            table_key = (pp.text(run.attrs.get("dataset_sha256", dataset_path)), tuple(protected), standardize)
            tables.setdefault(table_key, dict(dataset=pp.text(run.attrs["dataset_path"]), protected=protected,
                                              standardize=standardize))
            privileged_codes = [g for g, p in enumerate(privileged) if p]
            all_protected = list(dataset["protected"])
            protected_columns = [j for j, n in enumerate(names) if n in all_protected]
            run_columns = [j for j, n in enumerate(names) if n in protected]

            for seed in [int(s) for s in np.ravel(run.attrs["seeds"])]:
                split = run["splits"][f"seed_{seed}"]
                train, validation, test = (split[n][...].astype(np.int64) for n in ("train_index", "validation_index", "test_index"))
                try:
                    if not np.array_equal(split["group_codes"][...].astype(np.int64), codes[test]):
                        raise pp.CheckFailed("the stored test group codes are not the ones rebuilt from the dataset")
                    if not np.array_equal(split["y_true"][...].astype(np.int64), dataset["labels"][test]):
                        raise pp.CheckFailed("the stored test labels are not the dataset's")
                    if dataset["split"] is not None:
                        expected = tuple(np.flatnonzero(dataset["split"] == part) for part in (0, 1, 2))
                    else:
                        expected = pp.fairlab_split(dataset["labels"], codes, seed)
                    for part, ours, theirs in zip(("train", "validation", "test"), (train, validation, test), expected):
                        if not np.array_equal(ours, theirs):
                            raise pp.CheckFailed(f"the stored {part} rows are not fairlab's split")
                except pp.CheckFailed as error:
                    print(f"  seed {seed}: CHECK FAILED: {error}")
                    failures += 1
                    continue
                split_key = (table_key, hashlib.sha1(b"".join(a.tobytes() for a in (train, validation, test))).hexdigest())
                if split_key not in caches:
                    scale = pp.standardise(dataset["features"], train, standardised)
                    ctx = dict(names=names, privileged_codes=privileged_codes, protected_columns=protected_columns,
                               run_columns=run_columns)
                    for part, index in (("train", train), ("test", test)):
                        ctx[part] = dict(x=scale(dataset["features"][index]), y=dataset["labels"][index],
                                         group=codes[index], side=np.isin(codes[index], privileged_codes).astype(int))
                    ctx["baseline_model"] = fit_lr(ctx["train"]["x"], ctx["train"]["y"])
                    caches[split_key] = (ctx, {})
                ctx, cache = caches[split_key]
                compared += 1
                print(f"  seed {seed}: {len(train)} train / {len(test)} test rows; split checks out")

                for name, method_id, params, param_text, _ in methods:
                    outcome = run["methods"][name].get(f"seed_{seed}")
                    ours = None
                    if outcome is not None and pp.text(outcome.attrs["status"]) == "ok":
                        overall = dict(zip(pp.texts(outcome["metrics/overall_names"][...]),
                                           outcome["metrics/overall_values"][...].astype(float)))
                        ours = dict(accuracy=overall.get("accuracy", math.nan),
                                    spd=overall.get("statistical_parity_difference", math.nan),
                                    y_pred=outcome["y_pred"][...].astype(int),
                                    y_score=outcome["y_score"][...] if "y_score" in outcome else None)
                    else:
                        print(f"    {name}: fairlab failed or missing on this seed")
                    for label, key in references_for(method_id, params, ctx, cache, seed):
                        ref = cache.get(key) if key is not None else None
                        if ref is not None and "lfr" in ref:
                            lfr_rows.append(dict(run=run_id, method=name, seed=seed, aif360=ref["lfr"],
                                                 fairlab=fairlab_lfr.get((name, seed))))
                        if ref is not None and "op" in ref:
                            op_rows.append(dict(run=run_id, method=name, seed=seed, aif360=ref["op"],
                                                fairlab=fairlab_op.get((name, seed))))
                            theirs = fairlab_op.get((name, seed))
                            if theirs is not None and not label.startswith(
                                    f"AIF360 OptTools over {' x '.join(theirs['columns'])} "):
                                print(f"    {name}: CHECK FAILED: fairlab chose {theirs['columns']}, the reference {label}")
                                failures += 1
                        if ref is not None and "added" in ref:
                            print(f"    {name} ~ {label}: the reference added {ref['added']} rows")
                        obs = dict(ours=ours, ref=None, same=math.nan)
                        if ref is not None and "error" in ref:
                            print(f"    {name} ~ {label}: reference failed: {ref['error']}")
                        elif ref is not None:
                            if "measured" not in ref:
                                ref["measured"] = measure(ctx, (ref["score"] > 0.5).astype(int))
                            obs["ref"] = ref["measured"]
                            if ours is not None:
                                obs["same"] = float(np.mean(ours["y_pred"] == (ref["score"] > 0.5)))
                                gap = (f"; max |y_score - reference score| {np.max(np.abs(ours['y_score'] - ref['score'])):.3g}"
                                       if ours["y_score"] is not None else "")
                                print(f"    {name} ~ {label}: identical test predictions {obs['same']:.2%}{gap}; "
                                      f"accuracy {ours['accuracy']:.4f} / {obs['ref']['accuracy']:.4f}, "
                                      f"SPD {ours['spd']:.4f} / {obs['ref']['spd']:.4f} (fairlab / reference)")
                        row_key = (f"{method_id}" + (f" [{param_text}]" if param_text else ""), label)
                        rows[table_key].setdefault(row_key, []).append(obs)

    for table_key, info in tables.items():
        if not rows[table_key]:
            continue
        print(f"\n### {info['dataset']}: groups by {'+'.join(info['protected'])}, standardize {info['standardize']}\n")
        print("| method | reference | fairlab accuracy | reference accuracy | fairlab SPD | reference SPD | "
              "Δ accuracy | Δ SPD | identical test predictions | seeds |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (method, label), observations in rows[table_key].items():
            ours = [o["ours"] for o in observations if o["ours"] is not None]
            refs = [o["ref"] for o in observations if o["ref"] is not None]
            same = pp.mean([o["same"] for o in observations])
            acc = (pp.mean([o["accuracy"] for o in ours]), pp.mean([r["accuracy"] for r in refs]))
            spd = (pp.mean([o["spd"] for o in ours]), pp.mean([r["spd"] for r in refs]))
            print(f"| {method} | {label} | {pp.fmt(acc[0])} | {pp.fmt(acc[1])} | {pp.fmt(spd[0])} | {pp.fmt(spd[1])} | "
                  f"{signed(acc[0] - acc[1])} | {signed(spd[0] - spd[1])} | "
                  f"{'—' if math.isnan(same) else f'{same:.2%}'} | {len(observations)} |")
        print("\nMeans over seeds; SPD = AIF360 statistical_parity_difference on the test rows (fairlab's stored value / "
              "the reference's predictions); Δ = fairlab - reference. — : no reference. (randomised): different "
              "generators on the two sides, identical predictions not expected.")
    if lfr_rows:
        print("\n### LFR objective at each side's solution (training rows; L = Ax L_x + Ay L_y + Az L_z)\n")
        print("| run | method | seed | fairlab L (L_x, L_y, L_z) | fairlab iterations / evaluations | "
              "AIF360 L (L_x, L_y, L_z) | AIF360 nit / nfev (stop) | AIF360 fit s |")
        print("|---|---|---:|---|---|---|---|---:|")
        for r in lfr_rows:
            a, ours = r["aif360"], r["fairlab"]
            mine = "— (no --fairlab-log line)" if ours is None else (
                f"{ours['L']:.6f} ({ours['L_x']:.4f}, {ours['L_y']:.4f}, {ours['L_z']:.3g})")
            its = "—" if ours is None else f"{ours['iterations']} / {ours['evaluations']}{'' if ours['converged'] else ', not converged'}"
            print(f"| {r['run']} | {r['method']} | {r['seed']} | {mine} | {its} | {a['L']:.6f} ({a['L_x']:.4f}, "
                  f"{a['L_y']:.4f}, {a['L_z']:.3g}) | {a['nit']} / {a['nfev']} ({a['message'][:40]}) | {a['seconds']:.1f} |")
        both = [r for r in lfr_rows if r["fairlab"] is not None]
        if both:
            print(f"\nMean L over seeds: fairlab {pp.mean([r['fairlab']['L'] for r in both]):.6f}, AIF360 "
                  f"{pp.mean([r['aif360']['L'] for r in both]):.6f}. nfev counts every objective call, the forward-"
                  f"difference ones included (scipy stops at maxfun=5000).")
    if op_rows:
        print("\n### Optimized pre-processing objective (total variation of P(X,Y) -> P(X',Y'), training rows)\n")
        print("| run | method | seed | fairlab distance | fairlab discrimination | AIF360 OptTools objective | "
              "AIF360 discrimination | Δ objective | reference moved train / relabelled / moved test | AIF360 fit s |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
        for r in op_rows:
            a, ours = r["aif360"], r["fairlab"]
            if ours is None:
                mine = disc = delta = "—"
            else:
                mine, disc = f"{ours['objective']:.10f}", f"{ours['discrimination']:.6f}"
                delta = f"{ours['objective'] - a['objective']:+.2e}"
            print(f"| {r['run']} | {r['method']} | {r['seed']} | {mine} | {disc} | {a['objective']:.10f} | "
                  f"{a['discrimination']:.6f} | {delta} | {a['moved_train']} / {a['relabelled']} / {a['moved_test']} | "
                  f"{a['seconds']:.1f} |")
    if compared == 0:
        print("\nno run and seed could be compared", file=sys.stderr)
        sys.exit(1)
    if failures:
        print(f"\n{failures} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
