/// Weighted confusion counts of one group (or of everyone): the sums of instance weights of true positives,
/// false positives, true negatives and false negatives. Every metric this plugin reports is a small pure
/// function of these counts, defined once below.
///
/// Zero denominators: a rate whose denominator is 0 (TPR of a group with no positive labels, PPV with no
/// positive predictions, the ratio of two zero selection rates) is NaN. This is the one rule, for every
/// metric; AIF360 returns 0 for some of these cells and NaN for others (docs/metrics.md).
struct ConfusionCounts: Equatable {
    var truePositives = 0.0
    var falsePositives = 0.0
    var trueNegatives = 0.0
    var falseNegatives = 0.0

    static func + (a: ConfusionCounts, b: ConfusionCounts) -> ConfusionCounts {
        ConfusionCounts(
            truePositives: a.truePositives + b.truePositives, falsePositives: a.falsePositives + b.falsePositives,
            trueNegatives: a.trueNegatives + b.trueNegatives, falseNegatives: a.falseNegatives + b.falseNegatives)
    }

    /// Total weight (the number of rows when unweighted).
    var total: Double { truePositives + falsePositives + trueNegatives + falseNegatives }
    var labelPositives: Double { truePositives + falseNegatives }
    var labelNegatives: Double { trueNegatives + falsePositives }
    var predictedPositives: Double { truePositives + falsePositives }

    /// P(y = 1).
    var baseRate: Double { ratio(labelPositives, total) }
    /// P(ŷ = 1).
    var selectionRate: Double { ratio(predictedPositives, total) }
    /// P(ŷ = 1 | y = 1).
    var truePositiveRate: Double { ratio(truePositives, labelPositives) }
    /// P(ŷ = 1 | y = 0).
    var falsePositiveRate: Double { ratio(falsePositives, labelNegatives) }
    /// P(ŷ = 0 | y = 0).
    var trueNegativeRate: Double { ratio(trueNegatives, labelNegatives) }
    /// P(ŷ = 0 | y = 1).
    var falseNegativeRate: Double { ratio(falseNegatives, labelPositives) }
    /// P(y = 1 | ŷ = 1).
    var positivePredictiveValue: Double { ratio(truePositives, predictedPositives) }
    /// P(ŷ = y).
    var accuracy: Double { ratio(truePositives + trueNegatives, total) }
    /// Mean of TPR and TNR (scikit-learn's `balanced_accuracy_score` for two classes).
    var balancedAccuracy: Double { (truePositiveRate + trueNegativeRate) / 2 }
}

/// `numerator / denominator`, NaN when the denominator is 0.
func ratio(_ numerator: Double, _ denominator: Double) -> Double {
    denominator == 0 ? .nan : numerator / denominator
}
