import CFairlabPlugin
import FairlabPluginKit

/// Fairlearn's `GridSearch` (Agarwal et al. 2018, reductions): for each Lagrange multiplier vector λ of a grid
/// (`LagrangeGrid`), the host's learner is trained on the cost-sensitive problem the constraint's moment and the
/// error rate give, relabelled y' = 1[w > 0] with weights |w|, where for a row of event e and group g
///
///   w = (2y − 1) + Σ_{(e', g') in the basis} λ_{e', g'} · (1[e = e'] / P(e') − 1[e = e', g = g'] / P(e', g')).
///
/// Events: one ("all") for demographic parity, the label for equalized odds. The basis is every event × every
/// group but the last, events and groups in order of first appearance in the training rows, as Fairlearn orders
/// them. Each model is judged on the training rows by its hard predictions: the error rate, and γ = the largest
/// |E[h | e, g] − E[h | e]|; the one with the smallest constraint_weight · γ + (1 − constraint_weight) · error
/// (the first on a tie) predicts. A relabelling with one class only is a constant model, as Fairlearn's dummy.
final class GridSearch: FairlabMethod {
    static let parameters = [
        Parameter("constraint", .choice(ParityMoment.Kind.allCases.map(\.rawValue)), default: "demographic_parity", description: "the fairness constraint"),
        Parameter("grid_size", .integer(minimum: 1, maximum: 1_000), default: "10", description: "number of Lagrange multiplier vectors (one learner fit each)"),
        Parameter("grid_limit", .real(minimum: 0, maximum: .infinity), default: "2", description: "largest multiplier (L1 norm)"),
        Parameter("constraint_weight", .real(minimum: 0, maximum: 1), default: "0.5", description: "weight of the constraint violation against the error when choosing"),
    ]

    private let host: HostServices
    private let constraint: ParityMoment.Kind
    private let gridSize: Int, gridLimit: Double, constraintWeight: Double
    private var chosen: ReductionModel?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        constraint = ParityMoment.Kind(rawValue: parameters.text("constraint"))!
        gridSize = Int(parameters.number("grid_size"))
        gridLimit = parameters.number("grid_limit")
        constraintWeight = parameters.number("constraint_weight")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let moment = try ParityMoment(
            constraint, labels: Array(try train.requireLabels()), codes: Array(try train.requireGroupCodes()), groupNames: train.groups.names)
        let grid = LagrangeGrid(dimensions: moment.basis.count, size: gridSize, limit: gridLimit)

        var best: (loss: Double, model: ReductionModel, index: Int)?
        for (index, coefficients) in grid.points.enumerated() {
            let (model, predictions) = try ReductionModel.fitting(
                signedWeights: moment.signedWeights(Dictionary(uniqueKeysWithValues: zip(moment.basis, coefficients))), features: train.matrix, host: host)
            let error = moment.error(predictions)
            // γ with both signs: its largest value is the largest |γ(e, g)|.
            let violation = moment.gamma(predictions).map(abs).max() ?? 0
            let loss = constraintWeight * violation + (1 - constraintWeight) * error
            host.log("grid point \(index) λ \(coefficients): error \(error), γ \(violation), loss \(loss)", level: FL_LOG_DEBUG)
            if best == nil || loss < best!.loss {
                best?.model.release(host)
                best = (loss, model, index)
            } else {
                model.release(host)
            }
        }
        guard let best else { throw PluginError.invalidInput("the grid is empty") }
        chosen = best.model
        host.log("grid search chose point \(best.index) of \(grid.points.count) (loss \(best.loss))", level: FL_LOG_INFO)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let chosen else { throw PluginError.invalidInput("predict before fit") }
        let scores = try chosen.scores(on: data.matrix, host: host)
        output.setScoresAndPredictions(scores)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.reductions", name: "Reductions", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "grid-search", name: "Grid search (Agarwal et al. 2018, as Fairlearn)", version: "1.0.0",
            description: "Trains the host's learner at a grid of Lagrange multipliers and keeps the best trade-off of error and constraint violation.",
            stage: .inProcessing, needs: [.labels, .baseLearner], parameters: GridSearch.parameters,
            make: { host, parameters in GridSearch(host: host, parameters: parameters) }),
        MethodDefinition(
            id: "exponentiated-gradient", name: "Exponentiated gradient (Agarwal et al. 2018, as Fairlearn)", version: "1.0.0",
            description: "A randomised classifier over the host learner's best responses to Lagrange multipliers, updated by exponentiated gradient.",
            stage: .inProcessing, needs: [.labels, .baseLearner], parameters: ExponentiatedGradient.parameters,
            make: { host, parameters in ExponentiatedGradient(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
