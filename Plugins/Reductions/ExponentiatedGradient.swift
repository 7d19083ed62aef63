import CFairlabPlugin
import FairlabPluginKit
import Glibc

/// Fairlearn's `ExponentiatedGradient` (Agarwal et al. 2018): a randomised classifier Q over base-learner
/// hypotheses, found by a game between the learner (best responses to multipliers λ, `LagrangianOracle`) and
/// exponentiated-gradient updates of λ = B exp(θ) / (1 + Σ exp(θ)), B = 1/eps, with Fairlearn's linear-program
/// step over the hypotheses found so far, its stopping rule (a duality gap below ν after 5 iterations) and
/// step-size shrinking. Predictions draw from the host's stream with each row's P(ŷ = 1) = Σ_h Q_h h(x) reported
/// as the method's probabilities and scores.
final class ExponentiatedGradient: FairlabMethod {
    static let parameters = [
        Parameter("constraint", .choice(ParityMoment.Kind.allCases.map(\.rawValue)), default: "demographic_parity", description: "the fairness constraint"),
        Parameter("eps", .real(minimum: 1e-6, maximum: 1), default: "0.01", description: "allowed constraint violation; B = 1/eps"),
        Parameter("max_iter", .integer(minimum: 1, maximum: 1_000), default: "50", description: "largest number of iterations"),
        Parameter("nu", .real(minimum: 0, maximum: .infinity), default: "0", description: "duality-gap tolerance; 0: Fairlearn's default from the first hypothesis"),
        Parameter("eta0", .real(minimum: 1e-9, maximum: .infinity), default: "2", description: "initial step size of the multipliers' update"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var oracle: LagrangianOracle?
    private var weights: [Double] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let moment = try ParityMoment(
            ParityMoment.Kind(rawValue: parameters.text("constraint"))!, labels: Array(try train.requireLabels()),
            codes: Array(try train.requireGroupCodes()), groupNames: train.groups.names)
        let eps = parameters.number("eps"), bound = 1 / eps
        let oracle = LagrangianOracle(moment: moment, features: train.matrix, host: host, eps: eps, bound: bound)
        let constraints = 2 * moment.cells.count
        var theta = [Double](repeating: 0, count: constraints), lambdaSum = [Double](repeating: 0, count: constraints)
        var counts: [Int: Double] = [:]
        var nu = parameters.number("nu"), eta = 0.0
        var lastChecked = 5.0, lastGap = Double.infinity
        var gapsEG: [Double] = [], gaps: [Double] = [], distributions: [[Int: Double]] = []
        for t in 0..<Int(parameters.number("max_iter")) {
            let exponentials = theta.map { exp($0) }, total = 1 + exponentials.reduce(0, +)
            let lambda = exponentials.map { bound * $0 / total }
            for j in 0..<constraints { lambdaSum[j] += lambda[j] }
            let lambdaEG = lambdaSum.map { $0 / Double(t + 1) }
            let chosen = try oracle.bestResponse(lambda)
            if t == 0 {
                if nu == 0 {
                    // ν = ½ · std(|h(x) − y|) / √n over the first hypothesis (the sample standard deviation).
                    let misses = zip(oracle.hypotheses[chosen].predictions, moment.labels).map { abs($0 - $1) }
                    let mean = misses.reduce(0, +) / Double(misses.count)
                    let variance = misses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(misses.count - 1)
                    nu = 0.5 * variance.squareRoot() / Double(misses.count).squareRoot()
                }
                eta = parameters.number("eta0") / bound
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
            host.log("iteration \(t): \(oracle.hypotheses.count) hypotheses, gap \(gap)", level: FL_LOG_DEBUG)
            if gap < nu && t >= 5 { break }
            if Double(t) >= lastChecked * 1.6 {
                let best = gapsEG.min()!
                if best > lastGap * 0.8 { eta *= 0.8 }
                lastChecked = Double(t)
                lastGap = best
            }
            let gamma = oracle.hypotheses[chosen].gamma
            for j in 0..<constraints { theta[j] += eta * (gamma[j] - eps) }
        }
        let smallest = gaps.min()!
        let bestIteration = gaps.lastIndex { $0 <= smallest + 1e-8 }!
        weights = (0..<oracle.hypotheses.count).map { distributions[bestIteration][$0] ?? 0 }
        self.oracle = oracle
        host.log(
            "exponentiated gradient: \(oracle.hypotheses.count) hypotheses, \(oracle.calls) learner fits, best gap \(gaps[bestIteration]) at iteration \(bestIteration) of \(gaps.count), ν \(nu)",
            level: FL_LOG_INFO)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let oracle else { throw PluginError.invalidInput("predict before fit") }
        var probabilities = [Double](repeating: 0, count: data.rows)
        for (index, weight) in weights.enumerated() where weight != 0 {
            let predictions = try oracle.predictions(of: index, on: data.matrix)
            for i in 0..<data.rows { probabilities[i] += weight * predictions[i] }
        }
        probabilities = probabilities.map { min(max($0, 0), 1) }
        output.setScores(probabilities)
        output.draw(probabilities, host: host)
    }
}
