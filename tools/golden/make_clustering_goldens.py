"""Golden values for fairlab's clustering: scikit-learn k-means, fairness metrics of a clustering, and two exact
fair-clustering optimisations (SciPy MILP).

Makes Tests/FairlabHostTests/Fixtures/clustering_goldens.json. Rerun with:

    /work/pyenv/bin/python tools/golden/make_clustering_goldens.py     (any Python with numpy, scipy, scikit-learn)

The data are synthetic Gaussian blobs (numpy RandomState with fixed seeds), so reruns give the same file for the
same library versions. Matrices are lists of rows; group and cluster ids are 0-based.

- kmeans: three cases fitted with sklearn.cluster.KMeans(n_clusters=k, init=<explicit rows of X>, n_init=1,
  algorithm="lloyd", max_iter=300, tol=1e-4), without and with sample weights (uniform in [0.5, 2]), and a k=5
  case on overlapping blobs. Recorded: the data, weights, initial centres, cluster_centers_, labels_, inertia_
  (weighted), n_iter_, and tol_absolute = 1e-4 x mean(np.var(X, axis=0)), the absolute tolerance sklearn's
  `_tolerance` uses (population variance, NOT weighted by sample_weight, even when weights are given).
  Convergence rule (sklearn _kmeans_single_lloyd): iteration i assigns every row to its nearest centre and moves
  the centres to the weighted means; it stops if the labels equal the previous iteration's ("strict"), else if
  the sum over clusters of the squared centre shifts is <= tol_absolute; n_iter = i + 1. If it stopped on the
  tolerance, a final assignment step relabels the rows against the final centres. An independent NumPy
  re-implementation of that loop is run on each case and must agree (labels, n_iter, centres, inertia).
- metrics: two clusterings (sklearn KMeans, k=4) of blobs whose group membership is correlated with the blob,
  case A with two groups and no weights, case B with three groups and weights. Overall inertia (w-weighted means
  as centres), balance (Chierichetti et al. 2017, for G groups: min over clusters of min_g W_gc / max_g W_gc),
  proportional balance (Bera et al. 2019: min over clusters and groups of min(DI, 1/DI), DI_gc = (W_gc/W_c)/p_g,
  0 if some W_gc = 0), max share gap (max |W_gc/W_c - p_g|), the number of non-empty clusters; per group the share
  p_g and, for every cluster c, cluster_<c>_share = W_gc/W_c and cluster_<c>_disparate_impact = DI_gc. All of it
  independent NumPy code from those definitions.
- fair_assignment: given centres C (sklearn KMeans centres), the exact minimum-cost assignment of rows to centres
  with the unconstrained cluster sizes n_c (nearest centre, squared Euclidean, ties to the lowest index) kept and
  every group's count in every cluster between L_gc = ceil((1-delta) p_g n_c - 1e-9) and
  U_gc = floor(p_g n_c / (1-delta) + 1e-9), p_g = n_g / n, delta = 0.2. Solved with scipy.optimize.milp (binary
  x_ic). Recorded: the optimum cost, one optimal labelling and the unconstrained (nearest-centre) cost.
- fairlets: two-group fairlet decomposition. The smaller group is the minority (ties: group 1), t =
  ceil(n_majority / n_minority); every minority row heads a fairlet, every majority row joins exactly one head,
  every head gets between 1 and t majority rows, cost = sum over majority rows of ||x_j - x_head(j)||^2. Solved
  exactly with scipy.optimize.milp. Recorded: the optimum cost and one optimal head per row (a minority row is its
  own head).

Both optimisations are min-cost network flows (totally unimodular), so the script also checks that their LP
relaxations reach the same optimum. All three k-means cases (and the metrics' and fair-assignment fits) stop on
strict convergence, so the final relabelling after a tolerance stop is not exercised here.

Optimal labellings / heads need not be unique; the costs are what tests should compare exactly.
"""
import argparse
import json
import math
import pathlib

import numpy as np
import scipy
import sklearn
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix
from sklearn.cluster import KMeans

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "Tests/FairlabHostTests/Fixtures/clustering_goldens.json"
TOL = 1e-4
DELTA = 0.2


def blobs(rs, n, centres, scale, membership=None):
    centres = np.asarray(centres, dtype=float)
    if membership is None:
        membership = rs.randint(0, len(centres), size=n)
    x = centres[membership] + rs.normal(0.0, scale, size=(n, centres.shape[1]))
    return x, membership


def squared_distances(x, centres):
    return ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)


# ---------------------------------------------------------------------------------------------------------------
# 1. k-means


def sklearn_tolerance(x, tol):
    """What sklearn.cluster._kmeans._tolerance returns for dense X: mean of unweighted population variances x tol."""
    return float(np.mean(np.var(x, axis=0)) * tol)


def numpy_lloyd(x, w, init, tol_absolute, max_iter=300):
    """Independent re-implementation of sklearn's _kmeans_single_lloyd (dense, no empty clusters)."""
    centres = init.copy()
    k = len(centres)
    labels_old = np.full(len(x), -1)
    strict = False
    for i in range(max_iter):
        labels = np.argmin(squared_distances(x, centres), axis=1)
        sums = np.array([w[labels == c].sum() for c in range(k)])
        assert (sums > 0).all(), "empty cluster: sklearn would relocate it; pick other initial rows"
        new = np.array([np.average(x[labels == c], axis=0, weights=w[labels == c]) for c in range(k)])
        shift = ((new - centres) ** 2).sum()
        centres = new
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol_absolute:
            break
        labels_old = labels
    if not strict:
        labels = np.argmin(squared_distances(x, centres), axis=1)
    inertia = float((w * ((x - centres[labels]) ** 2).sum(axis=1)).sum())
    return labels, centres, inertia, i + 1


def kmeans_case(name, x, k, init_rows, weights=None):
    init = x[init_rows]
    model = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=TOL)
    model.fit(x, sample_weight=weights)
    tol_absolute = sklearn_tolerance(x, TOL)
    assert math.isclose(tol_absolute, model._tol, rel_tol=1e-12), (tol_absolute, model._tol)
    w = np.ones(len(x)) if weights is None else weights
    labels, centres, inertia, n_iter = numpy_lloyd(x, w, init, tol_absolute)
    assert np.array_equal(labels, model.labels_), name
    assert n_iter == model.n_iter_, (name, n_iter, model.n_iter_)
    assert np.allclose(centres, model.cluster_centers_, rtol=0, atol=1e-10), name
    assert math.isclose(inertia, model.inertia_, rel_tol=1e-10), (name, inertia, model.inertia_)
    assert model.n_iter_ > 2, (name, model.n_iter_)
    assert len(set(model.labels_.tolist())) == k
    return dict(name=name, k=k, x=x.tolist(), weights=None if weights is None else weights.tolist(),
                init_rows=[int(r) for r in init_rows], init=init.tolist(), centers=model.cluster_centers_.tolist(),
                labels=model.labels_.tolist(), inertia=float(model.inertia_), n_iter=int(model.n_iter_),
                tol_absolute=tol_absolute)


def kmeans_cases():
    rs = np.random.RandomState(20240)
    x, _ = blobs(rs, 240, [[0, 0, 0, 0], [4, 4, 0, 1], [0, 4, 4, -1]], 1.0)
    weights = rs.uniform(0.5, 2.0, size=len(x))
    rs5 = np.random.RandomState(20241)
    x5, _ = blobs(rs5, 300, [[0, 0, 0], [2.5, 0, 0], [0, 2.5, 0], [2.5, 2.5, 1], [1.2, 1.2, 2.5]], 1.0)
    # Initial centres: rows of X picked by the script, deliberately bunched (several from the same region) so that
    # Lloyd needs more than two iterations; the helper asserts it.
    first_rows = [0, 1, 2]
    return [
        kmeans_case("plain", x, 3, first_rows),
        kmeans_case("weighted", x, 3, first_rows, weights),
        kmeans_case("five", x5, 5, [0, 1, 2, 3, 4]),
    ]


# ---------------------------------------------------------------------------------------------------------------
# 2. clustering fairness metrics


def clustering_metrics(x, clusters, k, groups, group_count, weights):
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    wg = np.array([w[groups == g].sum() for g in range(group_count)])
    wc = np.array([w[clusters == c].sum() for c in range(k)])
    wgc = np.array([[w[(groups == g) & (clusters == c)].sum() for c in range(k)] for g in range(group_count)])
    p = wg / total
    nonempty = [c for c in range(k) if (clusters == c).any()]

    inertia = 0.0
    for c in nonempty:
        rows = clusters == c
        mu = (w[rows, None] * x[rows]).sum(axis=0) / w[rows].sum()
        inertia += float((w[rows] * ((x[rows] - mu) ** 2).sum(axis=1)).sum())

    balance = min(wgc[:, c].min() / wgc[:, c].max() for c in nonempty)
    share = np.full((group_count, k), np.nan)
    di = np.full((group_count, k), np.nan)
    for c in nonempty:
        share[:, c] = wgc[:, c] / wc[c]
        di[:, c] = share[:, c] / p
    proportional = min(0.0 if wgc[g, c] == 0 else min(di[g, c], 1.0 / di[g, c])
                       for c in nonempty for g in range(group_count))
    gap = max(abs(share[g, c] - p[g]) for c in nonempty for g in range(group_count))
    overall = dict(inertia=inertia, balance=float(balance), proportional_balance=float(proportional),
                   max_share_gap=float(gap), clusters=len(nonempty))

    def col(values):
        return [None if np.isnan(v) else float(v) for v in values]

    per_group = dict(share=col(p))
    for c in range(k):
        per_group[f"cluster_{c}_share"] = col(share[:, c])
        per_group[f"cluster_{c}_disparate_impact"] = col(di[:, c])
    return overall, per_group


def metrics_case(name, x, k, groups, group_count, weights, init_rows):
    model = KMeans(n_clusters=k, init=x[init_rows], n_init=1, algorithm="lloyd", max_iter=300, tol=TOL)
    model.fit(x, sample_weight=weights)
    clusters = model.labels_.astype(int)
    overall, per_group = clustering_metrics(x, clusters, k, groups, group_count, weights)
    # Cross-check: when Lloyd stopped on unchanged labels its centres are the weighted means, so inertia agrees.
    assert math.isclose(overall["inertia"], model.inertia_, rel_tol=1e-9), (overall["inertia"], model.inertia_)
    return dict(name=name, x=x.tolist(), clusters=clusters.tolist(), k=k, groups=groups.tolist(),
                group_count=group_count, weights=None if weights is None else weights.tolist(),
                overall=overall, per_group=per_group)


def correlated_groups(rs, blob, probabilities):
    """Group of each row drawn from its blob's row of `probabilities`."""
    probabilities = np.asarray(probabilities)
    cumulative = probabilities.cumsum(axis=1)
    u = rs.uniform(size=len(blob))
    return (u[:, None] > cumulative[blob]).sum(axis=1).astype(int)


def metrics_cases():
    rs = np.random.RandomState(31337)
    xa, blob_a = blobs(rs, 200, [[0, 0], [5, 0], [0, 5], [5, 5]], 1.0)
    ga = correlated_groups(rs, blob_a, [[0.8, 0.2], [0.6, 0.4], [0.35, 0.65], [0.15, 0.85]])
    xb, blob_b = blobs(rs, 240, [[0, 0, 0], [5, 0, 1], [0, 5, -1], [5, 5, 2]], 1.1)
    gb = correlated_groups(rs, blob_b, [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.3, 0.2, 0.5], [0.1, 0.3, 0.6]])
    wb = rs.uniform(0.5, 2.0, size=len(xb))
    return [
        metrics_case("A: two groups, unweighted", xa, 4, ga, 2, None, [0, 1, 2, 3]),
        metrics_case("B: three groups, weighted", xb, 4, gb, 3, wb, [0, 1, 2, 3]),
    ]


# ---------------------------------------------------------------------------------------------------------------
# 3. fair assignment to fixed centres


def solve_milp(costs, eq_rows, eq_values, ineq_rows, ineq_lower, ineq_upper, n_vars):
    """Binary MILP: minimise costs . x subject to A_eq x = b and l <= A x <= u. Rows are lists of variable ids."""
    constraints = []
    for rows, lower, upper in ((eq_rows, eq_values, eq_values), (ineq_rows, ineq_lower, ineq_upper)):
        if not rows:
            continue
        r = [i for i, row in enumerate(rows) for _ in row]
        cidx = [v for row in rows for v in row]
        a = coo_matrix((np.ones(len(cidx)), (r, cidx)), shape=(len(rows), n_vars)).tocsr()
        constraints.append(LinearConstraint(a, np.asarray(lower, float), np.asarray(upper, float)))
    result = milp(c=costs, constraints=constraints, integrality=np.ones(n_vars), bounds=Bounds(0, 1),
                  options=dict(mip_rel_gap=0.0))
    assert result.status == 0, result.message
    # Both problems are network flows (rows -> (group, cluster) cells -> clusters; majority rows -> heads), so the
    # LP relaxation has an integral optimum: check that it reaches the same cost.
    relaxed = milp(c=costs, constraints=constraints, integrality=np.zeros(n_vars), bounds=Bounds(0, 1))
    assert relaxed.status == 0 and math.isclose(relaxed.fun, result.fun, rel_tol=1e-9), (relaxed.fun, result.fun)
    return result


def exact_fair_assignment(x, groups, group_count, centres, delta):
    """The fair assignment of docs/methods.md (`fair-assignment`) solved exactly by SciPy's MILP: each row to one
    centre, each cluster keeping its nearest-centre size, every group's count within its bounds. Returns the labels,
    their cost, the nearest-centre cost, the sizes and the [group][cluster] lower and upper bounds. Also used by
    tools/bench/clustering.py on fairlab's own rows."""
    n, k = len(x), len(centres)
    d = squared_distances(x, centres)
    nearest = np.argmin(d, axis=1)  # first minimum: ties to the lowest index
    sizes = np.bincount(nearest, minlength=k)
    unconstrained_cost = float(d[np.arange(n), nearest].sum())
    counts = np.bincount(groups, minlength=group_count)
    p = counts / n
    lower = np.array([[math.ceil((1 - delta) * p[g] * sizes[c] - 1e-9) for c in range(k)] for g in range(group_count)])
    upper = np.array([[math.floor(p[g] * sizes[c] / (1 - delta) + 1e-9) for c in range(k)] for g in range(group_count)])

    var = lambda i, c: i * k + c  # noqa: E731
    eq_rows = [[var(i, c) for c in range(k)] for i in range(n)] + [[var(i, c) for i in range(n)] for c in range(k)]
    eq_values = [1] * n + sizes.tolist()
    ineq_rows, lo, up = [], [], []
    for g in range(group_count):
        members = np.flatnonzero(groups == g)
        for c in range(k):
            ineq_rows.append([var(i, c) for i in members])
            lo.append(lower[g, c])
            up.append(upper[g, c])
    result = solve_milp(d.ravel(), eq_rows, eq_values, ineq_rows, lo, up, n * k)
    chosen = np.round(result.x).reshape(n, k)
    assert (chosen.sum(axis=1) == 1).all()
    labels = chosen.argmax(axis=1)
    cost = float(d[np.arange(n), labels].sum())
    assert math.isclose(cost, result.fun, rel_tol=1e-9, abs_tol=1e-9), (cost, result.fun)
    assert (np.bincount(labels, minlength=k) == sizes).all()
    cell = np.array([[np.sum((groups == g) & (labels == c)) for c in range(k)] for g in range(group_count)])
    assert ((lower <= cell) & (cell <= upper)).all()
    return labels, cost, unconstrained_cost, sizes, lower, upper


def fair_assignment_case(name, x, groups, group_count, k, init_rows):
    centres = KMeans(n_clusters=k, init=x[init_rows], n_init=1, algorithm="lloyd", max_iter=300, tol=TOL).fit(x).cluster_centers_
    labels, cost, unconstrained_cost, sizes, lower, upper = exact_fair_assignment(x, groups, group_count, centres, DELTA)
    assert cost > unconstrained_cost + 1e-9, (name, cost, unconstrained_cost)
    return dict(name=name, x=x.tolist(), centers=centres.tolist(), groups=groups.tolist(), group_count=group_count,
                k=k, delta=DELTA, sizes=sizes.tolist(), lower=lower.tolist(), upper=upper.tolist(), cost=cost,
                labels=labels.tolist(), unconstrained_cost=unconstrained_cost)


def fair_assignment_cases():
    rs = np.random.RandomState(4242)
    x1, blob1 = blobs(rs, 60, [[0, 0], [4, 0], [2, 3.5]], 1.0)
    g1 = correlated_groups(rs, blob1, [[0.9, 0.1], [0.5, 0.5], [0.4, 0.6]])
    x2, blob2 = blobs(rs, 80, [[0, 0, 0], [4, 0, 0], [0, 4, 0], [2, 2, 3]], 1.0)
    g2 = correlated_groups(rs, blob2, [[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6], [0.4, 0.3, 0.3]])
    return [
        fair_assignment_case("two groups, k=3", x1, g1, 2, 3, [0, 1, 2]),
        fair_assignment_case("three groups, k=4", x2, g2, 3, 4, [0, 1, 2, 3]),
    ]


# ---------------------------------------------------------------------------------------------------------------
# 4. fairlets


def fairlet_case(name, x, groups):
    counts = np.bincount(groups, minlength=2)
    minority = 0 if counts[0] < counts[1] else 1
    heads = np.flatnonzero(groups == minority)
    majors = np.flatnonzero(groups != minority)
    t = math.ceil(len(majors) / len(heads))
    d = squared_distances(x[majors], x[heads])
    m, h = d.shape
    var = lambda j, a: j * h + a  # noqa: E731
    eq_rows = [[var(j, a) for a in range(h)] for j in range(m)]
    ineq_rows = [[var(j, a) for j in range(m)] for a in range(h)]
    result = solve_milp(d.ravel(), eq_rows, [1] * m, ineq_rows, [1] * h, [t] * h, m * h)
    chosen = np.round(result.x).reshape(m, h)
    assert (chosen.sum(axis=1) == 1).all()
    assigned = chosen.argmax(axis=1)
    load = np.bincount(assigned, minlength=h)
    assert ((1 <= load) & (load <= t)).all()
    cost = float(d[np.arange(m), assigned].sum())
    assert math.isclose(cost, result.fun, rel_tol=1e-9, abs_tol=1e-9), (cost, result.fun)
    head_of = np.arange(len(x))
    head_of[majors] = heads[assigned]
    return dict(name=name, x=x.tolist(), groups=groups.tolist(), minority=minority, t=t, cost=cost,
                heads=head_of.tolist())


def fairlet_cases():
    rs = np.random.RandomState(777)
    # Case 1: 15 rows of group 1 (minority) vs 35 of group 0, group 1 concentrated in one corner.
    x1 = np.vstack([rs.normal([0, 0], 1.5, size=(35, 2)), rs.normal([2, 1], 1.0, size=(15, 2))])
    g1 = np.array([0] * 35 + [1] * 15)
    order1 = rs.permutation(len(x1))
    # Case 2: 20 rows of group 0 (minority) vs 50 of group 1.
    x2 = np.vstack([rs.normal([3, 3], 1.0, size=(20, 2)), rs.normal([0, 0], 2.0, size=(50, 2))])
    g2 = np.array([0] * 20 + [1] * 50)
    order2 = rs.permutation(len(x2))
    return [
        fairlet_case("15 minority (group 1) vs 35", x1[order1], g1[order1]),
        fairlet_case("20 minority (group 0) vs 50", x2[order2], g2[order2]),
    ]


# ---------------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help="where to write the JSON fixture")
    args = parser.parse_args()

    fixture = dict(
        sklearn_version=sklearn.__version__, scipy_version=scipy.__version__, numpy_version=np.__version__,
        notes=dict(
            tol_absolute="sklearn _tolerance: tol * mean(np.var(X, axis=0)), population variance, unweighted "
                         "(sample_weight is ignored)",
            convergence="per iteration: assign, move centres to weighted means; stop if labels unchanged (strict) "
                        "else if sum_c ||shift_c||^2 <= tol_absolute; n_iter = iterations run; after a tolerance "
                        "stop the rows are relabelled against the final centres",
        ),
        kmeans=kmeans_cases(),
        metrics=metrics_cases(),
        fair_assignment=fair_assignment_cases(),
        delta=DELTA,
        fairlets=fairlet_cases(),
    )
    args.out.write_text(json.dumps(fixture, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); sklearn {sklearn.__version__}, scipy {scipy.__version__}")
    for case in fixture["kmeans"]:
        print(f"kmeans {case['name']}: n={len(case['x'])} k={case['k']} inertia={case['inertia']!r} "
              f"n_iter={case['n_iter']} tol_absolute={case['tol_absolute']!r} sizes={np.bincount(case['labels']).tolist()}")
    for case in fixture["metrics"]:
        o = case["overall"]
        print(f"metrics {case['name']}: inertia={o['inertia']!r} balance={o['balance']!r} "
              f"proportional_balance={o['proportional_balance']!r} max_share_gap={o['max_share_gap']!r} "
              f"clusters={o['clusters']} shares={case['per_group']['share']}")
    for case in fixture["fair_assignment"]:
        print(f"fair_assignment {case['name']}: n={len(case['x'])} sizes={case['sizes']} lower={case['lower']} "
              f"upper={case['upper']} cost={case['cost']!r} unconstrained_cost={case['unconstrained_cost']!r}")
    for case in fixture["fairlets"]:
        print(f"fairlets {case['name']}: n={len(case['x'])} minority={case['minority']} t={case['t']} "
              f"cost={case['cost']!r}")


if __name__ == "__main__":
    main()
