import Glibc

/// The metrics between groups, each defined once, as pure functions of per-group confusion counts.
///
/// AIF360-style differences compare the pooled unprivileged groups with the pooled privileged groups:
/// `f(unprivileged) − f(privileged)` and `f(unprivileged) / f(privileged)`. With a binary attribute that is
/// exactly AIF360's definition; with more groups or intersections it is AIF360 with `privileged_groups` set
/// to every privileged group. Fairlearn-style "between groups" metrics take max − min (or min / max) over
/// every group present in the evaluated rows (a group with no rows there is absent, as in Fairlearn).
struct GroupMetrics {
    let perGroup: [ConfusionCounts]
    let privileged: [Bool]

    var privilegedCounts: ConfusionCounts { pooled(true) }
    var unprivilegedCounts: ConfusionCounts { pooled(false) }
    var overall: ConfusionCounts { perGroup.reduce(ConfusionCounts(), +) }
    /// The groups with rows in the evaluated data.
    var presentGroups: [ConfusionCounts] { perGroup.filter { $0.total > 0 } }

    private func pooled(_ isPrivileged: Bool) -> ConfusionCounts {
        zip(perGroup, privileged).filter { $0.1 == isPrivileged }.map(\.0).reduce(ConfusionCounts(), +)
    }

    /// AIF360 `statistical_parity_difference`: SR(unprivileged) − SR(privileged).
    var statisticalParityDifference: Double { unprivilegedCounts.selectionRate - privilegedCounts.selectionRate }
    /// AIF360 `disparate_impact`: SR(unprivileged) / SR(privileged).
    var disparateImpact: Double { ratio(unprivilegedCounts.selectionRate, privilegedCounts.selectionRate) }
    /// AIF360 `equal_opportunity_difference`: TPR(unprivileged) − TPR(privileged).
    var equalOpportunityDifference: Double { unprivilegedCounts.truePositiveRate - privilegedCounts.truePositiveRate }
    /// AIF360 `average_odds_difference`: ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)].
    var averageOddsDifference: Double {
        let u = unprivilegedCounts, p = privilegedCounts
        return ((u.falsePositiveRate - p.falsePositiveRate) + (u.truePositiveRate - p.truePositiveRate)) / 2
    }
    /// Fairlearn `equalized_odds_difference` (agg="worst_case"): the larger of the TPR and FPR spreads
    /// (max − min over the groups present). Inside these spreads a group's undefined rate (TPR of a group
    /// without positive labels, FPR of one without negatives) counts as 0, as Fairlearn's rates do (scikit-learn's
    /// `confusion_matrix(normalize="true")` turns 0/0 into 0); the per-group rates reported stay NaN.
    var equalizedOddsDifference: Double {
        let groups = presentGroups
        return largest(
            spread(groups.map { ratioOrZero($0.truePositives, $0.labelPositives) }),
            spread(groups.map { ratioOrZero($0.falsePositives, $0.labelNegatives) }))
    }
    /// Fairlearn `demographic_parity_difference`: max − min selection rate over groups.
    var demographicParityDifference: Double { spread(presentGroups.map(\.selectionRate)) }
    /// Fairlearn `demographic_parity_ratio`: min / max selection rate over groups.
    var demographicParityRatio: Double {
        let rates = presentGroups.map(\.selectionRate)
        return rates.isEmpty || rates.contains(where: \.isNaN) ? .nan : ratio(rates.min()!, rates.max()!)
    }
    /// AIF360 `theil_index` over every row (unweighted counts): bᵢ = ŷᵢ − yᵢ + 1, so b = 0 for false negatives,
    /// 2 for false positives and 1 otherwise; Theil = (1/n) Σ (bᵢ/μ) ln(bᵢ/μ) with 0·ln 0 = 0.
    static func theilIndex(correct: Double, falsePositives: Double, falseNegatives: Double) -> Double {
        let n = correct + falsePositives + falseNegatives
        guard n > 0 else { return .nan }
        let mu = (correct + 2 * falsePositives) / n
        guard mu > 0 else { return .nan }
        var sum = 0.0
        if correct > 0 { sum += correct * (1 / mu) * log(1 / mu) }
        if falsePositives > 0 { sum += falsePositives * (2 / mu) * log(2 / mu) }
        return sum / n
    }

    /// max − min, NaN if there is no value or any value is NaN.
    private func spread(_ values: [Double]) -> Double {
        values.isEmpty || values.contains(where: \.isNaN) ? .nan : values.max()! - values.min()!
    }

    /// The larger of two values, NaN if either is NaN (Swift's `max` would return whichever argument the NaN
    /// comparison happens to favour, silently dropping an undefined term).
    private func largest(_ a: Double, _ b: Double) -> Double {
        a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
    }

    /// `numerator / denominator`, 0 when the denominator is 0: Fairlearn's value for an undefined rate.
    private func ratioOrZero(_ numerator: Double, _ denominator: Double) -> Double {
        denominator == 0 ? 0 : numerator / denominator
    }
}
