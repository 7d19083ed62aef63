import FairlabPluginKit

/// Fairlearn's utility-parity moments on the training rows (`DemographicParity`, `EqualizedOdds`,
/// `TruePositiveRateParity`, `FalsePositiveRateParity`, `ErrorRateParity`): the events (one, "all", for demographic parity; the
/// label for equalized odds; label 1 only, or label 0 only, for the rate parities, whose other rows take no part
/// in the constraints), the utility whose parity is asked (the prediction h, or for error-rate parity the error
/// |h − y|), the groups, both in order of first appearance as Fairlearn orders them, their shares, and for a classifier h the cost-sensitive weights of a
/// Lagrangian and the constraint values γ(e, g) = E[h | e, g] − E[h | e]. The reductions (`GridSearch`,
/// `ExponentiatedGradient`) drive it; the math lives here.
struct ParityMoment {
    enum Kind: String, CaseIterable {
        case demographicParity = "demographic_parity", equalizedOdds = "equalized_odds"
        case truePositiveRateParity = "true_positive_rate_parity", falsePositiveRateParity = "false_positive_rate_parity"
        case errorRateParity = "error_rate_parity"

        /// A row's event; −1 for a row outside every event.
        func event(label: Double) -> Int {
            switch self {
            case .demographicParity, .errorRateParity: 0
            case .equalizedOdds: Int(label)
            case .truePositiveRateParity: label == 1 ? 1 : -1
            case .falsePositiveRateParity: label == 0 ? 0 : -1
            }
        }
    }

    /// One (event, group) pair; the constraints are ± each.
    struct Cell: Hashable { let event: Int, group: Int32 }

    let labels: [Double]
    let codes: [Int32]
    /// Each row's event (−1: none).
    let events: [Int]
    /// Each row's utility of predicting 1 minus that of predicting 0 (the utility of 0 being `utilityOfZero`):
    /// 1 and 0 for the rate parities, 1 − 2y and y for error-rate parity (Fairlearn's utilities [y, 1 − y]).
    private let utilityDifference: [Double]
    private let utilityOfZero: [Double]
    /// Every (event, group) pair, events outer, in order of first appearance.
    let cells: [Cell]
    /// The cells of every group but the last: Fairlearn's basis for its grid.
    let basis: [Cell]
    private let eventShares: [Int: Double]
    private let cellShares: [Cell: Double]

    init(_ kind: Kind, labels: [Double], codes: [Int32], groupNames: [String]) throws {
        self.labels = labels
        self.codes = codes
        events = labels.map { kind.event(label: $0) }
        utilityDifference = kind == .errorRateParity ? labels.map { 1 - 2 * $0 } : [Double](repeating: 1, count: labels.count)
        utilityOfZero = kind == .errorRateParity ? labels : [Double](repeating: 0, count: labels.count)
        let eventOrder = Self.firstAppearance(events.filter { $0 >= 0 }), groupOrder = Self.firstAppearance(codes)
        guard groupOrder.count >= 2 else { throw PluginError.invalidInput("a reduction needs training rows of at least two groups") }
        var eventCounts: [Int: Double] = [:], cellCounts: [Cell: Double] = [:]
        for i in labels.indices where events[i] >= 0 {
            eventCounts[events[i], default: 0] += 1
            cellCounts[Cell(event: events[i], group: codes[i]), default: 0] += 1
        }
        cells = eventOrder.flatMap { e in groupOrder.map { Cell(event: e, group: $0) } }
        if let missing = cells.first(where: { cellCounts[$0] == nil }) {
            throw PluginError.invalidInput(
                "\(kind.rawValue) needs \(kind == .equalizedOdds ? "both labels" : missing.event == 1 ? "favourable rows" : "unfavourable rows") in every group; group \(groupNames[Int(missing.group)]) has no \(missing.event == 1 ? "favourable" : "unfavourable") training rows")
        }
        basis = eventOrder.flatMap { e in groupOrder.dropLast().map { Cell(event: e, group: $0) } }
        let n = Double(labels.count)
        eventShares = eventCounts.mapValues { $0 / n }
        cellShares = cellCounts.mapValues { $0 / n }
    }

    /// Items in order of first appearance.
    private static func firstAppearance<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Per row, the weight of predicting 1 in the Lagrangian error + Σ multiplier(e, g) · γ(e, g) (a multiplier
    /// being λ⁺ − λ⁻): w = (2y − 1) + u · Σ multiplier (1[e]/P(e) − 1[e, g]/P(e, g)), u the row's utility
    /// difference, with no 1/n, as Fairlearn's.
    func signedWeights(_ multipliers: [Cell: Double]) -> [Double] {
        var weights = labels.map { 2 * $0 - 1 }
        for (cell, multiplier) in multipliers where multiplier != 0 {
            let eventTerm = 1 / eventShares[cell.event]!, cellTerm = 1 / cellShares[cell]!
            for i in weights.indices where events[i] == cell.event {
                weights[i] += utilityDifference[i] * multiplier * (eventTerm - (codes[i] == cell.group ? cellTerm : 0))
            }
        }
        return weights
    }

    /// γ(e, g) = E[u | e, g] − E[u | e] of the utility of predictions (0/1) for every cell, in `cells` order.
    func gamma(_ predictions: [Double]) -> [Double] {
        var eventSums: [Int: Double] = [:], cellSums: [Cell: Double] = [:]
        for i in predictions.indices where events[i] >= 0 {
            let utility = utilityDifference[i] * predictions[i] + utilityOfZero[i]
            eventSums[events[i], default: 0] += utility
            cellSums[Cell(event: events[i], group: codes[i]), default: 0] += utility
        }
        let n = Double(labels.count)
        return cells.map { cell in cellSums[cell, default: 0] / n / cellShares[cell]! - eventSums[cell.event, default: 0] / n / eventShares[cell.event]! }
    }

    /// P(g | e) of a cell.
    func conditionalShare(_ cell: Cell) -> Double { cellShares[cell]! / eventShares[cell.event]! }

    /// The error rate of predictions: mean |y − h|.
    func error(_ predictions: [Double]) -> Double {
        zip(labels, predictions).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(labels.count)
    }
}
