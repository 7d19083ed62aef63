"""Reruns the reference libraries on the injected rows of a `fairlab stress` run and compares them with fairlab.

    /work/pyenv/bin/python tools/golden/stress_on_fairlab_rows.py RESULTS.h5 DATASET.h5 [--run RUN_ID]
        [--methods baseline,reweighing,threshold-optimizer,exponentiated-gradient] [--jobs N]

RESULTS is a file written by `fairlab stress DATASET --inject KIND --levels ... --out RESULTS.h5`
(docs/results-format.md, "stress run"); the run is --run, or the latest complete run (largest `sequence`).
DATASET is the run's dataset (checked against the run's dataset_sha256).

For every seed and level of the run it rebuilds what fairlab's methods saw, from the stored
`stress/seed_<s>_level_<k>/rows` (and `proxy`) - nothing is drawn again:

- the clean split `splits/seed_<s>` is checked as postprocessing_on_fairlab_splits.py does (group codes, test
  labels, train / validation / test rows = fairlab's split, replayed); the stored rows must all be training or
  validation rows;
- label-bias, label-noise: the labels of the stored rows are flipped (0 <-> 1); under-sample, group-size: the
  stored rows are removed from the training and validation rows; proxy: the stored `proxy` column is appended as
  the last feature, `stress_proxy` (a numeric column: standardised under standardize=numeric or all). Test rows
  and labels stay clean (checked: no stored row is a test row);
- the feature columns the run standardised (its `standardize` attribute, postprocessing_on_fairlab_splits.
  standardisation: numeric = every column but the one-hot `a=b` ones and the protected attributes' own 0/1
  columns) are centred and scaled with the injected training rows' mean and population std (fairlab's
  Standardizer, postprocessing_on_fairlab_splits.standardise), as fairlab prepares each level's split.

References (helpers imported from the *_on_fairlab_splits.py scripts):

- baseline: scikit-learn LogisticRegression(C=1, lbfgs, tol=1e-10, max_iter=10000) on the training rows,
  test predictions score > 0.5 (preprocessing_on_fairlab_splits.fit_lr);
- reweighing (grouping=privileged): AIF360 Reweighing (privileged side = the groups the run marks privileged,
  pooled against the others) instance weights as sample_weight of the same LR (preprocessing_on_fairlab_splits.
  references_for);
- threshold-optimizer (constraints=demographic_parity, objective accuracy_score, grid_size 1000): Fairlearn
  ThresholdOptimizer(prefit baseline LR, predict_method='predict_proba') fitted on the (injected) validation rows,
  as fairlab's plugin, expected test predictions from `_pmf_predict` (postprocessing_on_fairlab_splits.
  run_references);
- exponentiated-gradient: Fairlearn ExponentiatedGradient(LR as above, DemographicParity(), eps, max_iter, nu,
  eta0 = the run's parameters; fairlab's defaults 0.01, 50, auto, 2) on the training rows, expected test
  predictions from `_pmf_predict` (inprocessing_on_fairlab_splits.exponentiated_gradient).

Measured on the clean test rows: accuracy and statistical parity difference P(y_hat=1 | unprivileged) -
P(y_hat=1 | privileged), sides pooled from the run's `group_privileged` (AIF360's, through reference_metrics, for
hard predictions; soft counts of P(y_hat=1), as fairlab's expected_ metrics, for the randomised ones). fairlab's
side is its stored expected_accuracy / expected_statistical_parity_difference when present, else accuracy /
statistical_parity_difference. For deterministic methods also the share of test rows where the reference's
prediction equals fairlab's stored y_pred; per condition the largest |y_score - reference score| (baseline,
reweighing) or |y_prob - reference P(y_hat=1)| (randomised methods).

Output: one line per (seed, level) with the per-method checks, then per method a table over levels of the means
over seeds (fairlab | reference | difference), the injected gap of the baselines (mean over seeds of |SPD| at
the level minus |SPD| at level 0, as fairlab's stress summary), and a list of the means that differ by more
than 0.005 in accuracy or 0.01 in SPD. --jobs N runs N conditions at once (processes). Exits non-zero when a
check fails or nothing was compared.
"""
import argparse
import math
import pathlib
import sys
import time
import warnings
from collections import OrderedDict, defaultdict

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import inprocessing_on_fairlab_splits as inp  # noqa: E402  (imports preprocessing_ and postprocessing_on_fairlab_splits)

pre = inp.pre
pp = inp.pp
warnings.filterwarnings("ignore")

DEFAULT_METHODS = ("baseline", "reweighing", "threshold-optimizer", "exponentiated-gradient")
RANDOMISED = {"threshold-optimizer", "exponentiated-gradient"}
# fairlab parameters the reference reproduces (a run with others gets no reference row for that method)
REQUIRED = {
    "baseline": {"C": "1"},
    "reweighing": {"grouping": "privileged"},
    "threshold-optimizer": {"constraints": "demographic_parity", "objective": "accuracy_score", "grid_size": "1000",
                            "tol": "0", "flip": "false"},
    "exponentiated-gradient": {"constraint": "demographic_parity"},
}
ACC_TOLERANCE, SPD_TOLERANCE = 0.005, 0.01

STATE = {}   # set in main before the worker processes fork: dataset, codes, standardised mask, run facts


class CheckFailed(Exception):
    pass


# ------------------------------------------------------------------------------------------ one condition

def injected_parts(kind, labels, features, mask, names, train, validation, rows, proxy):
    """The injected (labels, features, mask, names, train, validation) of one (seed, level)."""
    rows = np.asarray(rows, dtype=np.int64)
    if kind in ("label-bias", "label-noise"):
        labels = labels.copy()
        labels[rows] = 1 - labels[rows]
    elif kind in ("under-sample", "group-size"):
        train = train[~np.isin(train, rows)]
        validation = validation[~np.isin(validation, rows)]
    elif kind == "proxy":
        if proxy is None or len(proxy) != len(labels) or not np.all(np.isfinite(proxy)):
            raise CheckFailed("the stored proxy column is missing, of the wrong length or not finite")
        features = np.hstack([features, np.asarray(proxy, dtype=float).reshape(-1, 1)])
        mode = STATE["standardize"]
        mask = np.append(mask, mode in ("all", "numeric"))   # a numeric column: not one-hot, not protected
        names = names + ["stress_proxy"]
    else:
        raise CheckFailed(f"unknown injection kind '{kind}'")
    return labels, features, mask, names, train, validation


def run_condition(job):
    """Every reference on one (seed, level): method -> dict(score=, pred=) or dict(prob=) or dict(error=)."""
    seed, level_index, train, validation, test, rows, proxy = job
    d = STATE["dataset"]
    codes, privileged_codes = STATE["codes"], STATE["privileged_codes"]
    labels, features, mask, names, train, validation = injected_parts(
        STATE["kind"], d["labels"], d["features"], STATE["mask"], list(d["names"]), train, validation, rows, proxy)
    scale = pp.standardise(features, train, mask)
    ctx = dict(names=names, privileged_codes=privileged_codes, seed=seed,
               run_columns=[j for j, n in enumerate(names) if n in STATE["protected"]],
               protected_columns=[j for j, n in enumerate(names) if n in d["protected"]])
    for part, index in (("train", train), ("validation", validation), ("test", test)):
        ctx[part] = dict(x=scale(features[index]), y=labels[index], label=labels[index], group=codes[index],
                         side=np.isin(codes[index], privileged_codes).astype(int))
    out = {"_sizes": (len(train), len(validation), len(test))}
    methods = STATE["methods"]
    start = time.perf_counter()
    model = pre.fit_lr(ctx["train"]["x"], ctx["train"]["y"])
    for part in ("validation", "test"):
        ctx[part]["score"] = pre.scores_of(model, ctx[part]["x"])
    if "baseline" in methods:
        out["baseline"] = dict(score=ctx["test"]["score"], pred=(ctx["test"]["score"] > 0.5).astype(int))
    if "reweighing" in methods:
        cache = {}
        (_, key), = pre.references_for("reweighing", methods["reweighing"], ctx, cache, seed)
        ref = cache[key]
        out["reweighing"] = ref if "error" in ref else dict(score=ref["score"], pred=(ref["score"] > 0.5).astype(int))
    if "threshold-optimizer" in methods:
        if len(validation) == 0:
            out["threshold-optimizer"] = dict(error="no validation rows")
        else:
            context = dict(model=model, group_names=STATE["group_names"], privileged_codes=privileged_codes,
                           validation=ctx["validation"], test=ctx["test"])
            ref = pp.run_references(context, ["fairlearn-dp"], seed)["fairlearn-dp"]
            out["threshold-optimizer"] = ref if "error" in ref else dict(prob=np.asarray(ref["expected"], float),
                                                                         note=ref.get("note", ""))
    if "exponentiated-gradient" in methods:
        try:
            ref = inp.exponentiated_gradient(ctx, methods["exponentiated-gradient"])
            out["exponentiated-gradient"] = dict(prob=ref["pmf"], oracle_calls=ref["oracle_calls"])
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            out["exponentiated-gradient"] = dict(error=f"{type(error).__name__}: {error}".splitlines()[0])
    out["_seconds"] = time.perf_counter() - start
    # measured on the clean test rows
    for name, ref in out.items():
        if name.startswith("_") or "error" in ref:
            continue
        if "prob" in ref:
            ref["measured"] = inp.expected_measure(ctx, ref["prob"])
        else:
            ref["measured"] = pre.measure(ctx, ref["pred"])
    return seed, level_index, out


# ------------------------------------------------------------------------------------------ fairlab side

def fairlab_outcome(outcome):
    if outcome is None or pp.text(outcome.attrs.get("status", "")) != "ok":
        return None
    overall = dict(zip(pp.texts(outcome["metrics/overall_names"][...]), outcome["metrics/overall_values"][...].astype(float)))
    expected = "expected_accuracy" in overall
    return dict(accuracy=overall["expected_accuracy" if expected else "accuracy"],
                spd=overall["expected_statistical_parity_difference" if expected else "statistical_parity_difference"],
                expected=expected,
                y_pred=outcome["y_pred"][...].astype(int),
                y_score=outcome["y_score"][...].astype(float) if "y_score" in outcome else None,
                y_prob=outcome["y_prob"][...].astype(float) if "y_prob" in outcome else None)


def same_parameters(stored, required):
    return all(k in stored and pp.same_value(stored[k], v) for k, v in required.items())


def fmt(value, digits=4):
    return pp.fmt(value, digits)


def signed(value):
    return "—" if value is None or math.isnan(value) else f"{value:+.4f}"


# ------------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("dataset")
    parser.add_argument("--run", help="the run id (default: the latest complete run, by its sequence attribute)")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated, of " + ", ".join(DEFAULT_METHODS) + " (those the run has)")
    parser.add_argument("--jobs", type=int, default=1, help="conditions computed at once (processes)")
    args = parser.parse_args()
    results_path = pathlib.Path(args.results)
    if not results_path.is_file():
        sys.exit(f"{results_path}: no such file")
    wanted = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in DEFAULT_METHODS]
    if unknown:
        sys.exit(f"--methods: no reference for {', '.join(unknown)} (known: {', '.join(DEFAULT_METHODS)})")

    failures = 0
    with h5py.File(results_path, "r") as f:
        runs = [(name, run) for name, run in f["runs"].items() if int(run.attrs.get("complete", 0)) == 1]
        runs.sort(key=lambda item: (int(item[1].attrs.get("sequence", 0)), item[0]))
        if args.run:
            runs = [r for r in runs if r[0] == args.run]
            if not runs:
                sys.exit(f"{results_path}: no complete run {args.run}")
        if not runs:
            sys.exit(f"{results_path}: no complete run")
        run_id, run = runs[-1]
        if "stress_injection" not in run.attrs:
            sys.exit(f"{run_id} is not a stress run (no stress_injection attribute)")
        injection = pp.text(run.attrs["stress_injection"])
        kind = injection.split(":", 1)[0]
        levels = [float(v) for v in np.ravel(run.attrs["stress_levels"])]
        seeds = [int(s) for s in np.ravel(run.attrs["seeds"])]
        protected = pp.texts(run.attrs["protected"])
        try:
            dataset_path = pp.resolve_dataset(run, results_path, [args.dataset])
        except pp.CheckFailed as error:
            sys.exit(f"{run_id}: {error}")
        dataset = pp.load_dataset(dataset_path)
        standardize, mask = pp.standardisation(run, dataset)
        group_names, privileged, codes = pp.group_partition(dataset, protected)
        run_names, run_privileged = pp.texts(run.attrs["group_names"]), [bool(p) for p in run.attrs["group_privileged"]]
        if group_names != run_names or privileged != run_privileged:
            sys.exit(f"{run_id}: groups rebuilt from the dataset ({group_names}, {privileged}) are not the run's "
                     f"({run_names}, {run_privileged})")
        privileged_codes = [g for g, p in enumerate(privileged) if p]

        methods = OrderedDict()
        skipped = []
        for name in wanted:
            if name not in run["methods"]:
                skipped.append(f"{name} (not in the run)")
                continue
            params = pp.parse_parameters(run["methods"][name].attrs.get("parameters", ""))
            if not same_parameters(params, REQUIRED[name]):
                skipped.append(f"{name} (parameters {pp.text(run['methods'][name].attrs.get('parameters', ''))} "
                               f"are not the reference's {REQUIRED[name]})")
                continue
            methods[name] = params
        print(f"{run_id}: {pp.text(run.attrs['command'])}")
        print(f"dataset {dataset_path} ({len(dataset['labels'])} rows, {len(dataset['names'])} features), groups by "
              f"{'+'.join(protected)}: {', '.join(n + (' (privileged)' if p else '') for n, p in zip(group_names, privileged))}; "
              f"standardize {standardize} ({int(mask.sum())} of {len(mask)} columns); injection {injection}, "
              f"levels {', '.join(f'{v:g}' for v in levels)}, seeds {', '.join(map(str, seeds))}")
        listed = ", ".join(f"{k} [{pp.text(run['methods'][k].attrs.get('parameters', ''))}]" for k in methods)
        print(f"methods: {listed}"
              + (f"; skipped: {'; '.join(skipped)}" if skipped else ""))
        if not methods:
            sys.exit("nothing to compare")

        STATE.update(dataset=dataset, codes=codes, privileged_codes=privileged_codes, group_names=group_names,
                     mask=mask, standardize=standardize, kind=kind, protected=protected, methods=methods)

        jobs, fairlab = [], {}
        target_flips = []
        for seed in seeds:
            split = run["splits"][f"seed_{seed}"]
            train, validation, test = (split[n][...].astype(np.int64) for n in ("train_index", "validation_index", "test_index"))
            try:
                if not np.array_equal(split["group_codes"][...].astype(np.int64), codes[test]):
                    raise CheckFailed("the stored test group codes are not the ones rebuilt from the dataset")
                if not np.array_equal(split["y_true"][...].astype(np.int64), dataset["labels"][test]):
                    raise CheckFailed("the stored test labels are not the dataset's (clean) labels")
                expected = (tuple(np.flatnonzero(dataset["split"] == k) for k in (0, 1, 2)) if dataset["split"] is not None
                            else pp.fairlab_split(dataset["labels"], codes, seed))
                for part, ours, theirs in zip(("train", "validation", "test"), (train, validation, test), expected):
                    if not np.array_equal(ours, theirs):
                        raise CheckFailed(f"the stored {part} rows are not fairlab's split")
            except CheckFailed as error:
                print(f"seed {seed}: CHECK FAILED: {error}")
                failures += 1
                continue
            allowed = np.union1d(train, validation)
            for k, level in enumerate(levels):
                group = run["stress"].get(f"seed_{seed}_level_{k}")
                if group is None:
                    print(f"seed {seed} level {level:g}: CHECK FAILED: no stress/seed_{seed}_level_{k}")
                    failures += 1
                    continue
                rows = group["rows"][...].astype(np.int64) if "rows" in group else np.zeros(0, np.int64)
                proxy = group["proxy"][...].astype(float) if "proxy" in group and group["proxy"].size else None
                stored_level = float(np.ravel(group.attrs.get("level", [level]))[0])
                if not np.all(np.isin(rows, allowed)) or abs(stored_level - level) > 1e-12:
                    print(f"seed {seed} level {level:g}: CHECK FAILED: stored rows outside train+validation, or level "
                          f"{stored_level} is not {level}")
                    failures += 1
                    continue
                if kind in ("label-bias", "label-noise") and len(rows):
                    target_flips.append((seed, level, len(rows), sorted(set(codes[rows].tolist())),
                                         sorted(set(dataset["labels"][rows].tolist()))))
                jobs.append((seed, k, train, validation, test, rows, proxy))
                for name in methods:
                    fairlab[(name, seed, k)] = fairlab_outcome(run["methods"][name].get(f"seed_{seed}_level_{k}"))

    if target_flips:
        groups = sorted({g for t in target_flips for g in t[3]})
        flipped_labels = sorted({y for t in target_flips for y in t[4]})
        print(f"injected rows: groups {', '.join(group_names[g] for g in groups)}, clean labels {flipped_labels}; "
              f"per level (mean over seeds) " + ", ".join(
                  f"{lv:g}: {np.mean([t[2] for t in target_flips if t[1] == lv]):.0f}"
                  for lv in levels if any(t[1] == lv for t in target_flips)))

    # ------------------------------------------------------------------------------- the references
    started = time.perf_counter()
    references = {}
    print("\nper seed and level: fairlab vs reference (deterministic: identical test predictions, max |y_score - "
          "score|; randomised: max |y_prob - P(y_hat=1)|)")
    if args.jobs > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.imap_unordered(run_condition, jobs)
            for result in results:
                report_condition(result, references, fairlab, methods, levels)
    else:
        for job in jobs:
            report_condition(run_condition(job), references, fairlab, methods, levels)
    print(f"(references computed in {time.perf_counter() - started:.0f} s)")

    # ------------------------------------------------------------------------------------- the tables
    print(f"\n## {run_id}: {injection}, means over seeds on the clean test rows; SPD = P(y_hat=1 | unprivileged) - "
          f"P(y_hat=1 | privileged); randomised methods by expected predictions; Δ = fairlab - reference\n")
    print("| method | level | fairlab accuracy | reference accuracy | Δ accuracy | fairlab SPD | reference SPD | Δ SPD | "
          "identical test predictions | seeds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    flagged = []
    means = {}
    for name in methods:
        for k, level in enumerate(levels):
            pairs = [(fairlab.get((name, s, k)), references.get((s, k), {}).get(name)) for s in seeds]
            pairs = [(o, r) for o, r in pairs if o is not None and r is not None and "error" not in r]
            if not pairs:
                print(f"| {name} | {level:g} | — | — | — | — | — | — | — | 0 |")
                continue
            acc = (pp.mean([o["accuracy"] for o, _ in pairs]), pp.mean([r["measured"]["accuracy"] for _, r in pairs]))
            spd = (pp.mean([o["spd"] for o, _ in pairs]), pp.mean([r["measured"]["spd"] for _, r in pairs]))
            same = (pp.mean([float(np.mean(o["y_pred"] == r["pred"])) for o, r in pairs])
                    if name not in RANDOMISED else math.nan)
            means[(name, k)] = dict(acc=acc, spd=spd, pairs=pairs)
            print(f"| {name} | {level:g} | {fmt(acc[0])} | {fmt(acc[1])} | {signed(acc[0] - acc[1])} | {fmt(spd[0])} | "
                  f"{fmt(spd[1])} | {signed(spd[0] - spd[1])} | {'—' if math.isnan(same) else f'{same:.2%}'} | "
                  f"{len(pairs)} |")
            if abs(acc[0] - acc[1]) > ACC_TOLERANCE or abs(spd[0] - spd[1]) > SPD_TOLERANCE:
                flagged.append(f"{name} at level {level:g}: Δ accuracy {signed(acc[0] - acc[1])}, Δ SPD {signed(spd[0] - spd[1])}")

    if "baseline" in methods:
        print("\n### Injected gap of the baseline (mean over seeds of |SPD| at the level - |SPD| at level 0, paired by seed)\n")
        print("| level | fairlab baseline | reference baseline | Δ |")
        print("|---:|---:|---:|---:|")
        for k, level in enumerate(levels):
            gaps = []
            for side in (0, 1):
                values = []
                for s in seeds:
                    o, r = fairlab.get(("baseline", s, k)), references.get((s, k), {}).get("baseline")
                    o0, r0 = fairlab.get(("baseline", s, 0)), references.get((s, 0), {}).get("baseline")
                    if side == 0 and o is not None and o0 is not None:
                        values.append(abs(o["spd"]) - abs(o0["spd"]))
                    if side == 1 and r is not None and r0 is not None and "error" not in r and "error" not in r0:
                        values.append(abs(r["measured"]["spd"]) - abs(r0["measured"]["spd"]))
                gaps.append(pp.mean(values))
            print(f"| {level:g} | {signed(gaps[0])} | {signed(gaps[1])} | {signed(gaps[0] - gaps[1])} |")
            if abs(gaps[0] - gaps[1]) > SPD_TOLERANCE:
                flagged.append(f"injected gap at level {level:g}: fairlab {signed(gaps[0])}, reference {signed(gaps[1])}")

    # per-seed differences beyond the tolerances (context for the means)
    per_seed = defaultdict(int)
    for (name, s, k), o in fairlab.items():
        r = references.get((s, k), {}).get(name)
        if o is None or r is None or "error" in r:
            continue
        if abs(o["accuracy"] - r["measured"]["accuracy"]) > ACC_TOLERANCE or abs(o["spd"] - r["measured"]["spd"]) > SPD_TOLERANCE:
            per_seed[name] += 1
    print("\n### Means over seeds beyond 0.005 (accuracy) or 0.01 (SPD)\n")
    print("\n".join(f"- {line}" for line in flagged) if flagged else "- none")
    print("\nper (seed, level) beyond those tolerances: " + (", ".join(f"{n} {c} of {len(jobs)}" for n, c in per_seed.items())
                                                            if per_seed else "none"))

    errors = [(key, name, r["error"]) for key, out in references.items() for name, r in out.items()
              if not name.startswith("_") and "error" in r]
    for (s, k), name, error in errors:
        print(f"reference failed: {name} seed {s} level {levels[k]:g}: {error}")
    missing = [key for key, o in fairlab.items() if o is None]
    if missing:
        print(f"fairlab failed or missing on {len(missing)} (method, seed, level): "
              + ", ".join(f"{n} s{s} l{k}" for n, s, k in missing[:10]))
    if not references:
        print("nothing was compared", file=sys.stderr)
        sys.exit(1)
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        sys.exit(1)


def report_condition(result, references, fairlab, methods, levels):
    seed, k, out = result
    references[(seed, k)] = out
    parts = []
    for name in methods:
        ref, ours = out.get(name), fairlab.get((name, seed, k))
        if ref is None:
            continue
        if "error" in ref:
            parts.append(f"{name}: reference failed ({ref['error']})")
            continue
        if ours is None:
            parts.append(f"{name}: fairlab failed")
            continue
        if "prob" in ref:
            detail = ("no y_prob" if ours["y_prob"] is None
                      else f"max|Δp| {np.max(np.abs(ours['y_prob'] - ref['prob'])):.2g}")
        else:
            detail = f"same {np.mean(ours['y_pred'] == ref['pred']):.2%}"
            if ours["y_score"] is not None:
                detail += f", max|Δscore| {np.max(np.abs(ours['y_score'] - ref['score'])):.2g}"
        parts.append(f"{name}: {detail}; acc {ours['accuracy']:.4f}/{ref['measured']['accuracy']:.4f}, "
                     f"SPD {ours['spd']:+.4f}/{ref['measured']['spd']:+.4f}")
    n_train, n_validation, n_test = out["_sizes"]
    print(f"seed {seed} level {levels[k]:g} ({n_train}/{n_validation}/{n_test} rows, {out['_seconds']:.0f} s): "
          + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main()
