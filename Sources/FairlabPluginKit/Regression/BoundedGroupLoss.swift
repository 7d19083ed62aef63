/// Fairlearn's `BoundedGroupLoss` moment with the square loss (Agarwal, Dudík & Wu 2019), on the training rows:
/// one constraint per group present, γ_g = the group's mean squared error (y − h(x))², bounded by `upperBound`;
/// the objective is the overall mean squared error (Fairlearn's `MeanLoss`). At multipliers λ the learner fits
/// the rows' own labels with weights 1 + λ_g · n / n_g, so a group whose loss is over its bound weighs more.
/// Losses are not clipped (Fairlearn's `SquareLoss(-inf, inf)`).
public struct BoundedGroupLoss: ReductionMoment {
    /// The training labels.
    public let labels: [Double]
    /// Per row, the index of its group among the groups present (in group-code order, as Fairlearn sorts them).
    public let memberships: [Int]
    /// The group codes present, ascending: constraint g is group `presentGroups[g]`'s.
    public let presentGroups: [Int32]
    /// The largest mean squared error each group may have.
    public let upperBound: Double
    private let counts: [Double]

    /// The moment for `labels`, rows grouped by `codes`, every group bounded by `upperBound`.
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

    /// One constraint per group present.
    public var constraintCount: Int { presentGroups.count }
    /// `upperBound` for every group.
    public var bounds: [Double] { [Double](repeating: upperBound, count: constraintCount) }

    /// 1 + λ_g · n / n_g for a row of group g (Fairlearn's objective weight 1 plus its constraint weight).
    public func signedWeights(_ lambda: [Double]) -> [Double] {
        let n = Double(labels.count)
        return memberships.map { 1 + lambda[$0] * n / counts[$0] }
    }

    /// Each group's mean squared error.
    public func gamma(_ predictions: [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: constraintCount)
        for i in labels.indices { sums[memberships[i]] += (labels[i] - predictions[i]) * (labels[i] - predictions[i]) }
        return zip(sums, counts).map { $0 / $1 }
    }

    /// The overall mean squared error.
    public func error(_ predictions: [Double]) -> Double {
        zip(labels, predictions).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(labels.count)
    }

    /// λ as it is: the bounds are one-sided, nothing to project.
    public func project(_ lambda: [Double]) -> [Double] { lambda }

    /// |h(x) − y| per row.
    public func deviations(_ predictions: [Double]) -> [Double] { zip(predictions, labels).map { abs($0 - $1) } }
}
