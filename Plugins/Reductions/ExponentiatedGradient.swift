import CFairlabPlugin
import FairlabPluginKit

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
    private var oracle: LagrangianOracle<ParityConstraints, ClassifierLearner>?
    private var weights: [Double] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let moment = try ParityMoment(
            ParityMoment.Kind(rawValue: parameters.text("constraint"))!, labels: Array(try train.requireLabels()),
            codes: Array(try train.requireGroupCodes()), groupNames: train.groups.names)
        let eps = parameters.number("eps")
        let oracle = LagrangianOracle(
            moment: ParityConstraints(moment: moment, eps: eps), learner: ClassifierLearner(features: train.matrix, host: host), bound: 1 / eps)
        let result = try ExponentiatedGradientSearch.run(
            oracle, maxIterations: Int(parameters.number("max_iter")), nu: parameters.number("nu"), eta0: parameters.number("eta0"),
            log: { self.host.log($0, level: FL_LOG_DEBUG) })
        weights = result.weights
        self.oracle = oracle
        host.log(
            "exponentiated gradient: \(oracle.hypotheses.count) hypotheses, \(oracle.calls) learner fits, best gap \(result.bestGap) at iteration \(result.bestIteration) of \(result.iterations), ν \(result.nu)",
            level: FL_LOG_INFO)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let oracle else { throw PluginError.invalidInput("predict before fit") }
        var probabilities = [Double](repeating: 0, count: data.rows)
        for (index, weight) in weights.enumerated() where weight != 0 {
            let predictions = try oracle.hypotheses[index].model.predictions(on: data.matrix, host: host)
            for i in 0..<data.rows { probabilities[i] += weight * predictions[i] }
        }
        probabilities = probabilities.map { min(max($0, 0), 1) }
        output.setScores(probabilities)
        output.draw(probabilities, host: host)
    }
}
