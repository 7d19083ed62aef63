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
    enum Constraint: String, CaseIterable { case demographicParity = "demographic_parity", equalizedOdds = "equalized_odds" }

    static let parameters = [
        Parameter("constraint", .choice(Constraint.allCases.map(\.rawValue)), default: "demographic_parity", description: "the fairness constraint"),
        Parameter("grid_size", .integer(minimum: 1, maximum: 1_000), default: "10", description: "number of Lagrange multiplier vectors (one learner fit each)"),
        Parameter("grid_limit", .real(minimum: 0, maximum: .infinity), default: "2", description: "largest multiplier (L1 norm)"),
        Parameter("constraint_weight", .real(minimum: 0, maximum: 1), default: "0.5", description: "weight of the constraint violation against the error when choosing"),
    ]

    /// The chosen model: the host's, or a constant prediction.
    enum Model { case learned(fl_model), constant(Double) }

    private let host: HostServices
    private let constraint: Constraint
    private let gridSize: Int, gridLimit: Double, constraintWeight: Double
    private var chosen: Model?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        constraint = Constraint(rawValue: parameters.text("constraint"))!
        gridSize = Int(parameters.number("grid_size"))
        gridLimit = parameters.number("grid_limit")
        constraintWeight = parameters.number("constraint_weight")
    }

    /// Items in order of first appearance.
    private static func firstAppearance<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = Array(try train.requireLabels()), codes = Array(try train.requireGroupCodes())
        let n = train.rows
        let events = constraint == .demographicParity ? [Int](repeating: 0, count: n) : labels.map { Int($0) }
        let eventOrder = Self.firstAppearance(events), groupOrder = Self.firstAppearance(codes)
        guard groupOrder.count >= 2 else { throw PluginError.invalidInput("grid search needs training rows of at least two groups") }
        var eventCounts: [Int: Double] = [:], cellCounts: [[Int32]: Double] = [:]
        for i in 0..<n {
            eventCounts[events[i], default: 0] += 1
            cellCounts[[Int32(events[i]), codes[i]], default: 0] += 1
        }
        let basis = eventOrder.flatMap { e in groupOrder.dropLast().map { (event: e, group: $0) } }
        if constraint == .equalizedOdds, let missing = eventOrder.lazy.flatMap({ e in groupOrder.lazy.map { [Int32(e), $0] } }).first(where: { cellCounts[$0] == nil }) {
            throw PluginError.invalidInput(
                "equalized_odds needs both labels in every group; group \(train.groups.names[Int(missing[1])]) has no \(missing[0] == 1 ? "favourable" : "unfavourable") training rows")
        }
        let grid = LagrangeGrid(dimensions: basis.count, size: gridSize, limit: gridLimit)

        var best: (loss: Double, model: Model, index: Int)?
        for (index, multipliers) in grid.points.enumerated() {
            var weights = labels.map { 2 * $0 - 1 }
            for (b, direction) in basis.enumerated() where multipliers[b] != 0 {
                let eventShare = eventCounts[direction.event]! / Double(n), cellShare = cellCounts[[Int32(direction.event), direction.group]]! / Double(n)
                for i in 0..<n where events[i] == direction.event {
                    weights[i] += multipliers[b] * (1 / eventShare - (codes[i] == direction.group ? 1 / cellShare : 0))
                }
            }
            let relabelled = weights.map { $0 > 0 ? 1.0 : 0.0 }
            let model: Model, predictions: [Double]
            if Set(relabelled).count == 1 {
                model = .constant(relabelled[0])
                predictions = relabelled
            } else {
                let handle = try host.fitBaseLearner(features: train.matrix, labels: relabelled, weights: weights.map(abs))
                model = .learned(handle)
                predictions = try host.baseLearnerScores(handle, features: train.matrix).map { $0 > 0.5 ? 1 : 0 }
            }
            let error = zip(labels, predictions).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(n)
            let violation = disparity(predictions, events: events, codes: codes)
            let loss = constraintWeight * violation + (1 - constraintWeight) * error
            host.log("grid point \(index) λ \(multipliers): error \(error), γ \(violation), loss \(loss)", level: FL_LOG_DEBUG)
            if best == nil || loss < best!.loss {
                if case .learned(let previous)? = best?.model { host.releaseBaseLearner(previous) }
                best = (loss, model, index)
            } else if case .learned(let handle) = model {
                host.releaseBaseLearner(handle)
            }
        }
        guard let best else { throw PluginError.invalidInput("the grid is empty") }
        chosen = best.model
        host.log("grid search chose point \(best.index) of \(grid.points.count) (loss \(best.loss))", level: FL_LOG_INFO)
    }

    /// The largest |E[h | e, g] − E[h | e]| over events and groups.
    private func disparity(_ predictions: [Double], events: [Int], codes: [Int32]) -> Double {
        var eventSums: [Int: (Double, Double)] = [:], cellSums: [[Int32]: (Double, Double)] = [:]
        for i in predictions.indices {
            eventSums[events[i], default: (0, 0)].0 += predictions[i]; eventSums[events[i], default: (0, 0)].1 += 1
            cellSums[[Int32(events[i]), codes[i]], default: (0, 0)].0 += predictions[i]; cellSums[[Int32(events[i]), codes[i]], default: (0, 0)].1 += 1
        }
        return cellSums.reduce(0) { worst, cell in
            let event = eventSums[Int(cell.key[0])]!
            return max(worst, abs(cell.value.0 / cell.value.1 - event.0 / event.1))
        }
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let chosen else { throw PluginError.invalidInput("predict before fit") }
        let scores: [Double]
        switch chosen {
        case .learned(let handle): scores = try host.baseLearnerScores(handle, features: data.matrix)
        case .constant(let label): scores = [Double](repeating: label, count: data.rows)
        }
        for i in 0..<data.rows { output.predictions[i] = scores[i] > 0.5 ? 1 : 0 }
        output.setScores(scores)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.grid-search", name: "Grid search", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "grid-search", name: "Grid search (Agarwal et al. 2018, as Fairlearn)", version: "1.0.0",
            description: "Trains the host's learner at a grid of Lagrange multipliers and keeps the best trade-off of error and constraint violation.",
            stage: .inProcessing, needs: [.labels, .baseLearner], parameters: GridSearch.parameters,
            make: { host, parameters in GridSearch(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
