import CFairlabPlugin
import FairlabPluginKit

/// The Lagrangian game of Fairlearn's exponentiated gradient (its `_Lagrangian`) on the training rows:
/// hypotheses found by the host's learner as best responses to multipliers λ, the Lagrangian of a distribution
/// over them, its duality gap, and the linear-program step. λ and γ list every (event, group) cell's "+"
/// constraint, then every cell's "−" one; a hypothesis's γ⁺ = E[h | e, g] − E[h | e] and γ⁻ = −γ⁺.
final class LagrangianOracle {
    struct Hypothesis {
        let model: ReductionModel
        /// Hard predictions on the training rows.
        let predictions: [Double]
        let error: Double
        /// γ⁺ then γ⁻, one per cell each.
        let gamma: [Double]
    }

    let moment: ParityMoment
    let eps: Double, bound: Double
    private let features: UnsafePointer<fl_matrix>
    private let host: HostServices
    private(set) var hypotheses: [Hypothesis] = []
    /// Learner fits so far, as Fairlearn's `n_oracle_calls_`.
    private(set) var calls = 0
    /// The linear-program step's result for a number of hypotheses (Fairlearn solves it again only when it grew).
    private var linearProgramResult: (hypotheses: Int, distribution: [Int: Double], gap: Double)?

    init(moment: ParityMoment, features: UnsafePointer<fl_matrix>, host: HostServices, eps: Double, bound: Double) {
        self.moment = moment
        self.features = features
        self.host = host
        self.eps = eps
        self.bound = bound
    }

    private var cellCount: Int { moment.cells.count }

    /// Trains the learner on the Lagrangian's cost-sensitive problem at λ: labels 1[w > 0], weights n|w| / Σ|w|.
    private func fit(_ lambda: [Double]) throws -> Hypothesis {
        calls += 1
        let multipliers = Dictionary(uniqueKeysWithValues: moment.cells.enumerated().map { ($1, lambda[$0] - lambda[cellCount + $0]) })
        let signed = moment.signedWeights(multipliers)
        // Fairlearn scales the weights to sum to n.
        let (model, predictions) = try ReductionModel.fitting(
            signedWeights: signed, scale: Double(signed.count) / signed.reduce(0) { $0 + abs($1) }, features: features, host: host)
        let gamma = moment.gamma(predictions)
        return Hypothesis(model: model, predictions: predictions, error: moment.error(predictions), gamma: gamma + gamma.map { -$0 })
    }

    private func value(_ hypothesis: Hypothesis, _ lambda: [Double]) -> Double {
        zip(hypothesis.gamma, lambda).reduce(hypothesis.error) { $0 + $1.0 * $1.1 }
    }

    /// The learner's best response to λ: a new hypothesis if it beats every stored one by more than 10⁻⁸ (then
    /// stored), else the first best stored one. Returns its index.
    func bestResponse(_ lambda: [Double]) throws -> Int {
        let candidate = try fit(lambda)
        let values = hypotheses.map { value($0, lambda) }
        let best = values.indices.min { values[$0] < values[$1] }
        if let best, !(value(candidate, lambda) < values[best] - 1e-8) {
            candidate.model.release(host)
            return best
        }
        hypotheses.append(candidate)
        return hypotheses.count - 1
    }

    /// λ shifted, within each event, by the P(g | e)-weighted median of λ(e, g) / P(g | e): the same Lagrangian
    /// for every classifier, at the least L1 norm (Fairlearn's `project_lambda`).
    private func project(_ lambda: [Double]) -> [Double] {
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

    /// The Lagrangian L of a distribution over hypotheses at projected λ, and its best-response value L_high
    /// (all of B on the most violated constraint).
    private func lagrangian(_ distribution: [Int: Double], _ lambda: [Double]) -> (value: Double, high: Double) {
        var error = 0.0, gamma = [Double](repeating: 0, count: 2 * cellCount)
        for (index, weight) in distribution {
            error += weight * hypotheses[index].error
            for j in gamma.indices { gamma[j] += weight * hypotheses[index].gamma[j] }
        }
        let projected = project(lambda)
        let value = zip(projected, gamma).reduce(error) { $0 + $1.0 * ($1.1 - eps) }
        let worst = gamma.map { $0 - eps }.max() ?? 0
        return (value, worst > 0 ? error + bound * worst : error)
    }

    /// The duality gap of (Q, λ): max(L − L_low, L_high − L), L_low from best responses to 1, 2, 5 and 10 × λ.
    func gap(_ distribution: [Int: Double], _ lambda: [Double], nu: Double) throws -> Double {
        let (value, high) = lagrangian(distribution, lambda)
        var low = value
        for multiple in [1.0, 2, 5, 10] {
            let response = try bestResponse(lambda.map { $0 * multiple })
            low = min(low, lagrangian([response: 1], lambda).value)
            if max(value - low, high - value) > nu + 1e-8 { break }
        }
        return max(value - low, high - value)
    }

    /// The best distribution over the stored hypotheses (min Σ Q_h error_h + B z, (γ − eps)·Q ≤ z, Σ Q = 1), its
    /// multipliers from the dual program, and their gap.
    func linearProgramStep(nu: Double) throws -> (distribution: [Int: Double], gap: Double) {
        if let cached = linearProgramResult, cached.hypotheses == hypotheses.count { return (cached.distribution, cached.gap) }
        let count = hypotheses.count, constraints = 2 * cellCount
        var primal = LinearProgram(variables: count + 1)
        for h in 0..<count { primal.cost[h] = hypotheses[h].error }
        primal.cost[count] = bound
        for j in 0..<constraints {
            primal.addInequality((0..<count).map { ($0, hypotheses[$0].gamma[j] - eps) } + [(count, -1)], atMost: 0)
        }
        primal.addEquality((0..<count).map { ($0, 1) }, equals: 1)
        let solution = try primal.solve()
        let distribution = Dictionary(uniqueKeysWithValues: solution.values.prefix(count).enumerated().map { ($0, max($1, 0)) })
        // λ is the program's dual (max μ − Σ … over λ ≥ 0, Σ λ ≤ B), read off the interior point's multipliers
        // rather than solved as a second program: its free μ, split as μ⁺ − μ⁻, drove both halves to infinity
        // together on COMPAS's 12 groups. An interior point ends at the centre of the optimal faces of both.
        let lambda = solution.multipliers.prefix(constraints).map { max(-$0, 0) }
        let gap = try self.gap(distribution, lambda, nu: nu)
        linearProgramResult = (count, distribution, gap)
        return (distribution, gap)
    }

    /// Hard predictions of hypothesis `index` on `features`.
    func predictions(of index: Int, on features: UnsafePointer<fl_matrix>) throws -> [Double] {
        try hypotheses[index].model.predictions(on: features, host: host)
    }
}
