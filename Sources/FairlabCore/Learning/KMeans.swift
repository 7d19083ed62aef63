import COpenBLAS
import Foundation

/// Weighted k-means by Lloyd's algorithm: the host's base learner for clustering data.
///
/// It follows scikit-learn's `KMeans(algorithm="lloyd")` step for step, so that from the same initial centres it
/// reaches the same centres, labels, iteration count and inertia (`ClusteringGoldenTests`): each iteration assigns every row to its nearest centre (squared
/// Euclidean distance, ties to the lower index) and moves each centre to the weighted mean of its rows; it stops
/// when an assignment repeats (strict convergence) or when the centres moved by at most `tolerance` × the mean
/// per-feature variance in total squared distance, after which the rows are assigned once more to the final
/// centres. A cluster left empty takes the row farthest from its centre, as scikit-learn relocates them (with
/// several empty at once, scikit-learn's partial sort may hand out those rows in another order).
/// Distances come from one `dgemm` per iteration: ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖².
/// Starts are greedy k-means++ (Arthur & Vassilvitskii 2007, with 2 + ⌊ln k⌋ candidates per centre as
/// scikit-learn's), drawn from the caller's seeded stream; of `starts` runs the lowest inertia wins.
public struct KMeans: Sendable, Equatable {
    /// k × features, column-major: centre c's feature j at `[c + j × k]`.
    public let centers: Matrix
    /// Σ wᵢ ‖xᵢ − c(xᵢ)‖² over the training rows, with each row at its nearest centre.
    public let inertia: Double
    /// Lloyd iterations of the winning start.
    public let iterations: Int

    /// The number of clusters.
    public var clusterCount: Int { centers.rows }

    /// Fits `clusterCount` clusters to `features` with instance `weights` (nil: all 1): `starts` k-means++ starts
    /// drawn from `random`, or one run from `initialCenters` (k × features) when given.
    public static func fit(
        features: Matrix, clusterCount k: Int, weights: [Double]? = nil, initialCenters: Matrix? = nil, starts: Int = 10,
        maximumIterations: Int = 300, tolerance: Double = 1e-4, random: inout SeededGenerator
    ) throws -> KMeans {
        let n = features.rows, d = features.cols
        let w = weights ?? [Double](repeating: 1, count: n)
        guard w.count == n else { throw FairlabError("k-means: \(w.count) weights for \(n) rows") }
        guard k >= 1 else { throw FairlabError("k-means: \(k) clusters; at least 1 is needed") }
        if let bad = w.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw FairlabError("k-means: weight \(w[bad]) at row \(bad) is not a finite non-negative number")
        }
        let positive = w.lazy.filter { $0 > 0 }.count
        guard positive >= k else { throw FairlabError("k-means: \(k) clusters need as many rows of positive weight; there are \(positive)") }
        if let bad = features.firstNonFiniteIndex {
            throw FairlabError("k-means: a feature is not finite at row \(bad % n), column \(bad / n)")
        }
        if let initialCenters, initialCenters.rows != k || initialCenters.cols != d {
            throw FairlabError("k-means: initial centres are \(initialCenters.rows) × \(initialCenters.cols), not \(k) × \(d)")
        }
        let space = Space(features: features, weights: w)
        let absoluteTolerance = tolerance * space.meanVariance
        var best: KMeans?
        for _ in 0..<(initialCenters == nil ? max(1, starts) : 1) {
            let start = initialCenters?.rowMajorValues() ?? space.seedPlusPlus(k, random: &random)
            let run = space.lloyd(from: start, count: k, maximumIterations: maximumIterations, tolerance: absoluteTolerance)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!
    }

    /// Each row's nearest centre (ties to the lower index) and its squared distance to it.
    public func assign(_ features: Matrix) -> (clusters: [Int], distances: [Double]) {
        precondition(features.cols == centers.cols, "\(features.cols) features for centres of \(centers.cols)")
        // Assigning reads no weights: only a fit does.
        let space = Space(features: features, weights: [])
        var clusters = [Int](repeating: 0, count: features.rows), nearest = [Double](repeating: 0, count: features.rows)
        space.assign(to: centers.rowMajorValues(), count: clusterCount, clusters: &clusters, nearest: &nearest)
        return (clusters, nearest)
    }

    /// The data of one fit, with what every iteration needs computed once: the rows' squared norms, and buffers
    /// the iterations reuse. Centres travel row-major (centre c's feature j at `[c × d + j]`) inside a fit.
    private final class Space {
        let features: Matrix
        let weights: [Double]
        let rowNorms: [Double]
        /// n × (the most centres compared at once) inner products, column-major: the `dgemm` output.
        private var products: [Double] = []

        init(features: Matrix, weights: [Double]) {
            self.features = features
            self.weights = weights
            let n = features.rows, d = features.cols
            var norms = [Double](repeating: 0, count: n)
            features.withUnsafeStorage { x in
                for j in 0..<d { for i in 0..<n { norms[i] += x[i + j * n] * x[i + j * n] } }
            }
            rowNorms = norms
        }

        /// The mean of the per-feature (unweighted) variances, which scales the stopping tolerance as scikit-learn's.
        var meanVariance: Double {
            let n = features.rows, d = features.cols
            guard d > 0, n > 0 else { return 0 }
            return features.withUnsafeStorage { x in
                var total = 0.0
                for j in 0..<d {
                    var mean = 0.0
                    for i in 0..<n { mean += x[i + j * n] }
                    mean /= Double(n)
                    var sum = 0.0
                    for i in 0..<n { let delta = x[i + j * n] - mean; sum += delta * delta }
                    total += sum / Double(n)
                }
                return total / Double(d)
            }
        }

        /// Calls `body` with the squared distance of every row to each of `count` row-major `centers`: an n × count
        /// column-major buffer from one `dgemm`, ‖x‖² − 2 x·c + ‖c‖² clamped at 0 against rounding.
        func withSquaredDistances<R>(to centers: [Double], count k: Int, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
            let n = features.rows, d = features.cols
            if products.count < n * k { products = [Double](repeating: 0, count: n * k) }
            var centerNorms = [Double](repeating: 0, count: k)
            for c in 0..<k { for j in 0..<d { centerNorms[c] += centers[c * d + j] * centers[c * d + j] } }
            return products.withUnsafeMutableBufferPointer { out in
                if n > 0, k > 0, d > 0 {
                    features.withUnsafeStorage { x in
                        // x (n × d, column-major) times the centres' transpose: row-major k × d is column-major d × k.
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, BLAS.dimension(n), BLAS.dimension(k), BLAS.dimension(d), -2,
                                    x.baseAddress, BLAS.dimension(n), centers, BLAS.dimension(d), 0, out.baseAddress, BLAS.dimension(n))
                    }
                } else {
                    for index in 0..<(n * k) { out[index] = 0 }
                }
                rowNorms.withUnsafeBufferPointer { norms in
                    for c in 0..<k {
                        let column = out.baseAddress! + c * n, centerNorm = centerNorms[c]
                        for i in 0..<n { column[i] = max(0, column[i] + norms[i] + centerNorm) }
                    }
                }
                return body(UnsafeBufferPointer(rebasing: out[..<(n * k)]))
            }
        }

        /// Each row's nearest of `count` row-major `centers` (ties to the lower index) and its squared distance.
        func assign(to centers: [Double], count k: Int, clusters: inout [Int], nearest: inout [Double]) {
            let n = features.rows
            withSquaredDistances(to: centers, count: k) { distances in
                clusters.withUnsafeMutableBufferPointer { clusters in
                    nearest.withUnsafeMutableBufferPointer { nearest in
                        for i in 0..<n { (clusters[i], nearest[i]) = (0, distances[i]) }
                        for c in 1..<max(k, 1) {
                            for i in 0..<n where distances[i + c * n] < nearest[i] {
                                nearest[i] = distances[i + c * n]
                                clusters[i] = c
                            }
                        }
                    }
                }
            }
        }

        /// Greedy k-means++: the first centre a row drawn by weight, each next one the best (lowest potential) of
        /// 2 + ⌊ln k⌋ rows drawn by weight × squared distance to the nearest centre so far. Row-major centres.
        func seedPlusPlus(_ k: Int, random: inout SeededGenerator) -> [Double] {
            let n = features.rows, d = features.cols
            let trials = 2 + Int(log(Double(k)))
            func row(_ i: Int) -> [Double] { (0..<d).map { features[i, $0] } }
            func draw(_ mass: [Double], total: Double) -> Int {
                var target = random.nextUniform() * total
                for (i, m) in mass.enumerated() where m > 0 {
                    target -= m
                    if target < 0 { return i }
                }
                return mass.lastIndex { $0 > 0 } ?? 0
            }
            var chosen = row(draw(weights, total: weights.reduce(0, +)))
            var nearest = withSquaredDistances(to: chosen, count: 1) { Array($0) }
            for _ in 1..<k {
                let mass = zip(weights, nearest).map { $0 * $1 }
                let total = mass.reduce(0, +)
                // Every remaining row sits on a centre (duplicates): any positive-weight row will do.
                let candidates = (0..<trials).map { _ in total > 0 ? draw(mass, total: total) : draw(weights, total: weights.reduce(0, +)) }
                let best: (trial: Int, distances: [Double]) = withSquaredDistances(to: candidates.flatMap(row), count: trials) { distances in
                    var bestPotential = Double.infinity, bestTrial = 0
                    for t in 0..<trials {
                        var potential = 0.0
                        for i in 0..<n { potential += weights[i] * min(nearest[i], distances[i + t * n]) }
                        if potential < bestPotential { (bestPotential, bestTrial) = (potential, t) }
                    }
                    return (bestTrial, Array(distances[(bestTrial * n)..<((bestTrial + 1) * n)]))
                }
                chosen += row(candidates[best.trial])
                for i in 0..<n { nearest[i] = min(nearest[i], best.distances[i]) }
            }
            return chosen
        }

        /// Lloyd's iterations from row-major `start`, as scikit-learn's `_kmeans_single_lloyd`.
        func lloyd(from start: [Double], count k: Int, maximumIterations: Int, tolerance: Double) -> KMeans {
            let n = features.rows, d = features.cols
            var centers = start, moved = start
            var labels = [Int](repeating: -1, count: n), assigned = [Int](repeating: 0, count: n), nearest = [Double](repeating: 0, count: n)
            var iterations = 0
            while iterations < maximumIterations {
                iterations += 1
                assign(to: centers, count: k, clusters: &assigned, nearest: &nearest)
                means(of: assigned, distances: nearest, previous: centers, count: k, into: &moved)
                var shift = 0.0
                for index in 0..<(k * d) { shift += (moved[index] - centers[index]) * (moved[index] - centers[index]) }
                swap(&centers, &moved)
                if assigned == labels { break }
                swap(&labels, &assigned)
                if shift <= tolerance { break }
            }
            assign(to: centers, count: k, clusters: &assigned, nearest: &nearest)
            var inertia = 0.0
            for i in 0..<n { inertia += weights[i] * nearest[i] }
            return KMeans(centers: Matrix(rows: k, cols: d, rowMajor: centers), inertia: inertia, iterations: iterations)
        }

        /// The weighted mean of each cluster's rows, row-major into `out`; an empty cluster takes the row farthest
        /// from its centre (the next farthest for the next empty one), and that row leaves its old cluster's mean.
        func means(of assigned: [Int], distances: [Double], previous: [Double], count k: Int, into out: inout [Double]) {
            let n = features.rows, d = features.cols
            var mass = [Double](repeating: 0, count: k)
            for i in 0..<n { mass[assigned[i]] += weights[i] }
            let empty = (0..<k).filter { mass[$0] == 0 }
            // Only a fit that emptied a cluster pays for a relocated copy of the assignment.
            var relocated: [Int]?
            if !empty.isEmpty {
                var moved = assigned
                let farthest = (0..<n).sorted { (distances[$0], $1) > (distances[$1], $0) }
                for (cluster, row) in zip(empty, farthest) { moved[row] = cluster }
                mass = [Double](repeating: 0, count: k)
                for i in 0..<n { mass[moved[i]] += weights[i] }
                relocated = moved
            }
            let clusters = relocated ?? assigned
            out.withUnsafeMutableBufferPointer { out in
                for index in 0..<(k * d) { out[index] = 0 }
                features.withUnsafeStorage { x in
                    clusters.withUnsafeBufferPointer { clusters in
                        weights.withUnsafeBufferPointer { weights in
                            // Row by row, so each row's d sums land next to each other.
                            for i in 0..<n {
                                let base = clusters[i] * d, w = weights[i]
                                for j in 0..<d { out[base + j] += w * x[i + j * n] }
                            }
                        }
                    }
                }
                for c in 0..<k {
                    for j in 0..<d { out[c * d + j] = mass[c] > 0 ? out[c * d + j] / mass[c] : previous[c * d + j] }
                }
            }
        }
    }
}
