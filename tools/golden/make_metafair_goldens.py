"""Golden values for fairlab's meta-fair plugin, computed with AIF360 0.6.1's MetaFairClassifier
(aif360.algorithms.inprocessing.meta_fair_classifier; celisMeta/General.py, StatisticalRate.py,
FalseDiscovery.py; Celis, Huang, Keswani & Vishnoi 2019). The algorithm as AIF360 implements it is written up
in docs/methods.md (meta-fair).

Makes Tests/FairlabHostTests/Fixtures/metafair_goldens.json. Rerun with:

    PATH=/work/pyenv/bin:$PATH python tools/golden/make_metafair_goldens.py

Inputs (all in the fixture): the first 200 rows of datasets/german.h5 (read by tools/fairlab_dataset.py), its 4
numeric feature columns month, credit_amount, investment_as_income_percentage, residence_since, standardised
over those rows (X = (raw - mean) / std, numpy mean and population std, one subtraction and one division; `X` is
written too, so a test need not rebuild it), y = +1 for good credit (label 1) else -1, z = 1 for the privileged
side of `personal_status` (male: categories A91, A93, A94), else 0. No protected column is among the features
(see the notes: with one, the joint Gaussian is singular and AIF360 fails).

`distribution`: AIF360's joint Gaussian over the rows [X, y, z] (6 columns): mean = column means, cov =
np.cov(rowvar=False) (ddof 1); z_prior = mean(z). `log_densities` are scipy's multivariate_normal(mean, cov,
allow_singular=True).logpdf at [x_i, y, z] for the four (y, z) combinations and every row (the covariance here
is non-singular, so these are the ordinary Gaussian log-densities; tolerance ~1e-12 relative, not bitwise).

`samples`: the 8 sample sets (20 x 4 each) that AIF360's fit draws with seed SEED, one per (a, b) pair of the
tau = 0.8 grid, in grid order: dist_x = multivariate_normal(mean[:4], cov[:4, :4], allow_singular=True,
seed=SEED) is a frozen distribution owning numpy.random.RandomState(SEED); each dist_x.rvs(size=20) is
RandomState.multivariate_normal(mean_x, cov_x, 20) (SVD-based), called 8 times in a row from the same stream.
They are recorded by wrapping scipy's multivariate_normal_frozen.rvs during the real fit (the wrapper calls the
original and keeps its output) and re-checked by a fresh replay with the same seed. A Swift test uses these
samples as given, so nothing depends on NumPy's RNG.

`evaluations[type]` (type sr and fdr): for a few (a, b, params): getValueForX on every row (`t_rows`) and on
samples[0] (`t_samples`), getExpectedGrad(mu = 0.01) and getFuncValue on samples[0]. `gradient_descent[type]`:
General.gradientDescent(dist, a, b, samples[k], z_prior) for grid pair k = 5 (sr) / 7 (fdr), plus the replay's trace
(`f_values[i-1][k-1]` = getFuncValue after step k of start i) and `best_f` (the smallest f seen); note the
returned params are NOT the argmin: AIF360 keeps a reference to the live list (min_param = params), so it
returns the params after the last step (k = 49) of the last start i that improved min_val (`returned_start`).

`fits[type]`: MetaFairClassifier(tau=0.8, type, seed=SEED).fit on a BinaryLabelDataset of these rows (features
= X, protected attribute 'z' with privileged value 1, label 1 = favourable; z's own column, which
every AIF360 dataset keeps among its features, is removed from `features` after construction, so AIF360's X is
exactly the 4 columns), with per grid pair k: a, b, the
params gradientDescent returned on samples[k], training accuracy and gamma (AIF360's own getValueForX / gamma),
and whether the pair replaced the incumbent; then the chosen (a, b), params, and predict's labels and scores on
the same rows. The per-pair records come from a replay of getModel with AIF360's own methods and the recorded
samples; the script checks the replay's classifier gives predict's scores exactly. `fits_tau0[type]`: tau = 0
(no grid, params all 0, a = b = 0): t = P(y = 1 | x) - 1/2.

The script stops with an AssertionError if a cross-check fails.
"""
import json
import pathlib
import sys

import numpy as np
import pandas as pd
import scipy
from scipy.stats import multivariate_normal
from scipy.stats._multivariate import multivariate_normal_frozen

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from aif360_setup import prepare_for_aif360  # noqa: E402

prepare_for_aif360()

import aif360  # noqa: E402
import fairlab_dataset  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.algorithms.inprocessing import MetaFairClassifier  # noqa: E402
from aif360.algorithms.inprocessing.celisMeta import FalseDiscovery, StatisticalRate  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASET = ROOT / "datasets/german.h5"
OUTPUT = ROOT / "Tests/FairlabHostTests/Fixtures/metafair_goldens.json"
ROWS = 200
COLUMNS = ["month", "credit_amount", "investment_as_income_percentage", "residence_since"]
SEED = 0
TAU = 0.8
MU = 0.01
OBJECTS = {"sr": StatisticalRate, "fdr": FalseDiscovery}
# (a, b, params) per type for the pointwise evaluations
CASES = {
    "sr": [(0.0, 0.0125, [-4.0, -4.0]), (0.3, 0.3875, [0.5, -1.25]), (0.7, 0.8875, [2.0, 3.0]),
           (0.5, 0.6375, [-0.75, 1.5])],
    "fdr": [(0.0, 0.0125, [1.0, 1.0, 1.0, 1.0]), (0.3, 0.3875, [0.5, -1.25, 2.0, 0.25]),
            (0.7, 0.8875, [3.0, 2.0, -1.0, 4.0]), (0.5, 0.6375, [-0.75, 1.5, 0.0, -2.0])],
}
GD_PAIR = {"sr": 5, "fdr": 7}  # sr: the argmin (start 3, step 21) is not what AIF360 returns


def floats(values):
    return [float(v) for v in np.ravel(values)]


def inputs():
    d = fairlab_dataset.load(DATASET)
    names = d["names"]
    raw = d["features"][:ROWS][:, [names.index(c) for c in COLUMNS]]
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    assert np.all(scale > 0)
    # C order, as an AIF360 dataset's features are: numpy's column means of a Fortran-ordered copy round
    # differently (pairwise summation), which changes the fitted mean in the last bit.
    x = np.ascontiguousarray((raw - mean) / scale)
    y = np.where(d["labels"][:ROWS] == 1, 1, -1)
    sex = d["protected"]["personal_status"]
    z = np.isin(sex["codes"][:ROWS], list(sex["privileged"])).astype(int)
    return dict(raw=raw, mean=mean, scale=scale, x=x, y=y, z=z, categories=list(sex["categories"]),
                privileged=sorted(int(c) for c in sex["privileged"]))


def distributions(x, y, z, seed):
    """Exactly General.getModel's two frozen distributions."""
    train = np.c_[x, y, z]
    mean = np.mean(train, axis=0)
    cov = np.cov(train, rowvar=False)
    n = x.shape[1]
    dist = multivariate_normal(mean, cov, allow_singular=True, seed=seed)
    dist_x = multivariate_normal(mean[:n], cov[:n, :n], allow_singular=True, seed=seed)
    return dist, dist_x, mean, cov


def gradient_descent_trace(obj, dist, a, b, samples, z_prior):
    """General.gradientDescent replayed with its trace: f after every step, the argmin's start, and what AIF360
    returns (the live list of the last start that improved min_val)."""
    min_val, min_param, returned_start, f_values = np.inf, None, None, []
    best = None
    for i in range(1, 10):
        params = obj.init_params(i)
        row = []
        for k in range(1, 50):
            grad = obj.getExpectedGrad(dist, a, b, params, samples, 0.01, z_prior)
            for j in range(obj.num_params):
                params[j] = params[j] - 1 / k * grad[j]
            f_val = obj.getFuncValue(dist, a, b, params, samples, z_prior)
            row.append(float(f_val))
            if f_val < min_val:
                min_val, min_param, returned_start = f_val, params, i
                best = dict(start=i, step=k, params=floats(params), f=float(f_val))
        f_values.append(row)
    return dict(params=floats(min_param), returned_start=returned_start, best_f=float(min_val),
                argmin=best, f_values=f_values)


def dataset(x, y, z):
    frame = pd.DataFrame(x, columns=COLUMNS)
    frame["z"] = z.astype(float)
    frame["__label"] = (y == 1).astype(float)
    ds = BinaryLabelDataset(df=frame, label_names=["__label"], protected_attribute_names=["z"],
                            favorable_label=1.0, unfavorable_label=0.0,
                            privileged_protected_attributes=[np.array([1.0])])
    # An AIF360 dataset's features include its protected attributes: drop z's column (see the docstring).
    assert ds.feature_names == COLUMNS + ["z"] and np.array_equal(ds.features[:, -1], z)
    ds.features = ds.features[:, :-1].copy()
    ds.feature_names = list(COLUMNS)
    assert np.array_equal(ds.features, x) and np.array_equal(ds.protected_attributes.ravel(), z)
    return ds


def recorded_fit(kind, tau, data):
    """MetaFairClassifier(tau, type=kind, seed=SEED).fit / predict with multivariate_normal_frozen.rvs wrapped so
    that every sample set drawn is recorded."""
    drawn = []
    original = multivariate_normal_frozen.rvs

    def recording(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        drawn.append(np.array(out, copy=True))
        return out
    multivariate_normal_frozen.rvs = recording
    try:
        model = MetaFairClassifier(tau=tau, sensitive_attr="z", type=kind, seed=SEED)
        ds = dataset(data["x"], data["y"], data["z"])
        model.fit(ds)
    finally:
        multivariate_normal_frozen.rvs = original
    out = model.predict(ds)
    return model, drawn, out.labels.ravel().astype(int), out.scores.ravel()


def replay_fit(obj, tau, data, samples):
    """General.getModel with the given sample sets (samples[k] for grid pair k), recording every pair."""
    x, y, z = data["x"], data["y"], data["z"]
    dist, _, _, _ = distributions(x, y, z, SEED)
    z_1 = np.mean(z)
    params_opt, max_acc, p, q, pairs = [0] * obj.num_params, 0, 0, 0, []
    grid = obj.range(0.01, tau) if tau != 0 else np.zeros((0, 2))
    for k, (a, b) in enumerate(grid):
        params = obj.gradientDescent(dist, a, b, samples[k], z_1)
        t = obj.getValueForX(dist, a, b, params, z_1, x)
        y_pred = np.where(t > 0, 1, -1)
        acc = float(np.mean(y == y_pred))
        gamma = float(obj.gamma(y, y_pred, z))
        chosen = bool(max_acc < acc and gamma >= tau - 0.2)
        if chosen:
            max_acc, params_opt, p, q = acc, params, a, b
        pairs.append(dict(a=float(a), b=float(b), params=floats(params), accuracy=acc, gamma=gamma,
                          replaces_incumbent=chosen, positives=int(np.sum(t > 0))))
    t = obj.getValueForX(dist, p, q, params_opt, z_1, x)
    return dict(pairs=pairs, a=float(p), b=float(q), params=floats(params_opt), t=t)


def main():
    data = inputs()
    x, y, z = data["x"], data["y"], data["z"]
    dist, dist_x, mean, cov = distributions(x, y, z, SEED)
    z_prior = float(np.mean(z))
    ones = np.ones(ROWS)
    log_densities = {f"y{yy:+d}_z{zz}": floats(dist.logpdf(np.c_[x, yy * ones, zz * ones]))
                     for yy in (1, -1) for zz in (0, 1)}
    assert np.linalg.matrix_rank(cov) == cov.shape[0]

    fixture = dict(
        source=(f"AIF360 {aif360.__version__} MetaFairClassifier / celisMeta (scipy {scipy.__version__}, numpy "
                f"{np.__version__}); made by tools/golden/make_metafair_goldens.py (see its docstring)"),
        inputs=dict(dataset=f"datasets/german.h5 rows 0..{ROWS - 1}", columns=COLUMNS, raw=data["raw"].tolist(),
                    mean=floats(data["mean"]), scale=floats(data["scale"]), X=x.tolist(), y=[int(v) for v in y],
                    z=[int(v) for v in z], z_source=dict(attribute="personal_status", categories=data["categories"],
                                                        privileged_codes=data["privileged"])),
        distribution=dict(columns=COLUMNS + ["y", "z"], mean=floats(mean), cov=cov.tolist(), ddof=1,
                          z_prior=z_prior, log_densities=log_densities),
        grid=dict(eps=0.01, tau=TAU, pairs=[floats(r) for r in StatisticalRate().range(0.01, TAU)],
                  other_taus={repr(t): [floats(r) for r in StatisticalRate().range(0.01, t)]
                              for t in (0.1, 0.5, 0.6, 0.7, 0.9, 1.0)}),
        seed=SEED, mu=MU, evaluations={}, gradient_descent={}, fits={}, fits_tau0={})

    samples = None
    for kind, cls in OBJECTS.items():
        obj = cls()
        model, drawn, labels, scores = recorded_fit(kind, TAU, data)
        assert len(drawn) == len(obj.range(0.01, TAU)) and all(s.shape == (20, 4) for s in drawn)
        _, replay_x, _, _ = distributions(x, y, z, SEED)
        assert all(np.array_equal(s, replay_x.rvs(size=20)) for s in drawn), "samples not reproducible"
        if samples is None:
            samples = drawn
            fixture["samples"] = [s.tolist() for s in samples]
        else:
            assert all(np.array_equal(s, t) for s, t in zip(samples, drawn))
        s0 = samples[0]

        cases = []
        for a, b, params in CASES[kind]:
            grad = obj.getExpectedGrad(dist, a, b, list(params), s0, MU, z_prior)
            cases.append(dict(a=a, b=b, params=params,
                              t_rows=floats(obj.getValueForX(dist, a, b, list(params), z_prior, x)),
                              t_samples=floats(obj.getValueForX(dist, a, b, list(params), z_prior, s0)),
                              expected_grad=floats(grad),
                              func_value=float(obj.getFuncValue(dist, a, b, list(params), s0, z_prior))))
        fixture["evaluations"][kind] = cases

        pair = GD_PAIR[kind]
        a, b = obj.range(0.01, TAU)[pair]
        returned = obj.gradientDescent(dist, a, b, samples[pair], z_prior)
        trace = gradient_descent_trace(obj, dist, a, b, samples[pair], z_prior)
        assert floats(returned) == trace["params"], (returned, trace["params"])
        fixture["gradient_descent"][kind] = dict(pair=pair, a=float(a), b=float(b), samples_index=pair,
                                                 init=[obj.init_params(i) for i in range(1, 10)], **trace)

        replay = replay_fit(obj, TAU, data, samples)
        _, p, q, params_opt, z_model = model.model.args
        assert (float(p), float(q), floats(params_opt), float(z_model)) == (replay["a"], replay["b"], replay["params"],
                                                                           z_prior)
        assert np.array_equal((replay["t"] + 1) / 2, scores) and np.array_equal((replay["t"] > 0).astype(int), labels)
        fixture["fits"][kind] = dict(tau=TAU, pairs=replay["pairs"], a=replay["a"], b=replay["b"],
                                     params=replay["params"], labels=[int(v) for v in labels], scores=floats(scores),
                                     train_accuracy=float(np.mean(np.where(labels == 1, 1, -1) == y)),
                                     gamma=float(obj.gamma(y, np.where(labels == 1, 1, -1), z)))

        model0, drawn0, labels0, scores0 = recorded_fit(kind, 0, data)
        assert not drawn0 and model0.model.args[1:4] == (0, 0, [0] * obj.num_params)
        fixture["fits_tau0"][kind] = dict(tau=0, labels=[int(v) for v in labels0], scores=floats(scores0))
        print(f"{kind}: chosen (a, b) = ({replay['a']}, {replay['b']}), params {replay['params']}, train accuracy "
              f"{fixture['fits'][kind]['train_accuracy']:.4f}, gamma {fixture['fits'][kind]['gamma']:.4f}; "
              f"gradient descent pair {pair}: returned start {trace['returned_start']}, argmin {trace['argmin']}")

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fixture, indent=None, separators=(",", ":")) + "\n"
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({len(text) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
