/// Fairlearn's `BoundedGroupLoss` moment with the square loss (Agarwal, Dudík & Wu 2019), on the training rows:
/// one constraint per group present, γ_g = the group's mean squared error (y − h(x))², bounded by `upperBound`;
/// the objective is the overall mean squared error (Fairlearn's `MeanLoss`). At multipliers λ the learner fits
/// the rows' own labels with weights 1 + λ_g · n / n_g, so a group whose loss is over its bound weighs more.
/// Losses are not clipped (Fairlearn's `SquareLoss(-inf, inf)`).
public struct BoundedGroupLoss: ReductionMoment {
    public let labels: [Double]
    /// Per row, the index of its group among the groups present (in group-code order, as Fairlearn sorts them).
    public let memberships: [Int]
    /// The group codes present, ascending: constraint g is group `presentGroups[g]`'s.
    public let presentGroups: [Int32]
    public let upperBound: Double
    private let counts: [Double]

    public init(labels: [Double], codes: [Int32], upperBound: Double) {
        self.labels = labels
        self.upperBound = upperBound
        presentGroups = Array(Set(codes)).sorted()
        let position = Dictionary(uniqueKeysWithValues: presentGroups.enumerated().map { ($1, $0) })
        memberships = codes.map { position[$0]! }
        var counts = [Double](repeating: 0, count: presentGroups.count)
        for g in memberships { counts[g] += 1 }
        self.counts = counts
    }

    public var constraintCount: Int { presentGroups.count }
    public var bounds: [Double] { [Double](repeating: upperBound, count: constraintCount) }

    public func signedWeights(_ lambda: [Double]) -> [Double] {
        let n = Double(labels.count)
        return memberships.map { 1 + lambda[$0] * n / counts[$0] }
    }

    public func gamma(_ predictions: [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: constraintCount)
        for i in labels.indices { sums[memberships[i]] += (labels[i] - predictions[i]) * (labels[i] - predictions[i]) }
        return zip(sums, counts).map { $0 / $1 }
    }

    public func error(_ predictions: [Double]) -> Double {
        zip(labels, predictions).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(labels.count)
    }

    public func project(_ lambda: [Double]) -> [Double] { lambda }

    public func deviations(_ predictions: [Double]) -> [Double] { zip(predictions, labels).map { abs($0 - $1) } }
}
