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
        if let bad = features.withUnsafeStorage({ $0.firstIndex { !$0.isFinite } }) {
            throw FairlabError("k-means: a feature is not finite at row \(bad % n), column \(bad / n)")
        }
        if let initialCenters, initialCenters.rows != k || initialCenters.cols != d {
            throw FairlabError("k-means: initial centres are \(initialCenters.rows) × \(initialCenters.cols), not \(k) × \(d)")
        }
        let space = Space(features: features, weights: w)
        let absoluteTolerance = tolerance * space.meanVariance
        var best: KMeans?
        for _ in 0..<(initialCenters == nil ? max(1, starts) : 1) {
            let start = initialCenters ?? space.seedPlusPlus(k, random: &random)
            let run = space.lloyd(from: start, maximumIterations: maximumIterations, tolerance: absoluteTolerance)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!
    }

    /// Each row's nearest centre (ties to the lower index) and its squared distance to it.
    public func assign(_ features: Matrix) -> (clusters: [Int], distances: [Double]) {
        let distances = Space.squaredDistances(features, centers)
        let n = features.rows, k = clusterCount
        var clusters = [Int](repeating: 0, count: n), nearest = [Double](repeating: .infinity, count: n)
        for c in 0..<k {
            for i in 0..<n where distances[i + c * n] < nearest[i] {
                nearest[i] = distances[i + c * n]
                clusters[i] = c
            }
        }
        return (clusters, nearest)
    }

    /// The data of one fit, with what every iteration needs precomputed.
    private struct Space {
        let features: Matrix
        let weights: [Double]

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

        /// n × k squared distances, column-major, from one `dgemm`; clamped at 0 against rounding.
        static func squaredDistances(_ features: Matrix, _ centers: Matrix) -> [Double] {
            let n = features.rows, d = features.cols, k = centers.rows
            var distances = [Double](repeating: 0, count: n * k)
            guard n > 0, k > 0 else { return distances }
            let rowNorms = features.withUnsafeStorage { x in
                (0..<n).map { i in (0..<d).reduce(0.0) { $0 + x[i + $1 * n] * x[i + $1 * n] } }
            }
            let centerNorms = centers.withUnsafeStorage { c in
                (0..<k).map { r in (0..<d).reduce(0.0) { $0 + c[r + $1 * k] * c[r + $1 * k] } }
            }
            if d > 0 {
                features.withUnsafeStorage { x in
                    centers.withUnsafeStorage { c in
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, BLAS.dimension(n), BLAS.dimension(k), BLAS.dimension(d), -2,
                                    x.baseAddress, BLAS.dimension(n), c.baseAddress, BLAS.dimension(k), 0, &distances, BLAS.dimension(n))
                    }
                }
            }
            for c in 0..<k {
                for i in 0..<n { distances[i + c * n] = max(0, distances[i + c * n] + rowNorms[i] + centerNorms[c]) }
            }
            return distances
        }

        /// Greedy k-means++: the first centre a row drawn by weight, each next one the best (lowest potential) of
        /// 2 + ⌊ln k⌋ rows drawn by weight × squared distance to the nearest centre so far.
        func seedPlusPlus(_ k: Int, random: inout SeededGenerator) -> Matrix {
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
            var chosen = [row(draw(weights, total: weights.reduce(0, +)))]
            var nearest = Self.squaredDistances(features, Matrix(rows: 1, cols: d, rowMajor: chosen[0]))
            while chosen.count < k {
                let mass = zip(weights, nearest).map { $0 * $1 }
                let total = mass.reduce(0, +)
                // Every remaining row sits on a centre (duplicates): any positive-weight row will do.
                let candidates = (0..<trials).map { _ in total > 0 ? draw(mass, total: total) : draw(weights, total: weights.reduce(0, +)) }
                let candidateRows = Matrix(rows: trials, cols: d, rowMajor: candidates.flatMap(row))
                let distances = Self.squaredDistances(features, candidateRows)
                var bestPotential = Double.infinity, bestTrial = 0
                for t in 0..<trials {
                    var potential = 0.0
                    for i in 0..<n { potential += weights[i] * min(nearest[i], distances[i + t * n]) }
                    if potential < bestPotential { (bestPotential, bestTrial) = (potential, t) }
                }
                chosen.append(row(candidates[bestTrial]))
                for i in 0..<n { nearest[i] = min(nearest[i], distances[i + bestTrial * n]) }
            }
            return Matrix(rows: k, cols: d, rowMajor: chosen.flatMap { $0 })
        }

        /// Lloyd's iterations from `start`, as scikit-learn's `_kmeans_single_lloyd`.
        func lloyd(from start: Matrix, maximumIterations: Int, tolerance: Double) -> KMeans {
            var centers = start
            var labels = [Int](repeating: -1, count: features.rows)
            var iterations = 0
            while iterations < maximumIterations {
                iterations += 1
                let (assigned, distances) = KMeans(centers: centers, inertia: 0, iterations: 0).assign(features)
                let moved = means(of: assigned, distances: distances, previous: centers)
                let shift = zip(moved.storage, centers.storage).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                centers = moved
                if assigned == labels { break }
                labels = assigned
                if shift <= tolerance { break }
            }
            let distances = KMeans(centers: centers, inertia: 0, iterations: 0).assign(features).distances
            let inertia = zip(weights, distances).reduce(0.0) { $0 + $1.0 * $1.1 }
            return KMeans(centers: centers, inertia: inertia, iterations: iterations)
        }

        /// The weighted mean of each cluster's rows; an empty cluster takes the row farthest from its centre
        /// (the next farthest for the next empty one), and that row leaves its old cluster's mean.
        func means(of assigned: [Int], distances: [Double], previous: Matrix) -> Matrix {
            let n = features.rows, d = features.cols, k = previous.rows
            var clusters = assigned
            var mass = [Double](repeating: 0, count: k)
            for i in 0..<n { mass[clusters[i]] += weights[i] }
            let empty = (0..<k).filter { mass[$0] == 0 }
            if !empty.isEmpty {
                let farthest = (0..<n).sorted { (distances[$0], $1) > (distances[$1], $0) }
                for (cluster, row) in zip(empty, farthest) { clusters[row] = cluster }
                mass = [Double](repeating: 0, count: k)
                for i in 0..<n { mass[clusters[i]] += weights[i] }
            }
            return Matrix(rows: k, cols: d) { out in
                out.initialize(repeating: 0)
                features.withUnsafeStorage { x in
                    for j in 0..<d {
                        for i in 0..<n { out[clusters[i] + j * k] += weights[i] * x[i + j * n] }
                        for c in 0..<k { out[c + j * k] = mass[c] > 0 ? out[c + j * k] / mass[c] : previous[c, j] }
                    }
                }
            }
        }
    }
}
