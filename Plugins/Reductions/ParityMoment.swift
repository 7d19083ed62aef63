import FairlabPluginKit

/// Fairlearn's utility-parity moments on the training rows (`DemographicParity`, `EqualizedOdds`): the events
/// (one, "all", for demographic parity; the label for equalized odds), the groups, both in order of first
/// appearance as Fairlearn orders them, their shares, and for a classifier h the cost-sensitive weights of a
/// Lagrangian and the constraint values γ(e, g) = E[h | e, g] − E[h | e]. The reductions (`GridSearch`,
/// `ExponentiatedGradient`) drive it; the math lives here.
struct ParityMoment {
    enum Kind: String, CaseIterable { case demographicParity = "demographic_parity", equalizedOdds = "equalized_odds" }

    /// One (event, group) pair; the constraints are ± each.
    struct Cell: Hashable { let event: Int, group: Int32 }

    let labels: [Double]
    let codes: [Int32]
    /// Each row's event.
    let events: [Int]
    /// Every (event, group) pair, events outer, in order of first appearance.
    let cells: [Cell]
    /// The cells of every group but the last: Fairlearn's basis for its grid.
    let basis: [Cell]
    private let eventShares: [Int: Double]
    private let cellShares: [Cell: Double]

    init(_ kind: Kind, labels: [Double], codes: [Int32], groupNames: [String]) throws {
        self.labels = labels
        self.codes = codes
        events = kind == .demographicParity ? [Int](repeating: 0, count: labels.count) : labels.map { Int($0) }
        let eventOrder = Self.firstAppearance(events), groupOrder = Self.firstAppearance(codes)
        guard groupOrder.count >= 2 else { throw PluginError.invalidInput("a reduction needs training rows of at least two groups") }
        var eventCounts: [Int: Double] = [:], cellCounts: [Cell: Double] = [:]
        for i in labels.indices {
            eventCounts[events[i], default: 0] += 1
            cellCounts[Cell(event: events[i], group: codes[i]), default: 0] += 1
        }
        cells = eventOrder.flatMap { e in groupOrder.map { Cell(event: e, group: $0) } }
        if let missing = cells.first(where: { cellCounts[$0] == nil }) {
            throw PluginError.invalidInput(
                "equalized_odds needs both labels in every group; group \(groupNames[Int(missing.group)]) has no \(missing.event == 1 ? "favourable" : "unfavourable") training rows")
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
    /// being λ⁺ − λ⁻): w = (2y − 1) + Σ multiplier (1[e]/P(e) − 1[e, g]/P(e, g)), with no 1/n, as Fairlearn's.
    func signedWeights(_ multipliers: [Cell: Double]) -> [Double] {
        var weights = labels.map { 2 * $0 - 1 }
        for (cell, multiplier) in multipliers where multiplier != 0 {
            let eventTerm = 1 / eventShares[cell.event]!, cellTerm = 1 / cellShares[cell]!
            for i in weights.indices where events[i] == cell.event {
                weights[i] += multiplier * (eventTerm - (codes[i] == cell.group ? cellTerm : 0))
            }
        }
        return weights
    }

    /// γ(e, g) = E[h | e, g] − E[h | e] of predictions (0/1, or P(ŷ = 1)) for every cell, in `cells` order.
    func gamma(_ predictions: [Double]) -> [Double] {
        var eventSums: [Int: Double] = [:], cellSums: [Cell: Double] = [:]
        for i in predictions.indices {
            eventSums[events[i], default: 0] += predictions[i]
            cellSums[Cell(event: events[i], group: codes[i]), default: 0] += predictions[i]
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
