import CFairlabPlugin
import FairlabPluginKit

/// In-processing for regression: Fairlearn's `ExponentiatedGradient` with `BoundedGroupLoss` (square loss) over
/// ridge regressions (Agarwal, Dudík & Wu 2019): a distribution Q over ridge fits whose every group's mean squared
/// training error is at most `upper_bound` (to eps), at the least overall error. It predicts Q's expected
/// prediction Σ_h Q_h h(x), whose group losses are no larger than Q's (the square loss is convex): regression
/// predictions carry no probabilities, so a drawn prediction's table row would be one random draw with no expected
/// row beside it. `predict=draw` draws, for each row, a fit from Q with the host's seeded stream, as Fairlearn's
/// `predict` does.
final class BoundedGroupLossMethod: FairlabMethod {
    static let parameters = [
        Parameter("upper_bound", .real(minimum: 0, maximum: .infinity), default: "0",
                  description: "largest mean squared error allowed to each group; 0: the unconstrained ridge's overall training MSE"),
        Parameter("eps", .real(minimum: 1e-6, maximum: 1), default: "0.01", description: "allowed violation; B = 1/eps"),
        Parameter("max_iter", .integer(minimum: 1, maximum: 1_000), default: "50", description: "largest number of iterations"),
        Parameter("nu", .real(minimum: 0, maximum: .infinity), default: "0", description: "duality-gap tolerance; 0: Fairlearn's default from the first fit"),
        Parameter("eta0", .real(minimum: 1e-9, maximum: .infinity), default: "2", description: "initial step size of the multipliers' update"),
        Parameter("alpha", .real(minimum: 0, maximum: 1e12), default: "1", description: "the ridge fits' penalty"),
        Parameter("predict", .choice(["mean", "draw"]), default: "mean", description: "Q's mean prediction, or a fit drawn per row from Q (Fairlearn's predict)"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var models: [(weight: Double, model: RidgeLearner.Model)] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = Array(try train.requireLabels()), codes = Array(try train.requireGroupCodes())
        // The training features are the host's for the length of this call, as long as the search needs them.
        let learner = RidgeLearner(
            features: try train.contiguousFeatures(), rows: train.rows, cols: train.cols, labels: labels,
            alpha: parameters.number("alpha"), blas: host.blas)
        var upperBound = parameters.number("upper_bound")
        if upperBound == 0 {
            let unconstrained = try learner.fit(signedWeights: [Double](repeating: 1, count: train.rows), scale: 1)
            upperBound = zip(labels, unconstrained.predictions).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(train.rows)
        }
        let eps = parameters.number("eps")
        let oracle = LagrangianOracle(moment: BoundedGroupLoss(labels: labels, codes: codes, upperBound: upperBound), learner: learner, bound: 1 / eps)
        let result = try ExponentiatedGradientSearch.run(
            oracle, maxIterations: Int(parameters.number("max_iter")), nu: parameters.number("nu"), eta0: parameters.number("eta0"),
            log: { self.host.log($0, level: FL_LOG_DEBUG) })
        models = zip(result.weights, oracle.hypotheses).filter { $0.0 > 0 }.map { ($0.0, $0.1.model) }
        let worst = zip(result.weights, oracle.hypotheses).reduce([Double](repeating: 0, count: oracle.moment.constraintCount)) { sums, pair in
            zip(sums, pair.1.gamma).map { $0 + pair.0 * $1 }
        }.max() ?? .nan
        host.log(
            "bounded group loss: bound \(upperBound), \(oracle.hypotheses.count) fits kept of \(oracle.calls), Q on \(models.count), worst group's training MSE under Q \(worst), best gap \(result.bestGap) at iteration \(result.bestIteration) of \(result.iterations)",
            level: FL_LOG_INFO)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard !models.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        let features = try data.contiguousFeatures()
        let predictions = try models.map { try $0.model.predict(features, rows: data.rows) }
        if parameters.text("predict") == "mean" {
            for i in 0..<data.rows { output.predictions[i] = zip(models, predictions).reduce(0) { $0 + $1.0.weight * $1.1[i] } }
            return
        }
        // One draw per row, in row order, as numpy's choice: the first fit whose cumulative weight exceeds u.
        let total = models.reduce(0) { $0 + $1.weight }
        for i in 0..<data.rows {
            let u = host.randomUniform() * total
            var cumulative = 0.0, chosen = models.count - 1
            for (index, entry) in models.enumerated() {
                cumulative += entry.weight
                if u < cumulative { chosen = index; break }
            }
            output.predictions[i] = predictions[chosen][i]
        }
    }
}
