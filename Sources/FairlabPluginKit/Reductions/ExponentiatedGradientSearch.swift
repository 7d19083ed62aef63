import Foundation

/// Fairlearn's `ExponentiatedGradient` loop (Agarwal et al. 2018 and 2019), apart from the moment and the learner:
/// exponentiated-gradient updates of λ = B exp(θ) / (1 + Σ exp θ), best responses from the oracle, the
/// linear-program step over the hypotheses found so far, the stopping rule (a duality gap below ν after 5
/// iterations) and step-size shrinking; the result is a distribution Q over the oracle's hypotheses.
public enum ExponentiatedGradientSearch {
    /// What the search found.
    public struct Result {
        /// Q: one weight per stored hypothesis.
        public let weights: [Double]
        /// The duality-gap tolerance used (the default computed from the first hypothesis when none was given).
        public let nu: Double
        /// The iteration whose distribution Q is (the last with the least gap).
        public let bestIteration: Int
        /// Iterations run.
        public let iterations: Int
        /// Q's duality gap.
        public let bestGap: Double
    }

    /// Runs at most `maxIterations` rounds; `nu` 0 takes Fairlearn's default, ½ · std(|h(x) − y|) / √n of the first
    /// hypothesis (the sample standard deviation).
    public static func run<Moment, Learner>(
        _ oracle: LagrangianOracle<Moment, Learner>, maxIterations: Int, nu requestedNu: Double, eta0: Double,
        log: (String) -> Void = { _ in }
    ) throws -> Result {
        let constraints = oracle.moment.constraintCount, bounds = oracle.moment.bounds, bound = oracle.bound
        var theta = [Double](repeating: 0, count: constraints), lambdaSum = [Double](repeating: 0, count: constraints)
        var counts: [Int: Double] = [:]
        var nu = requestedNu, eta = 0.0
        var lastChecked = 5.0, lastGap = Double.infinity
        var gapsEG: [Double] = [], gaps: [Double] = [], distributions: [[Int: Double]] = []
        for t in 0..<maxIterations {
            let exponentials = theta.map { exp($0) }, total = 1 + exponentials.reduce(0, +)
            let lambda = exponentials.map { bound * $0 / total }
            for j in 0..<constraints { lambdaSum[j] += lambda[j] }
            let lambdaEG = lambdaSum.map { $0 / Double(t + 1) }
            let chosen = try oracle.bestResponse(lambda)
            if t == 0 {
                if nu == 0 {
                    let deviations = oracle.moment.deviations(oracle.hypotheses[chosen].predictions)
                    let mean = deviations.reduce(0, +) / Double(deviations.count)
                    let variance = deviations.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(deviations.count - 1)
                    nu = 0.5 * variance.squareRoot() / Double(deviations.count).squareRoot()
                }
                eta = eta0 / bound
            }
            counts[chosen, default: 0] += 1
            let countTotal = counts.values.reduce(0, +)
            let averaged = counts.mapValues { $0 / countTotal }
            let gapEG = try oracle.gap(averaged, lambdaEG, nu: nu)
            gapsEG.append(gapEG)
            var (distribution, gap) = (averaged, gapEG)
            if t > 0 {
                let (linear, gapLP) = try oracle.linearProgramStep(nu: nu)
                if !(gapEG < gapLP) { (distribution, gap) = (linear, gapLP) }
            }
            distributions.append(distribution)
            gaps.append(gap)
            log("iteration \(t): \(oracle.hypotheses.count) hypotheses, gap \(gap)")
            if gap < nu && t >= 5 { break }
            if Double(t) >= lastChecked * 1.6 {
                let best = gapsEG.min()!
                if best > lastGap * 0.8 { eta *= 0.8 }
                lastChecked = Double(t)
                lastGap = best
            }
            let gamma = oracle.hypotheses[chosen].gamma
            for j in 0..<constraints { theta[j] += eta * (gamma[j] - bounds[j]) }
        }
        let smallest = gaps.min()!
        let bestIteration = gaps.lastIndex { $0 <= smallest + 1e-8 }!
        return Result(
            weights: (0..<oracle.hypotheses.count).map { distributions[bestIteration][$0] ?? 0 }, nu: nu, bestIteration: bestIteration,
            iterations: gaps.count, bestGap: gaps[bestIteration])
    }
}
