import Foundation

/// The meta-fair classifier's fit, as AIF360's MetaFairClassifier (`celisMeta.General.getModel`) does it: a
/// Gaussian over the training rows of [x, y, z]; for each interval [a, b] of the grid a = 0, 0.1, … below τ,
/// b = min((a + 0.01)/τ, 1), gradient descent on the dual from nine starts over 20 fresh samples of x; the
/// interval whose classifier is most accurate on the training rows among those at least τ − 0.2 fair.
public struct MetaFairModel {
    public let constraint: MetaFairConstraint
    public let gaussian: JointGaussian
    public let privilegedShare: Double
    public let a: Double
    public let b: Double
    public let lambda: [Double]

    /// The grid's step, and the smoothing of the dual's gradient.
    public static let step = 0.01, mu = 0.01
    /// Samples of x per interval.
    public static let sampleCount = 20

    /// The intervals [a, b] for `tau`, as `General.range`: a_k = (10k)·0.01 while 10k < ⌈τ/0.01⌉.
    public static func grid(tau: Double) -> [(a: Double, b: Double)] {
        let count = Int((tau / step).rounded(.up))
        return stride(from: 0, to: count, by: 10).map { k in
            let a = Double(k) * step
            return (a, min((a + step) / tau, 1))
        }
    }

    /// One record of the fit per interval, for the log.
    public struct Candidate {
        public let a, b: Double
        public let lambda: [Double]
        public let accuracy, gamma: Double
        public let chosen: Bool
    }

    /// Fits on features `x` (n × d row-major), labels y = ±1 and sides z ∈ {0, 1}; `samples(k)` draws the k-th
    /// interval's samples of x (20 × d row-major) from the Gaussian it is given.
    public static func fit(
        constraint: MetaFairConstraint, tau: Double, x: [Double], labels: [Double], sides: [Double],
        samples: (Int, JointGaussian) -> [Double]
    ) throws -> (model: MetaFairModel, candidates: [Candidate]) {
        let n = labels.count, d = x.count / max(n, 1)
        let columns = (0..<d).map { j in (0..<n).map { x[$0 * d + j] } } + [labels, sides]
        let gaussian = JointGaussian(columns: columns)
        let share = sides.reduce(0, +) / Double(n)
        let rows = gaussian.logDensities(points: x, count: n).map(Posterior.init)
        var best = (accuracy: 0.0, a: 0.0, b: 0.0, lambda: [Double](repeating: 0, count: constraint.parameterCount))
        var candidates: [Candidate] = []
        for (index, interval) in (tau == 0 ? [] : grid(tau: tau)).enumerated() {
            let drawn = gaussian.logDensities(points: samples(index, gaussian), count: sampleCount).map(Posterior.init)
            guard let lambda = descend(constraint, drawn, a: interval.a, b: interval.b, privilegedShare: share) else {
                throw PluginError.numerical("the meta-fair dual objective was never a number on the interval [\(interval.a), \(interval.b)]")
            }
            let predictions = rows.map { constraint.score($0, lambda, a: interval.a, b: interval.b, privilegedShare: share) > 0 ? 1.0 : -1.0 }
            let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(n)
            let gamma = constraint.gamma(labels: labels, predictions: predictions, sides: sides)
            // Strictly more accurate: a tie keeps the earlier interval.
            let chosen = best.accuracy < accuracy && gamma >= tau - 0.2
            if chosen { best = (accuracy, interval.a, interval.b, lambda) }
            candidates.append(Candidate(a: interval.a, b: interval.b, lambda: lambda, accuracy: accuracy, gamma: gamma, chosen: chosen))
        }
        let model = MetaFairModel(constraint: constraint, gaussian: gaussian, privilegedShare: share, a: best.a, b: best.b, lambda: best.lambda)
        return (model, candidates)
    }

    /// Gradient descent from each of the nine starts, 49 steps of size 1/k each. What it returns is AIF360's:
    /// its best-so-far is a reference to the list it updates, so the result is the parameters after the last step
    /// of the last start in which the objective improved, not the best ones seen. nil when no value was a number.
    public static func descend(_ constraint: MetaFairConstraint, _ samples: [Posterior], a: Double, b: Double, privilegedShare: Double) -> [Double]? {
        var least = Double.infinity, returned: [Double]?
        for start in 1...9 {
            var lambda = constraint.start(start)
            var improved = false
            for k in 1...49 {
                let gradient = constraint.gradient(samples, lambda, a: a, b: b, privilegedShare: privilegedShare, mu: mu)
                for j in lambda.indices { lambda[j] -= (1 / Double(k)) * gradient[j] }
                let value = constraint.value(samples, lambda, a: a, b: b, privilegedShare: privilegedShare)
                if value < least {
                    least = value
                    improved = true
                }
            }
            if improved { returned = lambda }
        }
        return returned
    }

    /// t(x) of every point (n × d row-major).
    public func scores(_ x: [Double], count: Int) -> [Double] {
        gaussian.logDensities(points: x, count: count).map {
            constraint.score(Posterior($0), lambda, a: a, b: b, privilegedShare: privilegedShare)
        }
    }
}
