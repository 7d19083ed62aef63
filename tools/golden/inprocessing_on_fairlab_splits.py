"""Runs Fairlearn's and AIF360's in-processing methods on fairlab's own splits and compares them with fairlab's.

Fairlearn's GridSearch / ExponentiatedGradient and AIF360's PrejudiceRemover / AdversarialDebiasing against
fairlab's grid-search, exponentiated-gradient, prejudice-remover and adversarial-debiasing:

    PATH=/work/pyenv/bin:$PATH python tools/golden/inprocessing_on_fairlab_splits.py RESULTS.h5 [--dataset FILE.h5 ...]
        [--run RUN_ID ...] [--fairlab-log STDERR.txt ...] [--time] [--repeats 3]
        [--reference-only METHOD [--param KEY=VALUE ...] [--fixture OUT.json]]

RESULTS is a file written by `fairlab compare ... --out RESULTS.h5`, for instance

    fairlab compare datasets/adult.h5 --methods grid-search,prejudice-remover --seeds 3 --out R.h5 --verbose 2> R.log
    fairlab compare datasets/adult.h5 --methods grid-search --param grid-search.constraint=equalized_odds \\
        --seeds 3 --out R2.h5

AIF360's PrejudiceRemover starts kamfadm's train_pr.py / predict_lr.py with the bare command `python`: the
Python with aif360 must come first on PATH (the script checks the subprocess wrote a model).

For every complete run and seed the groups, test labels and split rows are checked exactly as
postprocessing_on_fairlab_splits.py does, and the feature columns are standardised as the run did (both via the
helpers of preprocessing_on_fairlab_splits.py / postprocessing_on_fairlab_splits.py, imported). Then, on the
training rows:

- grid-search (constraint, grid_size, grid_limit, constraint_weight): Fairlearn GridSearch(
  LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=10000), DemographicParity() or EqualizedOdds(),
  grid_size, grid_limit, constraint_weight) on every feature column (the protected ones included, as the host's
  learner sees them), sensitive_features = the run's group code; test predictions = GridSearch.predict.
- prejudice-remover (eta; c must be 1, kamfadm has no -C from AIF360): AIF360 PrejudiceRemover(eta,
  sensitive_attr=side) on a BinaryLabelDataset whose features are the columns without the run's protected
  attributes' own columns (fairlab's plugin drops exactly those) and whose one protected attribute is the pooled
  side (1 = the groups the run marks privileged). Also per seed: the objective L = NLL + eta PI + C/2 |theta|^2
  and its terms at AIF360's solution (make_prejudice_remover_goldens.terms, checked against kamfadm's own
  f_loss_) next to fairlab's `prejudice remover objective ...` line of --fairlab-log. kamfadm's gradient is wrong
  for eta > 0, so its CG stops short of the minimum: predictions are not expected to be identical.
- adversarial-debiasing (num_epochs 50, batch_size 128, hidden_units 200, adversary_loss_weight 0.1, debias true;
  keep_probability must be 0.8 and learning_rate 0.001, which AIF360 hard-codes):
  AIF360 AdversarialDebiasing(seed = the fairlab seed, classifier_num_hidden_units = hidden_units, ...) in a fresh
  tf.compat.v1 graph and Session (eager execution disabled) on a BinaryLabelDataset of every feature column (the
  protected ones included, as the host's learner sees them) whose one protected attribute is the pooled side
  (1 = the groups the run marks privileged; AIF360 feeds this column's raw value to the adversary as its target);
  test predictions = predict's labels (score > 0.5). With debias true the same network with debias=False (the
  plain classifier, same seed) is run as well and reported for context. TensorFlow's stochastic training (its own
  dropout stream, NumPy's shuffles) is not fairlab's: only the accuracy / SPD can be compared, not predictions.
  The Session's intra/inter-op thread pools are set from the environment variable FAIRLAB_TF_THREADS (unset or 0 =
  TensorFlow's default). TensorFlow is imported only when this method runs.
- gerryfair (c 10, gamma 0.01, max_iters 10, fairness_def FP, early_termination true; `C` is accepted for c):
  AIF360 GerryFairClassifier(C, gamma, max_iters, fairness_def) with its default predictor (scikit-learn
  LinearRegression), fit(early_termination), on a BinaryLabelDataset of every feature column (the protected ones
  included, as the host's learner sees them) whose protected attributes (GerryFair's X_prime, the auditor's
  regressors) are the run's protected attributes' own feature columns, in feature order - as AIF360's users do
  with AdultDataset / CompasDataset, whose protected attributes (sex, race) are 0/1 feature columns of their own,
  and as fairlab's plugin audits exactly the columns the host marks protected (not the pooled side: GerryFair's
  point is subgroups over several attributes, e.g. race x sex). Test predictions = predict's labels (the average
  of the hypotheses >= 0.5). Also printed per seed: the rounds played, the last training error and weighted
  disparity (AIF360's `errors` / `fairness_violations`), and AIF360's Auditor.audit of the test predictions (the
  largest weighted FP / FN disparity over linear subgroups of X_prime, test rows; not timed).
- meta-fair-sr / meta-fair-fdr (tau 0.8; fairlab's ids, mapped by ALIASES to the reference meta-fair with type sr /
  fdr, shown as the run's parameter text plus `type=...`; with --reference-only meta-fair, type is a --param,
  default fdr as AIF360's): AIF360 MetaFairClassifier(tau, type,
  sensitive_attr = the pooled side, seed = the fairlab seed) on a BinaryLabelDataset whose one protected
  attribute is the pooled side (1 = the groups the run marks privileged) and whose features are the columns
  WITHOUT the run's protected attributes' own columns and without the side's column (an AIF360 dataset keeps
  its protected attributes among its features; the dataset is built, then its `features` are cut). AIF360's
  users keep such columns (demo_meta_classifier.ipynb fits on load_preproc_data_adult's 'race', 'sex', ... with
  sensitive_attr 'sex'), but AIF360 fits one joint Gaussian to [X, y, z] (allow_singular) and SciPy >= 1.9.3
  (scipy issue #5286) gives a singular Gaussian density 0 off its support: when a feature column is an affine
  function of z (the side's own column always; Adult's 'sex' column too), every sampled x is off the support
  for both z = 0 and z = 1, all four densities are 0, the classifier is 0/0 = NaN, gradient descent keeps no
  parameters and fit() raises TypeError (unpacking None) for every tau > 0. So those columns are dropped, as
  fairlab's plugin (and the prejudice-remover reference) does.
  Test predictions = predict's labels (getValueForX > 0). Also printed per seed: the chosen (a, b) and the
  test gamma of both kinds (AIF360's StatisticalRate.gamma / FalseDiscovery.gamma: min ratio of the sides'
  positive rates / false discovery rates, 0 when a side has none).

Reported per seed and as a table: accuracy and statistical parity difference (AIF360's, test rows, pooled
sides) of fairlab's stored predictions and the reference's, and the share of identical test predictions. For
exponentiated-gradient also its expected predictions (an `expected` row): fairlab's stored y_prob against
Fairlearn's _pmf_predict, P(y_hat = 1) per test row (the share of rows within 1e-6, the largest difference), and
both sides' expected accuracy / SPD (soft counts, as fairlab's `expected_` metrics; fairlab's are its stored ones,
its y_prob re-measured alongside as a check).

--fixture OUT.json (with --reference-only adversarial-debiasing, on one run): writes the reference's per-seed test
accuracy and SPD, debiased and plain, at full precision: Tests/EndToEndTests/Fixtures/adversarial_debiasing_aif360.json
is made this way from a `fairlab compare datasets/adult.h5 --seeds 3` run:

    PATH=/work/pyenv/bin:$PATH python tools/golden/inprocessing_on_fairlab_splits.py R.h5 \
        --reference-only adversarial-debiasing --fixture Tests/EndToEndTests/Fixtures/adversarial_debiasing_aif360.json

--reference-only METHOD: runs only METHOD's reference, on every seed's split of every complete run, whether or not
the run has that method (for a method fairlab does not have yet), with the parameters of --param KEY=VALUE
(repeatable; fairlab's names, e.g. --param num_epochs=50; `METHOD.KEY=VALUE` is accepted too) over the defaults
above; prints per seed and as a table the reference's accuracy / SPD (and, for adversarial-debiasing, those of the
plain network, debias=false). Nothing of fairlab's is compared. With --time the reference is timed as below.

--time: additionally times the references' fit + predict on the training / test rows, each in its own
subprocess, with OPENBLAS_NUM_THREADS=1 (and FAIRLAB_TF_THREADS=1: TensorFlow's intra_op_parallelism_threads =
inter_op_parallelism_threads = 1 in the Session's ConfigProto) and with the default threads (both unset),
`--repeats` subprocesses per setting (one per seed, cycling), and prints the medians next to the median over seeds
of fairlab's stored fit_seconds + predict_seconds (— when the run has no such method). For adversarial-debiasing
the time covers graph construction, Session creation, fit and predict (TensorFlow's import excluded), of the
configured network only (not the plain one).
"""
import argparse
import contextlib
import io
import json
import math
import os
import pathlib
import pickle
import re
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import preprocessing_on_fairlab_splits as pre  # noqa: E402  (imports postprocessing_on_fairlab_splits as pre.pp)
from make_prejudice_remover_goldens import terms as pr_terms  # noqa: E402  (kamfadm's objective, C = 1)
from aif360.algorithms.inprocessing import PrejudiceRemover  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient, GridSearch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

pp = pre.pp
METHODS = ("grid-search", "exponentiated-gradient", "prejudice-remover", "adversarial-debiasing", "gerryfair",
           "meta-fair")
# fairlab method ids whose reference is another id's with fixed parameters: stored id -> (reference id, parameters)
ALIASES = {"meta-fair-sr": ("meta-fair", {"type": "sr"}), "meta-fair-fdr": ("meta-fair", {"type": "fdr"})}
ADVERSARIAL_DEFAULTS = {"num_epochs": "50", "batch_size": "128", "hidden_units": "200", "adversary_loss_weight": "0.1",
                        "debias": "true"}
ADVERSARIAL_FIXED = {"keep_probability": 0.8, "learning_rate": 0.001}  # fairlab parameters AIF360 hard-codes


# ------------------------------------------------------------------------------------------- splits

def splits(results_path, datasets, only_runs=(), reference_only=None):
    """Yields (run_id, methods [(name, id, params, param_text)], seed, ctx, fairlab outcomes) for every complete
    run and seed whose split checks out (the checks of preprocessing_on_fairlab_splits.main).

    reference_only = (method id, params dict): methods is that one synthetic entry, named after the method, whether
    or not the run has it, and outcomes is empty (nothing of fairlab's to compare)."""
    with h5py.File(results_path, "r") as f:
        runs = [(name, run) for name, run in f["runs"].items() if int(run.attrs.get("complete", 0)) == 1]
        runs.sort(key=lambda item: (int(item[1].attrs.get("sequence", 0)), item[0]))
        for run_id, run in runs:
            if only_runs and run_id not in only_runs:
                continue
            protected = pp.texts(run.attrs["protected"])
            dataset = pp.load_dataset(pp.resolve_dataset(run, results_path, datasets))
            _, standardised = pp.standardisation(run, dataset)
            names = dataset["names"]
            group_names, privileged, codes = pp.group_partition(dataset, protected)
            if group_names != pp.texts(run.attrs["group_names"]) or privileged != [bool(p) for p in run.attrs["group_privileged"]]:
                raise pp.CheckFailed(f"{run_id}: groups rebuilt from the dataset are not the run's")
            methods = [(name, pp.text(m.attrs.get("id", name)), pp.parse_parameters(m.attrs.get("parameters", "")),
                        pp.text(m.attrs.get("parameters", ""))) for name, m in run["methods"].items()]
            methods = [(name, ALIASES[i][0], {**params, **ALIASES[i][1]},
                        " ".join([text] + [f"{k}={v}" for k, v in ALIASES[i][1].items()]).strip())
                       if i in ALIASES else (name, i, params, text) for name, i, params, text in methods]
            methods = [m for m in methods if m[1] in METHODS]
            if reference_only:
                method_id, params = reference_only
                methods = [(method_id, method_id, dict(params), " ".join(f"{k}={v}" for k, v in params.items()))]
            privileged_codes = [g for g, p in enumerate(privileged) if p]
            run_columns = [j for j, n in enumerate(names) if n in protected]
            for seed in [int(s) for s in np.ravel(run.attrs["seeds"])]:
                split = run["splits"][f"seed_{seed}"]
                parts = [split[n][...].astype(np.int64) for n in ("train_index", "validation_index", "test_index")]
                if not np.array_equal(split["group_codes"][...].astype(np.int64), codes[parts[2]]):
                    raise pp.CheckFailed(f"{run_id} seed {seed}: stored test group codes differ")
                if not np.array_equal(split["y_true"][...].astype(np.int64), dataset["labels"][parts[2]]):
                    raise pp.CheckFailed(f"{run_id} seed {seed}: stored test labels differ")
                expected = (tuple(np.flatnonzero(dataset["split"] == k) for k in (0, 1, 2)) if dataset["split"] is not None
                            else pp.fairlab_split(dataset["labels"], codes, seed))
                if not all(np.array_equal(a, b) for a, b in zip(parts, expected)):
                    raise pp.CheckFailed(f"{run_id} seed {seed}: stored rows are not fairlab's split")
                scale = pp.standardise(dataset["features"], parts[0], standardised)
                ctx = dict(names=names, privileged_codes=privileged_codes, run_columns=run_columns, seed=seed)
                for part, index in (("train", parts[0]), ("test", parts[2])):
                    ctx[part] = dict(x=scale(dataset["features"][index]), y=dataset["labels"][index],
                                     group=codes[index], side=np.isin(codes[index], privileged_codes).astype(int))
                outcomes = {}
                for name, *_ in ([] if reference_only else methods):
                    o = run["methods"][name].get(f"seed_{seed}")
                    if o is not None and pp.text(o.attrs["status"]) == "ok":
                        overall = dict(zip(pp.texts(o["metrics/overall_names"][...]),
                                           o["metrics/overall_values"][...].astype(float)))
                        outcomes[name] = dict(accuracy=overall.get("accuracy", math.nan),
                                              spd=overall.get("statistical_parity_difference", math.nan),
                                              y_pred=o["y_pred"][...].astype(int),
                                              y_prob=o["y_prob"][...].astype(float) if "y_prob" in o else None,
                                              expected=dict(accuracy=overall.get("expected_accuracy", math.nan),
                                                            spd=overall.get("expected_statistical_parity_difference",
                                                                            math.nan)),
                                              seconds=float(o.attrs["fit_seconds"]) + float(o.attrs["predict_seconds"]),
                                              fit_seconds=float(o.attrs["fit_seconds"]))
                yield run_id, methods, seed, ctx, outcomes


# --------------------------------------------------------------------------------------- references

def grid_search(ctx, params):
    tr, te = ctx["train"], ctx["test"]
    constraint = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}[
        params.get("constraint", "demographic_parity")]()
    model = GridSearch(LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000), constraint,
                       grid_size=int(params.get("grid_size", 10)), grid_limit=float(params.get("grid_limit", 2)),
                       constraint_weight=float(params.get("constraint_weight", 0.5)))
    model.fit(tr["x"], tr["y"], sensitive_features=tr["group"])
    return dict(pred=np.asarray(model.predict(te["x"])).astype(int), best=int(model.best_idx_))


def exponentiated_gradient(ctx, params):
    """Fairlearn's ExponentiatedGradient; `pred` is drawn with random_state = the seed (fairlab draws from its own
    stream, so only the expected predictions `pmf` can agree row for row)."""
    tr, te = ctx["train"], ctx["test"]
    constraint = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}[
        params.get("constraint", "demographic_parity")]()
    nu = float(params.get("nu", 0))
    model = ExponentiatedGradient(LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10_000), constraint,
                                  eps=float(params.get("eps", 0.01)), max_iter=int(params.get("max_iter", 50)),
                                  nu=nu if nu > 0 else None, eta0=float(params.get("eta0", 2)))
    model.fit(tr["x"], tr["y"], sensitive_features=tr["group"])
    return dict(pred=np.asarray(model.predict(te["x"], random_state=ctx.get("seed", 0))).astype(int),
                pmf=np.asarray(model._pmf_predict(te["x"]))[:, 1], oracle_calls=int(model.n_oracle_calls_))


def prejudice_remover(ctx, params):
    if float(params.get("c", 1)) != 1:
        raise ValueError("AIF360 runs kamfadm with C = 1 only")
    eta = float(params.get("eta", 1))
    tr, te = ctx["train"], ctx["test"]
    keep = [j for j in range(tr["x"].shape[1]) if j not in ctx["run_columns"]]

    def dataset(part):
        return side_dataset(ctx, part, keep)
    model = PrejudiceRemover(eta=eta, sensitive_attr=pre.SIDE)
    model.fit(dataset(tr))
    try:
        if os.path.getsize(model.model_name) == 0:
            raise RuntimeError("train_pr.py wrote no model (is the aif360 Python first on PATH as `python`?)")
        with open(model.model_name, "rb") as f:
            clr = pickle.load(f)
        out = model.predict(dataset(te))
    finally:
        os.unlink(model.model_name)
    theta = np.asarray(clr.coef_, float)
    xd = np.c_[tr["x"][:, keep], np.ones(len(tr["y"]))]
    t = pr_terms(theta, xd, tr["y"].astype(float), tr["side"], eta)
    assert abs(t["L"] - clr.f_loss_) <= 1e-9 * max(1.0, abs(t["L"])), (t["L"], clr.f_loss_)
    return dict(pred=out.labels.ravel().astype(int), objective={k: float(v) for k, v in t.items()})


def tensorflow_v1():
    """tensorflow.compat.v1 with eager execution disabled (AIF360's AdversarialDebiasing builds a TF1 graph),
    imported on first use so that the other methods never load TensorFlow."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    tf.get_logger().setLevel("ERROR")
    return tf


def flag(value):
    """fairlab's boolean parameter text (true / false / yes / no or a number, nonzero = true) -> bool."""
    text = str(value).strip().lower()
    if text in ("true", "yes", "false", "no"):
        return text in ("true", "yes")
    try:
        return float(text) != 0
    except ValueError:
        raise ValueError(f"not a boolean: {value!r}") from None


def adversarial_debiasing(ctx, params):
    """AIF360 AdversarialDebiasing with fairlab's parameter names (ADVERSARIAL_DEFAULTS), seed = the fairlab seed,
    on every feature column with the pooled side as the one protected attribute, in its own graph and Session
    (threads from FAIRLAB_TF_THREADS). AIF360's per-200-batch loss prints are swallowed. Returns the test
    predictions and scores."""
    from aif360.algorithms.inprocessing import AdversarialDebiasing
    tf = tensorflow_v1()
    p = {**ADVERSARIAL_DEFAULTS, **params}
    for key, value in p.items():
        if key in ADVERSARIAL_FIXED:
            if float(value) != ADVERSARIAL_FIXED[key]:
                raise ValueError(f"AIF360 hard-codes {key} = {ADVERSARIAL_FIXED[key]}, the run has {value}")
        elif key not in ADVERSARIAL_DEFAULTS:
            raise ValueError(f"adversarial-debiasing: no AIF360 counterpart for the parameter {key}={value}")
    tr, te = ctx["train"], ctx["test"]

    def dataset(part):
        return side_dataset(ctx, part)
    threads = int(os.environ.get("FAIRLAB_TF_THREADS", "0") or 0)
    config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    graph = tf.Graph()
    with graph.as_default(), tf.Session(graph=graph, config=config) as sess, contextlib.redirect_stdout(io.StringIO()):
        model = AdversarialDebiasing(unprivileged_groups=[{pre.SIDE: 0.0}], privileged_groups=[{pre.SIDE: 1.0}],
                                     scope_name="adversarial_debiasing", sess=sess, seed=int(ctx.get("seed", 0)),
                                     adversary_loss_weight=float(p["adversary_loss_weight"]),
                                     num_epochs=int(p["num_epochs"]), batch_size=int(p["batch_size"]),
                                     classifier_num_hidden_units=int(p["hidden_units"]), debias=flag(p["debias"]))
        model.fit(dataset(tr))
        out = model.predict(dataset(te))
    return dict(pred=out.labels.ravel().astype(int), score=out.scores.ravel())


def side_dataset(ctx, part, columns=None):
    """The rows of `part` as an AIF360 BinaryLabelDataset: the feature columns `columns` (default all), the pooled
    side as the one protected attribute (1 = privileged) and the label (1 = favourable)."""
    columns = list(range(part["x"].shape[1])) if columns is None else columns
    frame = pd.DataFrame(part["x"][:, columns], columns=[ctx["names"][j] for j in columns])
    frame[pre.SIDE] = part["side"].astype(float)
    frame["__label"] = part["y"].astype(float)
    return BinaryLabelDataset(df=frame, label_names=["__label"], protected_attribute_names=[pre.SIDE],
                              favorable_label=1.0, unfavorable_label=0.0, privileged_protected_attributes=[np.array([1.0])])


def expected_measure(ctx, probabilities):
    """Accuracy and statistical parity difference (pooled sides, as AIF360's) of randomised predictions with
    P(y_hat = 1) = probabilities, in expectation over the draws: soft counts, as fairlab's `expected_` metrics."""
    te = ctx["test"]
    p = np.asarray(probabilities, float)
    side = te["side"] == 1
    return dict(accuracy=float(np.mean(np.where(te["y"] == 1, p, 1 - p))), spd=float(p[~side].mean() - p[side].mean()))


def context_references(method_id, ctx, params):
    """Extra reference runs reported for context only: for adversarial-debiasing with debias true, the same network
    with debias=false (the plain classifier); for gerryfair, AIF360 as shipped. -> [(label, measured accuracy / SPD)]."""
    if method_id == "adversarial-debiasing" and flag({**ADVERSARIAL_DEFAULTS, **params}["debias"]):
        plain = adversarial_debiasing(ctx, {**params, "debias": "false"})
        return [("plain network (debias=false)", pre.measure(ctx, plain["pred"]))]
    if method_id == "gerryfair":
        return [("AIF360 as shipped (every row the first row's group cost)", pre.measure(ctx, gerryfair(ctx, params, shipped=True)["pred"]))]
    return []


GERRYFAIR_DEFAULTS = {"c": "10", "gamma": "0.01", "max_iters": "10", "fairness_def": "FP", "early_termination": "true"}


def gerryfair(ctx, params, shipped=False):
    """AIF360 GerryFairClassifier(C = c, gamma, max_iters, fairness_def; predictor LinearRegression, its default)
    .fit(early_termination) on every feature column, X_prime = the run's protected attributes' own columns (in
    feature order); test predictions = predict's labels (mixture average >= 0.5). Unless `shipped`, with the paper's
    per-row cost update that fairlab computes (make_gerryfair_goldens.rowwise_costs: AIF360 0.6.1 charges every
    audited row the first one's group membership); AIF360 as shipped is reported beside it (context_references).
    `note` (called after the timing) describes the fit and audits the test predictions with AIF360's Auditor."""
    from aif360.algorithms.inprocessing.gerryfair.auditor import Auditor
    from aif360.algorithms.inprocessing.gerryfair_classifier import GerryFairClassifier
    from make_gerryfair_goldens import rowwise_costs
    p = dict(GERRYFAIR_DEFAULTS)
    for key, value in params.items():
        key = "c" if key == "C" else key
        if key not in GERRYFAIR_DEFAULTS:
            raise ValueError(f"gerryfair: no AIF360 counterpart for the parameter {key}={value}")
        p[key] = value
    names = list(ctx["names"])
    protected = [names[j] for j in ctx["run_columns"]]
    if not protected:
        raise ValueError("gerryfair: the run's protected attributes have no feature column of their own")

    def dataset(part):
        frame = pd.DataFrame(part["x"], columns=names)
        frame["__label"] = part["y"].astype(float)
        return BinaryLabelDataset(df=frame, label_names=["__label"], protected_attribute_names=protected,
                                  favorable_label=1.0, unfavorable_label=0.0)
    model = GerryFairClassifier(C=float(p["c"]), gamma=float(p["gamma"]), max_iters=int(p["max_iters"]),
                                fairness_def=p["fairness_def"])
    with contextlib.nullcontext() if shipped else rowwise_costs():
        model.fit(dataset(ctx["train"]), early_termination=flag(p["early_termination"]))
    test = dataset(ctx["test"])
    pred = model.predict(test).labels.ravel().astype(int)

    def note():
        _, violation = Auditor(test, p["fairness_def"]).audit(pred)
        return (f"; X_prime {protected}, {len(model.errors)} rounds, training error {model.errors[-1]:.4f}, training "
                f"weighted {p['fairness_def']} disparity {model.fairness_violations[-1]:.6f}; test {p['fairness_def']} "
                f"subgroup violation (AIF360 Auditor.audit of the test labels) {violation:.6f}")
    return dict(pred=pred, note=note)


META_FAIR_DEFAULTS = {"tau": "0.8", "type": "fdr"}


def meta_fair(ctx, params):
    """AIF360 MetaFairClassifier(tau, type, sensitive_attr = the pooled side, seed = the fairlab seed) on the feature
    columns without the run's protected attributes' own columns (see the module docstring). `note` gives the chosen
    (a, b) and the test gamma of both kinds."""
    from aif360.algorithms.inprocessing import MetaFairClassifier
    from aif360.algorithms.inprocessing.celisMeta import FalseDiscovery, StatisticalRate
    p = dict(META_FAIR_DEFAULTS)
    for key, value in params.items():
        if key not in META_FAIR_DEFAULTS:
            raise ValueError(f"meta-fair: no AIF360 counterpart for the parameter {key}={value}")
        p[key] = value
    tr, te = ctx["train"], ctx["test"]
    keep = [j for j in range(tr["x"].shape[1]) if j not in ctx["run_columns"]]

    def dataset(part):
        out = side_dataset(ctx, part, keep)
        # The side's own column is among an AIF360 dataset's features: MetaFairClassifier would fit X with it.
        assert out.feature_names[-1] == pre.SIDE
        out.features, out.feature_names = np.ascontiguousarray(out.features[:, :-1]), out.feature_names[:-1]
        return out
    model = MetaFairClassifier(tau=float(p["tau"]), sensitive_attr=pre.SIDE, type=p["type"], seed=int(ctx.get("seed", 0)))
    model.fit(dataset(tr))
    pred = model.predict(dataset(te)).labels.ravel().astype(int)

    def note():
        _, a, b, _, _ = model.model.args  # partial(getValueForX, dist, a, b, params, z_prior)
        y, yhat = np.where(te["y"] == 1, 1, -1), np.where(pred == 1, 1, -1)
        return (f"; chosen (a, b) = ({a:.2f}, {b:.4f}); test gamma sr {StatisticalRate().gamma(y, yhat, te['side']):.4f}, "
                f"fdr {FalseDiscovery().gamma(y, yhat, te['side']):.4f}")
    return dict(pred=pred, note=note)


REFERENCES = {"grid-search": grid_search, "exponentiated-gradient": exponentiated_gradient, "prejudice-remover": prejudice_remover,
              "adversarial-debiasing": adversarial_debiasing, "gerryfair": gerryfair, "meta-fair": meta_fair}


def parse_pr_log(paths):
    """fairlab's `<method> (seed S): ... prejudice remover objective L (log-loss a, prejudice index b, penalty c)
    after I iterations[, not converged]` -> {(method, seed): dict}."""
    pattern = re.compile(r"(\S+) \(seed (\d+)\):.*prejudice remover objective (\S+) \(log-loss (\S+), prejudice index "
                         r"(\S+), penalty (\S+)\) after (\d+) iterations(, not converged)?")
    out = {}
    for m in pre.log_matches(paths, pattern):
        out[(m.group(1), int(m.group(2)))] = dict(L=float(m.group(3)), NLL=float(m.group(4)), PI=float(m.group(5)),
                                                  L2=float(m.group(6)), iterations=int(m.group(7)),
                                                  converged=m.group(8) is None)
    return out


# ------------------------------------------------------------------------------------------- timing

def time_one(args):
    """Child process: fit + predict of one reference on one run / seed, prints the seconds as JSON."""
    for run_id, methods, seed, ctx, _ in splits(pathlib.Path(args.results), args.dataset, [args.time_run],
                                                reference_only_of(args)):
        if seed != args.time_seed:
            continue
        for name, method_id, params, _ in methods:
            if name == args.time_method:
                if method_id == "adversarial-debiasing":
                    tensorflow_v1()  # the import is not timed
                start = time.perf_counter()
                REFERENCES[method_id](ctx, params)
                print(json.dumps({"seconds": time.perf_counter() - start}))
                return
    sys.exit(f"no {args.time_method} for {args.time_run} seed {args.time_seed}")


def time_references(args, jobs):
    """jobs: [(run_id, method name, seeds, fairlab seconds list)] -> rows of medians."""
    rows = []
    for run_id, name, seeds, fairlab in jobs:
        medians = {}
        for label, threads in (("1-thread", "1"), ("default", None)):
            env = dict(os.environ)
            env.pop("OPENBLAS_NUM_THREADS", None)
            env.pop("FAIRLAB_TF_THREADS", None)
            env["PYTHONWARNINGS"] = "ignore"
            if threads:
                env["OPENBLAS_NUM_THREADS"] = threads
                env["FAIRLAB_TF_THREADS"] = threads
            seconds = []
            for k in range(args.repeats):
                command = [sys.executable, __file__, args.results, "--time-one", "--time-run", run_id, "--time-method", name,
                           "--time-seed", str(seeds[k % len(seeds)])] + sum((["--dataset", d] for d in args.dataset), [])
                if args.reference_only:
                    command += ["--reference-only", args.reference_only] + sum((["--param", q] for q in args.param), [])
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                seconds.append(json.loads(out.strip().splitlines()[-1])["seconds"])
            medians[label] = statistics.median(seconds)
            print(f"  timing {run_id} {name} {label}: {', '.join(f'{s:.2f}' for s in seconds)} s", flush=True)
        rows.append((run_id, name, statistics.median(fairlab) if fairlab else math.nan, medians["1-thread"], medians["default"]))
    return rows


# --------------------------------------------------------------------------------------------- main

def reference_only_of(args):
    """--reference-only METHOD with its --param KEY=VALUE items -> (method id, params dict), or None."""
    if not args.reference_only:
        return None
    if args.reference_only not in METHODS:
        sys.exit(f"--reference-only: unknown method {args.reference_only!r} (one of {', '.join(METHODS)})")
    params = dict(ADVERSARIAL_DEFAULTS) if args.reference_only == "adversarial-debiasing" else {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"--param {item!r}: expected KEY=VALUE")
        params[key.split(".", 1)[1] if key.startswith(args.reference_only + ".") else key] = value
    return args.reference_only, params


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--dataset", action="append", default=[])
    parser.add_argument("--run", action="append", default=[])
    parser.add_argument("--fairlab-log", action="append", default=[])
    parser.add_argument("--method", action="append", default=[], help="only this method name (repeatable)")
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--no-compare", action="store_true", help="with --time: only the timings")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-only", metavar="METHOD", help="only METHOD's reference, on every run's seeds, "
                        "whether or not the run has it; nothing of fairlab's compared")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="with --reference-only: a parameter (fairlab's name), repeatable")
    parser.add_argument("--fixture", metavar="OUT.json", help="with --reference-only adversarial-debiasing: write the "
                        "per-seed debiased and plain accuracy / SPD")
    parser.add_argument("--time-one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time-run", help=argparse.SUPPRESS)
    parser.add_argument("--time-method", help=argparse.SUPPRESS)
    parser.add_argument("--time-seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_one:
        return time_one(args)
    if args.fixture and args.reference_only != "adversarial-debiasing":
        parser.error("--fixture needs --reference-only adversarial-debiasing")
    if args.param and not args.reference_only:
        parser.error("--param needs --reference-only (otherwise the run's own parameters are used)")
    fairlab_pr = parse_pr_log(args.fairlab_log)
    rows, objectives, timing_jobs, context_rows = {}, [], {}, {}
    fixture = dict(seeds=[], debiased=dict(accuracy=[], statistical_parity_difference=[]),
                   plain=dict(accuracy=[], statistical_parity_difference=[]))
    for run_id, methods, seed, ctx, outcomes in splits(pathlib.Path(args.results), args.dataset, args.run,
                                                       reference_only_of(args)):
        print(f"{run_id} seed {seed}: {len(ctx['train']['y'])} train / {len(ctx['test']['y'])} test rows; split checks out", flush=True)
        for name, method_id, params, param_text in methods:
            if args.method and name not in args.method:
                continue
            ours = outcomes.get(name)
            job = timing_jobs.setdefault((run_id, name), (run_id, name, [], []))
            job[2].append(seed)
            if ours:
                job[3].append(ours["seconds"])
            if args.no_compare:
                continue
            start = time.perf_counter()
            ref = REFERENCES[method_id](ctx, params)
            seconds = time.perf_counter() - start
            measured = dict(pre.measure(ctx, ref["pred"]), seed=seed)
            same = float(np.mean(ours["y_pred"] == ref["pred"])) if ours else math.nan
            extra = f"; Fairlearn chose grid point {ref['best']}" if "best" in ref else ""
            extra += ref["note"]() if "note" in ref else ""
            if args.reference_only:
                print(f"  {name} [{param_text}]: reference accuracy {measured['accuracy']:.4f}, SPD {measured['spd']:+.4f}; "
                      f"{seconds:.1f} s{extra}", flush=True)
            else:
                print(f"  {name} [{param_text}]: identical test predictions {same:.2%}; accuracy "
                      f"{ours['accuracy'] if ours else math.nan:.4f} / {measured['accuracy']:.4f}, SPD "
                      f"{ours['spd'] if ours else math.nan:.4f} / {measured['spd']:.4f} (fairlab / reference); "
                      f"reference {seconds:.1f} s, fairlab {ours['seconds'] if ours else math.nan:.2f} s{extra}", flush=True)
            rows.setdefault((run_id, f"{method_id} [{param_text}]"), []).append((ours, measured, same))
            if "pmf" in ref:
                # Fairlearn draws from its own stream: the expected predictions P(y_hat = 1) are what can agree.
                expected = dict(expected_measure(ctx, ref["pmf"]), seed=seed)
                mine = ours["expected"] if ours else dict(accuracy=math.nan, spd=math.nan)
                gap = np.abs(ours["y_prob"] - ref["pmf"]) if ours and ours["y_prob"] is not None else np.array([math.nan])
                close = float(np.mean(gap <= 1e-6))
                check = expected_measure(ctx, ours["y_prob"]) if ours and ours["y_prob"] is not None else None
                print(f"    expected predictions: |P fairlab - P Fairlearn| <= 1e-6 on {close:.2%} of test rows (max "
                      f"{gap.max():.2e}); expected accuracy {mine['accuracy']:.4f} / {expected['accuracy']:.4f}, SPD "
                      f"{mine['spd']:.4f} / {expected['spd']:.4f} (fairlab / reference); Fairlearn "
                      f"{ref['oracle_calls']} oracle calls" + ("" if check is None else
                      f"; fairlab's y_prob re-measured {check['accuracy']:.4f} / {check['spd']:.4f}"), flush=True)
                rows.setdefault((run_id, f"{method_id} [{param_text}] expected"), []).append(
                    (mine if ours else None, expected, close))
            contexts = context_references(method_id, ctx, params)
            for label, other in contexts:
                print(f"    {label}: reference accuracy {other['accuracy']:.4f}, SPD {other['spd']:+.4f}", flush=True)
                context_rows.setdefault((run_id, f"{method_id} [{param_text}]", label), []).append((seed, other))
            if args.fixture and contexts:
                fixture["seeds"].append(int(seed))
                for part, values in (("debiased", measured), ("plain", contexts[0][1])):
                    fixture[part]["accuracy"].append(float(values["accuracy"]))
                    fixture[part]["statistical_parity_difference"].append(float(values["spd"]))
            if "objective" in ref:
                objectives.append((run_id, name, seed, ref["objective"], fairlab_pr.get((name, seed))))

    if rows:
        print_tables(rows, objectives, context_rows, bool(args.reference_only))
    if args.fixture:
        import aif360
        import tensorflow
        fixture = dict(source=(f"AIF360 {aif360.__version__} AdversarialDebiasing on tensorflow {tensorflow.__version__}, its "
                               f"defaults, seed = fairlab's seed, on fairlab's splits of the given run (every feature column; the "
                               f"protected attribute = the privileged side); test accuracy and AIF360's "
                               f"statistical_parity_difference; plain = debias=false. Made by tools/golden/"
                               f"inprocessing_on_fairlab_splits.py --reference-only adversarial-debiasing --fixture"),
                       **fixture)
        pathlib.Path(args.fixture).write_text(json.dumps(fixture, indent=1) + "\n")
        print(f"wrote {args.fixture}", flush=True)
    if args.time:
        print("\ntiming (fit + predict; fairlab: median over seeds of stored fit_seconds + predict_seconds)", flush=True)
        timed = time_references(args, list(timing_jobs.values()))
        print("\n| method | fairlab s | Python 1-thread s | Python default s | 1-thread / fairlab | default / fairlab |")
        print("|---|---:|---:|---:|---:|---:|")
        for run_id, name, ours, one, default in timed:
            ratios = ("—", "—") if math.isnan(ours) else (f"{one / ours:.1f}x", f"{default / ours:.1f}x")
            print(f"| {name} ({run_id}) | {'—' if math.isnan(ours) else f'{ours:.3f}'} | {one:.2f} | {default:.2f} | "
                  f"{ratios[0]} | {ratios[1]} |")


def print_tables(rows, objectives, context_rows=None, reference_only=False):
    """The summary tables: per method the means over seeds (with reference_only, the reference's per-seed and mean
    accuracy / SPD, and those of the context_rows, e.g. the plain network next to adversarial debiasing)."""
    if reference_only:
        lines = ["| run | reference | seed | accuracy | SPD |", "|---|---|---:|---:|---:|"]
        for (run_id, method), obs in rows.items():
            series = [(method, [m for _, m, _ in obs])] + [
                (label, [dict(o, seed=seed) for seed, o in other]) for (r, m, label), other in (context_rows or {}).items()
                if r == run_id and m == method]
            for label, measured in series:
                for one in measured:
                    lines.append(f"| {run_id} | {label} | {one['seed']} | {one['accuracy']:.4f} | {one['spd']:+.4f} |")
                lines.append(f"| {run_id} | {label} | mean | {pp.mean([o['accuracy'] for o in measured]):.4f} | "
                             f"{pp.mean([o['spd'] for o in measured]):+.4f} |")
        print("\n" + "\n".join(lines))
        return
    lines = ["| method | fairlab acc / SPD | reference acc / SPD | identical predictions | seeds |", "|---|---|---|---:|---:|"]
    for (run_id, method), obs in rows.items():
        ours = [o for o, _, _ in obs if o]
        lines.append(f"| {method} ({run_id}) | {pp.mean([o['accuracy'] for o in ours]):.4f} / "
                     f"{pp.mean([o['spd'] for o in ours]):+.4f} | {pp.mean([m['accuracy'] for _, m, _ in obs]):.4f} / "
                     f"{pp.mean([m['spd'] for _, m, _ in obs]):+.4f} | {pp.mean([s for *_, s in obs]):.2%} | {len(obs)} |")
        for (r, m, label), other in (context_rows or {}).items():
            if r == run_id and m == method:
                lines.append(f"| {label} ({run_id}) | — | {pp.mean([o['accuracy'] for _, o in other]):.4f} / "
                             f"{pp.mean([o['spd'] for _, o in other]):+.4f} | — | {len(other)} |")
    print("\n" + "\n".join(lines))
    if objectives:
        print("\n| run | method | seed | fairlab L (NLL, PI, L2), iterations | AIF360 L (NLL, PI, L2) | fairlab - AIF360 |")
        print("|---|---|---:|---|---|---:|")
        for run_id, name, seed, a, ours in objectives:
            mine = "— (no --fairlab-log line)" if ours is None else (
                f"{ours['L']:.4f} ({ours['NLL']:.4f}, {ours['PI']:.4f}, {ours['L2']:.4f}), {ours['iterations']}"
                f"{'' if ours['converged'] else ' not converged'}")
            delta = "—" if ours is None else f"{ours['L'] - a['L']:+.4f}"
            print(f"| {run_id} | {name} | {seed} | {mine} | {a['L']:.4f} ({a['NLL']:.4f}, {a['PI']:.4f}, {a['L2']:.4f}) | {delta} |")


if __name__ == "__main__":
    main()
