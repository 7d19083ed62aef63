import Foundation

/// What one point's four joint densities say of it: P(y = 1 | x), P(z = 0 | x), P(z = 1 | x), P(y = −1, z = 0 | x)
/// and P(y = −1, z = 1 | x), computed from the log-densities (the largest subtracted before exp, so none
/// overflows: SciPy's exp of each density overflows on COMPAS's near-singular Gaussian, see docs/methods.md).
public struct Posterior {
    public let y1, z0, z1, q0, q1: Double

    public init(_ logs: (Double, Double, Double, Double)) {
        let top = max(logs.0, logs.1, logs.2, logs.3)
        let p11 = exp(logs.0 - top), pm11 = exp(logs.1 - top), p10 = exp(logs.2 - top), pm10 = exp(logs.3 - top)
        let total = p11 + p10 + pm10 + pm11
        y1 = (p11 + p10) / total
        z0 = (pm10 + p10) / total
        z1 = (pm11 + p11) / total
        q0 = pm10 / total
        q1 = pm11 / total
    }
}

/// The two fairness constraints of Celis et al. (2019) as AIF360's MetaFairClassifier states them: the
/// classifier's score is t(x) = P(y = 1 | x) − ½ + Σ_j λ_j φ_j(x), the φ_j given by the constraint and the
/// interval [a, b] of the grid, the λ_j found by gradient descent on a smoothed dual over samples of x.
public enum MetaFairConstraint: String {
    /// Statistical rate: the ratio of the sides' positive rates. λ = (l1, l2).
    case statisticalRate = "sr"
    /// False discovery rate: the ratio of the sides' shares of false among positive predictions. λ = (u1, u2, l1, l2).
    case falseDiscovery = "fdr"

    public var parameterCount: Int { self == .statisticalRate ? 2 : 4 }

    /// The start of gradient descent number `index` (1…9): sr (i − 5, i − 5), fdr (i, i, i, i).
    public func start(_ index: Int) -> [Double] {
        self == .statisticalRate ? [Double(index - 5), Double(index - 5)] : [Double](repeating: Double(index), count: 4)
    }

    /// φ(x) for the interval [a, b]; `privilegedShare` is the training share of z = 1.
    public func terms(_ p: Posterior, a: Double, b: Double, privilegedShare: Double) -> [Double] {
        switch self {
        case .statisticalRate: return [p.z0 / (1 - privilegedShare), p.z1 / privilegedShare]
        case .falseDiscovery: return [p.q0 - a * p.z0, p.q1 - a * p.z1, -p.q0 + b * p.z0, -p.q1 + b * p.z1]
        }
    }

    /// t(x).
    public func score(_ p: Posterior, _ lambda: [Double], a: Double, b: Double, privilegedShare: Double) -> Double {
        score(p, lambda, terms: terms(p, a: a, b: b, privilegedShare: privilegedShare))
    }

    /// t(x) from φ(x) already computed.
    private func score(_ p: Posterior, _ lambda: [Double], terms phi: [Double]) -> Double {
        var t = p.y1 - 0.5
        for j in lambda.indices { t += lambda[j] * phi[j] }
        return t
    }

    /// The dual objective over the samples: the mean of |t|, for sr plus −b(l1 + l2) + (b − a)(max(l1, 0) + max(l2, 0)).
    public func value(_ samples: [Posterior], _ lambda: [Double], a: Double, b: Double, privilegedShare: Double) -> Double {
        var result = samples.map { abs(score($0, lambda, a: a, b: b, privilegedShare: privilegedShare)) }.reduce(0, +) / Double(samples.count)
        guard self == .statisticalRate else { return result }
        result -= b * lambda[0] + b * lambda[1]
        for l in lambda where l > 0 { result += (b - a) * l }
        return result
    }

    /// The gradient of the objective smoothed with μ: |t| as √(t² + μ²), max(l, 0) as (l + √(l² + μ²)) / 2.
    public func gradient(_ samples: [Posterior], _ lambda: [Double], a: Double, b: Double, privilegedShare: Double, mu: Double) -> [Double] {
        var gradient = [Double](repeating: 0, count: parameterCount)
        for sample in samples {
            let phi = terms(sample, a: a, b: b, privilegedShare: privilegedShare)
            let t = score(sample, lambda, terms: phi)
            let slope = t / (t * t + mu * mu).squareRoot()
            for j in gradient.indices { gradient[j] += phi[j] * slope }
        }
        for j in gradient.indices { gradient[j] /= Double(samples.count) }
        guard self == .statisticalRate else { return gradient }
        return gradient.indices.map { j in
            gradient[j] - b + (b - a) / 2 + (b - a) * lambda[j] / (2 * (lambda[j] * lambda[j] + mu * mu).squareRoot())
        }
    }

    /// How fair predictions ŷ = ±1 are on rows with labels y = ±1 and sides z: the smaller ratio of the sides'
    /// positive rates (sr) or false discovery rates (fdr); 0 when a side has no positive prediction, or (fdr) no
    /// false one.
    public func gamma(labels: [Double], predictions: [Double], sides: [Double]) -> Double {
        func ratio(_ r0: Double, _ r1: Double) -> Double { r0 == 0 || r1 == 0 ? 0 : min(r0 / r1, r1 / r0) }
        switch self {
        case .statisticalRate:
            let rates = [0.0, 1.0].map { side -> Double in
                let rows = sides.indices.filter { sides[$0] == side }
                return Double(rows.filter { predictions[$0] == 1 }.count) / Double(rows.count)
            }
            return ratio(rates[0], rates[1])
        case .falseDiscovery:
            let positives = [0.0, 1.0].map { side in sides.indices.filter { sides[$0] == side && predictions[$0] == 1 } }
            guard positives.allSatisfy({ !$0.isEmpty }) else { return 0 }
            let rates = positives.map { rows in Double(rows.filter { labels[$0] == -1 }.count) / Double(rows.count) }
            return ratio(rates[0], rates[1])
        }
    }
}
