/// The Lagrangian game of Fairlearn's exponentiated gradient (its `_Lagrangian`) on the training rows: hypotheses
/// found by the learner as best responses to multipliers λ, the Lagrangian of a distribution over them, its
/// duality gap, and the linear-program step; for any `ReductionMoment` and `ReductionLearner`.
public final class LagrangianOracle<Moment: ReductionMoment, Learner: ReductionLearner> {
    /// One best response.
    public struct Hypothesis {
        /// The learner's model.
        public let model: Learner.Model
        /// Predictions on the training rows.
        public let predictions: [Double]
        /// The moment's objective of those predictions.
        public let error: Double
        /// The moment's constraint values of those predictions.
        public let gamma: [Double]
    }

    /// The constraint the game is played for.
    public let moment: Moment
    /// B: the multipliers' total, 1/eps.
    public let bound: Double
    private let learner: Learner
    /// The best responses kept, in the order they were found.
    public private(set) var hypotheses: [Hypothesis] = []
    /// Learner fits so far, as Fairlearn's `n_oracle_calls_`.
    public private(set) var calls = 0
    /// The linear-program step's result for a number of hypotheses (Fairlearn solves it again only when it grew).
    private var linearProgramResult: (hypotheses: Int, distribution: [Int: Double], gap: Double)?

    /// A game for `moment` whose best responses `learner` gives, with multipliers summing to at most `bound`.
    public init(moment: Moment, learner: Learner, bound: Double) {
        self.moment = moment
        self.learner = learner
        self.bound = bound
    }

    /// Trains the learner on the Lagrangian's problem at λ, its weights scaled to sum to n as Fairlearn's.
    private func fit(_ lambda: [Double]) throws -> Hypothesis {
        calls += 1
        let signed = moment.signedWeights(lambda)
        let (model, predictions) = try learner.fit(signedWeights: signed, scale: Double(signed.count) / signed.reduce(0) { $0 + abs($1) })
        return Hypothesis(model: model, predictions: predictions, error: moment.error(predictions), gamma: moment.gamma(predictions))
    }

    private func value(_ hypothesis: Hypothesis, _ lambda: [Double]) -> Double {
        zip(hypothesis.gamma, lambda).reduce(hypothesis.error) { $0 + $1.0 * $1.1 }
    }

    /// The learner's best response to λ: a new hypothesis if it beats every stored one by more than 10⁻⁸ (then
    /// stored), else the first best stored one. Returns its index.
    public func bestResponse(_ lambda: [Double]) throws -> Int {
        let candidate = try fit(lambda)
        let values = hypotheses.map { value($0, lambda) }
        let best = values.indices.min { values[$0] < values[$1] }
        if let best, !(value(candidate, lambda) < values[best] - 1e-8) {
            learner.release(candidate.model)
            return best
        }
        hypotheses.append(candidate)
        return hypotheses.count - 1
    }

    /// The Lagrangian L of a distribution over hypotheses at projected λ, and its best-response value L_high
    /// (all of B on the most violated constraint).
    private func lagrangian(_ distribution: [Int: Double], _ lambda: [Double]) -> (value: Double, high: Double) {
        var error = 0.0, gamma = [Double](repeating: 0, count: moment.constraintCount)
        for (index, weight) in distribution {
            error += weight * hypotheses[index].error
            for j in gamma.indices { gamma[j] += weight * hypotheses[index].gamma[j] }
        }
        let violations = zip(gamma, moment.bounds).map { $0 - $1 }
        let value = zip(moment.project(lambda), violations).reduce(error) { $0 + $1.0 * $1.1 }
        let worst = violations.max() ?? 0
        return (value, worst > 0 ? error + bound * worst : error)
    }

    /// The duality gap of (Q, λ): max(L − L_low, L_high − L), L_low from best responses to 1, 2, 5 and 10 × λ.
    public func gap(_ distribution: [Int: Double], _ lambda: [Double], nu: Double) throws -> Double {
        let (value, high) = lagrangian(distribution, lambda)
        var low = value
        for multiple in [1.0, 2, 5, 10] {
            let response = try bestResponse(lambda.map { $0 * multiple })
            low = min(low, lagrangian([response: 1], lambda).value)
            if max(value - low, high - value) > nu + 1e-8 { break }
        }
        return max(value - low, high - value)
    }

    /// The best distribution over the stored hypotheses (min Σ Q_h error_h + B z, (γ − bound)·Q ≤ z, Σ Q = 1),
    /// its multipliers from the dual program, and their gap.
    public func linearProgramStep(nu: Double) throws -> (distribution: [Int: Double], gap: Double) {
        if let cached = linearProgramResult, cached.hypotheses == hypotheses.count { return (cached.distribution, cached.gap) }
        let count = hypotheses.count, constraints = moment.constraintCount, bounds = moment.bounds
        var primal = LinearProgram(variables: count + 1)
        for h in 0..<count { primal.cost[h] = hypotheses[h].error }
        primal.cost[count] = bound
        for j in 0..<constraints {
            primal.addInequality((0..<count).map { ($0, hypotheses[$0].gamma[j] - bounds[j]) } + [(count, -1)], atMost: 0)
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
}
