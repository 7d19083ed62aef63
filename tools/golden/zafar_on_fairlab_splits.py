"""Runs Zafar et al.'s own code ("Fairness Constraints: Mechanisms for Fair Classification", AISTATS 2017,
github.com/mbilalzafar/fair-classification) on fairlab's splits, for the reference numbers of a fairlab plugin.

    /work/pyenv/bin/python tools/golden/zafar_on_fairlab_splits.py RESULTS.h5 --zafar-code DIR
        [--dataset FILE.h5 ...] [--run RUN_ID ...] [--seeds 0,1] [--c-factors 0,0.5,0.1] [--gammas 0.1,0.5]
        [--sep-gammas 1000,0.5] [--max-train-rows K]
        [--features all|without-protected] [--sensitive side|ATTR] [--loss logistic|logistic-l2]
        [--thetas OUT.json] [--time] [--repeats 1]

RESULTS is any file written by `fairlab compare ... --out RESULTS.h5` (the methods it holds do not matter; only its
runs' splits are used). DIR is a checkout's fair_classification/ folder (or the checkout itself): its utils.py and
loss_funcs.py are Python 2; they are converted in memory with lib2to3's standard fixers (print statements and
the like, nothing else changes) and executed as the modules `utils` and `loss_funcs`. No file of theirs is copied.

For every complete run and seed the split is checked and the features are standardised as the run did (the
splits() helper of inprocessing_on_fairlab_splits.py, imported); then on the training rows:

- x = utils.add_intercept(features): a column of ones FIRST, then every feature column (protected ones included,
  as fairlab's learners see them), or with --features without-protected the run's protected attributes' own
  columns dropped;
- y = 2 label - 1 (their labels are +-1);
- z = the pooled side, 1 = the groups the run marks privileged (their x_control, 1 = "non-protected"); given as
  an int64 0/1 array (under Python 3 their get_one_hot_encoding rejects float64 values, it compares
  str(type(v)) with Python 2's "<type 'numpy.float64'>"). With --sensitive ATTR the constrained attribute is
  instead the run's protected attribute ATTR with all its values (from the group names, e.g. race on a
  race x sex run): their code then one-hot encodes it and adds one covariance constraint per value.

Variants, each a call of utils.train_model(x, y, x_control, loss_funcs._logistic_loss (--loss), ...); numpy's global
RandomState is reseeded with their SEED 1122334455 before each call, so every SLSQP start
x0 = np.random.rand(d + 1) is the same (and the gamma variants' first stage reproduces the unconstrained fit):

- unconstrained: apply_fairness_constraints = 0, apply_accuracy_constraint = 0;
- cov c=F x cov0: apply_fairness_constraints = 1, threshold F x the unconstrained model's training |covariance|
  (F = 0: c = 0, their demos' setting; F < 1: their trade-off sweep's multiplicative factors). With --sensitive
  ATTR one threshold per value, F x that value's one-hot |covariance|;
- gamma=G: apply_accuracy_constraint = 1, sep_constraint = 0, gamma G (only with --sensitive side: their
  objective uses x_control of the first attribute as one numeric column, no one-hot; and only with --loss
  logistic: their gamma code calls the loss with return_arr=True, which _logistic_loss_l2_reg does not take).
- sep gamma=G (--sep-gammas, none by default): apply_accuracy_constraint = 1, sep_constraint = 1, gamma G, their
  fine-grained accuracy constraint (same restrictions as gamma=G): one SLSQP constraint per training row, at the
  first stage's theta* either theta' x_i >= 0 (z_i = 1 and sign(theta*' x_i) = 1) or
  loss_i(theta) <= (1 + G) loss_i(theta*) (every other row). SLSQP finite-differences each of the N constraints,
  so this is slow beyond a few thousand rows: --max-train-rows K keeps only the first K training rows of every
  seed (for every variant; the test rows stay all). Reported in addition: the training |cov| of theta* (the
  first stage, recorded from their minimize call) and of the result, each stage's SLSQP success, and how many
  per-row constraints the returned theta violates by more than 1e-9 (recomputed here, as their constraint
  functions evaluate them).

--loss logistic-l2 uses their loss_funcs._logistic_loss_l2_reg (sum of the logistic loss + lam/2 |theta|^2 with
lam = 1, the intercept penalised too) instead of the unregularised _logistic_loss of their demos: without a
penalty a one-hot column whose training rows all have one label is separable, its weight is unbounded, and the
covariance constraint can be met by pushing those few rows far from the boundary (see /work/notes/zafar.md).

scipy.optimize.minimize is wrapped inside their utils module (calls passed through unchanged) to record each
SLSQP result's nit, nfev, success and message. Reported per seed and as means over seeds: test accuracy of
sign(theta' x) (their check_accuracy: sign == y), statistical parity difference (AIF360, test rows, pooled side,
prediction 1 where theta' x > 0), their p%-rule 100 P(+|z=0) / P(+|z=1) on the test rows (compute_p_rule; the
paper's p%-rule is the min of that ratio and its inverse), the training covariance (1/N) sum (z_i - mean z)
theta' x_i at the solution (signed), the training mean logistic loss (their loss is the SUM; divided by N here),
SLSQP iterations and success, and the fit seconds in this process. The solutions are merged into --thetas (JSON,
intercept first, with the feature names), keyed by results file, run, --features, --sensitive and --loss.

--time: additionally times each variant's train_model call of the first seed in child processes, with
OPENBLAS_NUM_THREADS=1 and with the default threads (--repeats children each), and prints the medians.
"""
import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time
import types
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")  # their utils.py imports matplotlib.pyplot

import h5py  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import inprocessing_on_fairlab_splits as ip  # noqa: E402  (splits(); imports preprocessing_on_fairlab_splits as ip.pre)

pre = ip.pre
pp = ip.pp
ZAFAR_SEED = 1122334455  # utils.SEED, their numpy / random seed


# ------------------------------------------------------------------------------------- their code

def load_zafar(directory):
    """Their fair_classification/loss_funcs.py and utils.py, converted from Python 2 in memory, as modules."""
    directory = pathlib.Path(directory)
    if not (directory / "utils.py").exists() and (directory / "fair_classification" / "utils.py").exists():
        directory = directory / "fair_classification"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lib2to3 import refactor
    tool = refactor.RefactoringTool(refactor.get_fixers_from_package("lib2to3.fixes"))
    modules = {}
    for name in ("loss_funcs", "utils"):
        path = directory / f"{name}.py"
        source = path.read_text()
        if not source.endswith("\n"):
            source += "\n"
        module = types.ModuleType(name)
        module.__file__ = str(path)
        sys.modules[name] = module  # utils.py does `import loss_funcs as lf`
        exec(compile(str(tool.refactor_string(source, str(path))), str(path), "exec"), module.__dict__)
        modules[name] = module
    ut, lf = modules["utils"], modules["loss_funcs"]
    calls = []
    original = ut.minimize

    def recording_minimize(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(dict(nit=int(getattr(result, "nit", -1)), nfev=int(getattr(result, "nfev", -1)),
                          success=bool(result.success), message=str(result.message),
                          x=np.array(result.x, dtype=float)))
        return result
    ut.minimize = recording_minimize
    return ut, lf, calls


def covariance(theta, x, z):
    """(1/N) sum (z_i - mean z) theta' x_i, their test_sensitive_attr_constraint_cov before the abs."""
    z = np.asarray(z, dtype=float)
    return float(np.dot(z - z.mean(), x @ theta) / len(z))


# ---------------------------------------------------------------------------------------- problem

def sensitive_values(results_path, run_id, attribute, group_codes):
    """The value of protected attribute `attribute` for every row, from the run's group names ("a/b" in the
    order of the run's protected attributes), as int codes 0..K-1 in sorted value order, and the value names."""
    with h5py.File(results_path, "r") as f:
        run = f["runs"][run_id]
        protected = pp.texts(run.attrs["protected"])
        names = pp.texts(run.attrs["group_names"])
    if attribute not in protected:
        raise SystemExit(f"--sensitive {attribute}: the run's protected attributes are {protected}")
    k = protected.index(attribute)
    per_group = [name.split("/")[k] if len(protected) > 1 else name for name in names]
    values = sorted(set(per_group))
    code_of_group = np.array([values.index(v) for v in per_group], dtype=np.int64)
    return code_of_group[group_codes], values


def problem(ctx, features, sensitive, results_path, run_id, ut, max_train_rows=0):
    keep = [j for j in range(ctx["train"]["x"].shape[1]) if features == "all" or j not in ctx["run_columns"]]
    out = dict(names=["(intercept)"] + [ctx["names"][j] for j in keep])
    for part in ("train", "test"):
        p = ctx[part]
        if part == "train" and max_train_rows:  # --max-train-rows: the first K training rows
            p = {k: v[:max_train_rows] for k, v in p.items()}
        d = dict(x=ut.add_intercept(p["x"][:, keep]), y=2.0 * p["y"].astype(float) - 1.0, side=p["side"].astype(np.int64))
        if sensitive == "side":
            d["control"] = {"side": d["side"]}
        else:
            codes, values = sensitive_values(results_path, run_id, sensitive, p["group"])
            d["control"] = {sensitive: codes}
            out["values"] = values
        out[part] = d
    return out


LOSSES = {"logistic": "_logistic_loss", "logistic-l2": "_logistic_loss_l2_reg"}
LOSS = ["logistic"]  # --loss (one per process)


def train(ut, lf, calls, prob, attr, cov_thresh=None, gamma=None, sep=0):
    """One utils.train_model call; returns theta, seconds and the SLSQP records of this call."""
    tr = prob["train"]
    loss_function = getattr(lf, LOSSES[LOSS[0]])
    fairness = 1 if cov_thresh is not None else 0
    accuracy = 1 if gamma is not None else 0
    np.random.seed(ZAFAR_SEED)
    first = len(calls)
    start = time.perf_counter()
    theta = ut.train_model(tr["x"], tr["y"], tr["control"], loss_function, fairness, accuracy, sep, [attr],
                           {attr: cov_thresh} if fairness else {}, gamma)
    seconds = time.perf_counter() - start
    return np.asarray(theta, dtype=float), seconds, calls[first:]


def category_covariances(theta, prob, attr, ut):
    """|cov| per value of a categorical attribute (one-hot column), as their constraints see them."""
    tr = prob["train"]
    onehot, index = ut.get_one_hot_encoding(tr["control"][attr])
    if index is None:
        return None
    return {value: abs(covariance(theta, tr["x"], onehot[:, column])) for value, column in index.items()}


def variants(c_factors, gammas, sensitive, sep_gammas=()):
    """(label, c factor, gamma, sep_constraint) per variant."""
    out = [("unconstrained", None, None, 0)]
    out += [(f"cov c={f:g} x cov0", f, None, 0) for f in c_factors]  # cov0 = the unconstrained |cov|
    if sensitive == "side" and LOSS[0] == "logistic":  # their gamma code calls loss(..., return_arr=True)
        out += [(f"gamma={g:g}", None, g, 0) for g in gammas]
        out += [(f"sep gamma={g:g}", None, g, 1) for g in sep_gammas]
    return out


def fit_variant(ut, lf, calls, prob, attr, factor, gamma, theta0, sep=0):
    """Runs one variant; theta0 = the unconstrained solution (for the thresholds)."""
    if factor is None and gamma is None:
        return train(ut, lf, calls, prob, attr) + (None,)
    if gamma is not None:
        return train(ut, lf, calls, prob, attr, gamma=gamma, sep=sep) + (None,)
    per_value = category_covariances(theta0, prob, attr, ut)
    if per_value is None:
        threshold = factor * abs(covariance(theta0, prob["train"]["x"], prob["train"]["control"][attr]))
    else:
        threshold = {value: factor * c for value, c in per_value.items()}
    return train(ut, lf, calls, prob, attr, cov_thresh=threshold) + (threshold,)


def evaluate(theta, prob, ctx, lf):
    tr, te = prob["train"], prob["test"]
    score = te["x"] @ theta
    pred = (score > 0).astype(int)
    measured = pre.measure(ctx, pred)
    z = te["side"]
    ratio = float(np.mean(pred[z == 0]) / np.mean(pred[z == 1])) if np.mean(pred[z == 1]) > 0 else math.nan
    return dict(accuracy=float(np.mean(np.sign(score) == te["y"])), spd=measured["spd"], p_rule=100.0 * ratio,
                p_rule_min=100.0 * min(ratio, 1.0 / ratio) if ratio > 0 else 0.0,
                positive_rate=float(pred.mean()),
                cov=covariance(theta, tr["x"], tr["side"]), loss_sum=float(lf._logistic_loss(theta, tr["x"], tr["y"])),
                loss=float(lf._logistic_loss(theta, tr["x"], tr["y"])) / len(tr["y"]),
                train_accuracy=float(np.mean(np.sign(tr["x"] @ theta) == tr["y"])))


def sep_violations(theta, theta_star, prob, gamma, lf, tol=1e-9):
    """Their sep_constraint rows at theta: (# 'stay positive' rows, # loss rows, # violated by more than tol of
    each kind, most negative constraint value). theta_star = their first stage's solution."""
    tr = prob["train"]
    x, y, z = tr["x"], tr["y"], tr["control"]["side"]
    stay = (np.sign(x @ theta_star) == 1.0) & (z == 1.0)
    value = np.where(stay, x @ theta, (1.0 + gamma) * lf._logistic_loss(theta_star, x, y, return_arr=True)
                     - lf._logistic_loss(theta, x, y, return_arr=True))
    return (int(stay.sum()), int((~stay).sum()), int(np.sum(value[stay] < -tol)), int(np.sum(value[~stay] < -tol)),
            float(value.min()))


# ------------------------------------------------------------------------------------------- timing

def time_one(args):
    ut, lf, calls = load_zafar(args.zafar_code)
    for run_id, _, seed, ctx, _ in ip.splits(pathlib.Path(args.results), args.dataset, [args.time_run]):
        if seed != args.time_seed:
            continue
        prob = problem(ctx, args.features, args.sensitive, args.results, run_id, ut, args.max_train_rows)
        kind, _, value = args.time_variant.partition(":")
        if kind == "unconstrained":
            seconds = train(ut, lf, calls, prob, args.sensitive)[1]
        elif kind in ("gamma", "sep"):
            seconds = train(ut, lf, calls, prob, args.sensitive, gamma=float(value), sep=int(kind == "sep"))[1]
        else:
            seconds = train(ut, lf, calls, prob, args.sensitive, cov_thresh=json_threshold(value))[1]
        print(json.dumps({"seconds": seconds}))
        return
    sys.exit(f"no seed {args.time_seed} in {args.time_run}")


def json_threshold(text):
    value = json.loads(text)
    return {int(k): float(v) for k, v in value.items()} if isinstance(value, dict) else float(value)


def time_variants(args, run_id, seed, jobs):
    print(f"\ntiming {run_id} seed {seed} (train_model only, child processes, median of {args.repeats})")
    print("| variant | 1-thread s | default s |\n|---|---:|---:|")
    for label, spec in jobs:
        medians = []
        for threads in ("1", None):
            env = dict(os.environ)
            env.pop("OPENBLAS_NUM_THREADS", None)
            env["PYTHONWARNINGS"] = "ignore"
            if threads:
                env["OPENBLAS_NUM_THREADS"] = threads
            seconds = []
            for _ in range(args.repeats):
                command = [sys.executable, __file__, args.results, "--zafar-code", args.zafar_code, "--time-one",
                           "--time-run", run_id, "--time-seed", str(seed), "--time-variant", spec,
                           "--features", args.features, "--sensitive", args.sensitive, "--loss", args.loss,
                           "--max-train-rows", str(args.max_train_rows)]
                command += sum((["--dataset", d] for d in args.dataset), [])
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                seconds.append(json.loads(out.strip().splitlines()[-1])["seconds"])
            medians.append(statistics.median(seconds))
        print(f"| {label} | {medians[0]:.2f} | {medians[1]:.2f} |", flush=True)


# --------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--zafar-code", required=True, help="their fair_classification/ folder (or the checkout)")
    parser.add_argument("--dataset", action="append", default=[])
    parser.add_argument("--run", action="append", default=[])
    parser.add_argument("--seeds", default="", help="only these seeds (comma-separated; default: all of the run's)")
    parser.add_argument("--c-factors", default="0,0.5,0.1")
    parser.add_argument("--gammas", default="0.1,0.5")
    parser.add_argument("--sep-gammas", default="", help="gammas of their fine-grained variant (sep_constraint = 1; "
                                                         "their Adult demo: 1000); none by default")
    parser.add_argument("--max-train-rows", type=int, default=0, help="only the first K training rows (0: all)")
    parser.add_argument("--features", choices=("all", "without-protected"), default="all")
    parser.add_argument("--sensitive", default="side", help="side (pooled, default) or a protected attribute, one-hot")
    parser.add_argument("--loss", choices=sorted(LOSSES), default="logistic",
                        help="logistic (their demos) or logistic-l2 (their _logistic_loss_l2_reg, lam = 1, intercept "
                             "penalised too; covariance variants only)")
    parser.add_argument("--thetas", default="/work/notes/zafar-thetas.json")
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--time-one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time-run", help=argparse.SUPPRESS)
    parser.add_argument("--time-seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time-variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    LOSS[0] = args.loss
    if args.time_one:
        return time_one(args)
    warnings.simplefilter("ignore")
    ut, lf, calls = load_zafar(args.zafar_code)
    c_factors = [float(v) for v in args.c_factors.split(",") if v.strip()]
    gammas = [float(v) for v in args.gammas.split(",") if v.strip()]
    sep_gammas = [float(v) for v in args.sep_gammas.split(",") if v.strip()]
    attr = args.sensitive
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}; features {args.features}; "
          f"sensitive {attr}; loss {args.loss}; max train rows {args.max_train_rows or 'all'}; scipy {__import__('scipy').__version__}, numpy {np.__version__}", flush=True)
    rows, thetas, timing = {}, {}, None
    for run_id, _, seed, ctx, outcomes in ip.splits(pathlib.Path(args.results), args.dataset, args.run):
        if args.seeds and seed not in [int(v) for v in args.seeds.split(",")]:
            continue
        prob = problem(ctx, args.features, attr, args.results, run_id, ut, args.max_train_rows)
        n, d = prob["train"]["x"].shape
        print(f"{run_id} seed {seed}: {n} train / {len(prob['test']['y'])} test rows, {d} columns with the intercept; "
              f"split checks out", flush=True)
        theta0, jobs = None, []
        for label, factor, gamma, sep in variants(c_factors, gammas, attr, sep_gammas):
            theta, seconds, records, threshold = fit_variant(ut, lf, calls, prob, attr, factor, gamma, theta0, sep)
            if theta0 is None:
                theta0 = theta
            m = evaluate(theta, prob, ctx, lf)
            m.update(seed=seed, seconds=seconds, nit="+".join(str(r["nit"]) for r in records),
                     success=all(r["success"] for r in records), messages=[r["message"] for r in records])
            if isinstance(threshold, dict):
                m["max_category_cov"] = max(category_covariances(theta, prob, attr, ut).values())
                thr_text = "per value " + ", ".join(f"{prob['values'][k]} {v:.4g}" for k, v in sorted(threshold.items()))
            else:
                thr_text = "" if threshold is None else f"c {threshold:.5g}"
            extra = f"; max per-value |cov| {m['max_category_cov']:.5f}" if "max_category_cov" in m else ""
            print(f"  {label:>20}: test acc {m['accuracy']:.4f}, SPD {m['spd']:+.4f}, p-rule {m['p_rule']:.1f}% "
                  f"(min-form {m['p_rule_min']:.1f}%), train cov {m['cov']:+.5f}, train mean loss {m['loss']:.5f} "
                  f"(sum {m['loss_sum']:.2f}), SLSQP nit {m['nit']} success {m['success']}, {seconds:.1f} s"
                  f"{(' ' + thr_text) if thr_text else ''}{extra}", flush=True)
            if sep:
                theta_star = records[0]["x"]
                m["cov_star"] = covariance(theta_star, prob["train"]["x"], prob["train"]["side"])
                stay, rest, bad_stay, bad_rest, worst = sep_violations(theta, theta_star, prob, gamma, lf)
                m.update(violated=bad_stay + bad_rest, stage_success="/".join(str(r["success"]) for r in records))
                print(f"      sep: train |cov| {abs(m['cov_star']):.5f} (theta*) -> {abs(m['cov']):.5f}; constraints "
                      f"{stay} stay-positive + {rest} loss; violated (< -1e-9) {bad_stay} + {bad_rest}, min value "
                      f"{worst:.3g}; SLSQP success stage 1/2 {m['stage_success']}", flush=True)
            if not m["success"]:
                print(f"      SLSQP: {' | '.join(m['messages'])}", flush=True)
            rows.setdefault(label, []).append(m)
            thetas.setdefault(f"seed_{seed}", {})[label] = dict(
                theta=theta.tolist(), threshold=threshold if not isinstance(threshold, dict)
                else {prob["values"][k]: v for k, v in threshold.items()}, gamma=gamma,
                train_loss_sum=m["loss_sum"], train_loss_mean=m["loss"], train_cov=m["cov"], nit=m["nit"],
                success=m["success"], test_accuracy=m["accuracy"], test_spd=m["spd"], sep_constraint=sep,
                **({"theta_star_train_cov": m["cov_star"], "violated_constraints": m["violated"]} if sep else {}))
            spec = ("unconstrained" if factor is None and gamma is None
                    else f"{'sep' if sep else 'gamma'}:{gamma}" if gamma is not None
                    else "cov:" + json.dumps(threshold if not isinstance(threshold, dict)
                                             else {str(k): v for k, v in threshold.items()}))
            jobs.append((label, spec))
        if timing is None:
            timing = (run_id, seed, jobs)
        thetas["names"] = prob["names"]
        thetas["run"] = run_id
    print_table(rows)
    print_sep_table(rows)
    save_thetas(args, thetas)
    if args.time and timing:
        time_variants(args, *timing)


def print_table(rows):
    print("\n| variant | test acc | SPD | p-rule % | train cov | train mean loss | SLSQP nit | success | fit s | seeds |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|")
    for label, ms in rows.items():
        nits = "/".join(m["nit"] for m in ms)
        print(f"| {label} | {pp.mean([m['accuracy'] for m in ms]):.4f} | {pp.mean([m['spd'] for m in ms]):+.4f} | "
              f"{pp.mean([m['p_rule'] for m in ms]):.1f} | {pp.mean([m['cov'] for m in ms]):+.5f} | "
              f"{pp.mean([m['loss'] for m in ms]):.5f} | {nits} | {sum(m['success'] for m in ms)}/{len(ms)} | "
              f"{pp.mean([m['seconds'] for m in ms]):.1f} | {len(ms)} |")


def print_sep_table(rows):
    sep = [(label, m) for label, ms in rows.items() for m in ms if "violated" in m]
    if not sep:
        return
    print("\n| seed | variant | test acc | SPD | train |cov| theta* -> theta | violated | SLSQP success (stage 1/2) | fit s |")
    print("|---:|---|---:|---:|---|---:|---|---:|")
    for label, m in sorted(sep, key=lambda item: (item[1]["seed"], item[0])):
        print(f"| {m['seed']} | {label} | {m['accuracy']:.4f} | {m['spd']:+.4f} | {abs(m['cov_star']):.5f} -> "
              f"{abs(m['cov']):.5f} | {m['violated']} | {m['stage_success']} | {m['seconds']:.1f} |")


def save_thetas(args, thetas):
    path = pathlib.Path(args.thetas)
    store = json.loads(path.read_text()) if path.exists() else {}
    key = (f"{pathlib.Path(args.results).name} {thetas.get('run', '')} features={args.features} "
           f"sensitive={args.sensitive} loss={args.loss}"
           + (f" max_train_rows={args.max_train_rows}" if args.max_train_rows else ""))
    store[key] = dict(description="theta: intercept first, then the columns of `names` (fairlab's standardised "
                                  "features); z = pooled side (1 = privileged); labels +-1; loss = SUM of "
                                  "log(1 + exp(-y theta'x)) over the training rows", **thetas)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(store, indent=1))
    print(f"\nthetas saved to {path} under '{key}'")


if __name__ == "__main__":
    main()
