import FairlabPluginKit

/// A parity moment as the exponentiated-gradient driver sees it: every (event, group) cell's "+" constraint,
/// then every cell's "−" one, each bounded by eps; a hypothesis's γ⁺ = E[h | e, g] − E[h | e] and γ⁻ = −γ⁺.
struct ParityConstraints: ReductionMoment {
    let moment: ParityMoment
    let eps: Double

    var constraintCount: Int { 2 * moment.cells.count }
    var bounds: [Double] { [Double](repeating: eps, count: constraintCount) }

    func signedWeights(_ lambda: [Double]) -> [Double] {
        let cells = moment.cells.count
        return moment.signedWeights(Dictionary(uniqueKeysWithValues: moment.cells.enumerated().map { ($1, lambda[$0] - lambda[cells + $0]) }))
    }

    func gamma(_ predictions: [Double]) -> [Double] {
        let gamma = moment.gamma(predictions)
        return gamma + gamma.map { -$0 }
    }

    func error(_ predictions: [Double]) -> Double { moment.error(predictions) }

    func deviations(_ predictions: [Double]) -> [Double] { zip(predictions, moment.labels).map { abs($0 - $1) } }

    /// λ shifted, within each event, by the P(g | e)-weighted median of λ(e, g) / P(g | e): the same Lagrangian
    /// for every classifier, at the least L1 norm (Fairlearn's `project_lambda`).
    func project(_ lambda: [Double]) -> [Double] {
        let cellCount = moment.cells.count
        var signed = (0..<cellCount).map { lambda[$0] - lambda[cellCount + $0] }
        for event in Set(moment.cells.map(\.event)) {
            // The cells of the event by group code, the order of Fairlearn's sorted index.
            let members = moment.cells.indices.filter { moment.cells[$0].event == event }.sorted { moment.cells[$0].group < moment.cells[$1].group }
            let shares = members.map { moment.conditionalShare(moment.cells[$0]) }
            let normalised = zip(members, shares).map { signed[$0] / $1 }
            let order = normalised.indices.sorted { normalised[$0] < normalised[$1] || (normalised[$0] == normalised[$1] && $0 < $1) }
            let half = shares.reduce(0, +) / 2
            var cumulative = 0.0, position = order.count - 1
            for (rank, index) in order.enumerated() {
                cumulative += shares[index]
                if cumulative >= half { position = rank; break }
            }
            let shift = normalised[order[position]]
            for (k, member) in members.enumerated() { signed[member] -= shares[k] * shift }
        }
        return signed.map { max($0, 0) } + signed.map { max(-$0, 0) }
    }
}
