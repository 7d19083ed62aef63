import CFairlabPlugin
import FairlabPluginKit

/// fairlab's built-in metric set, served through the same ABI as any user's metric plugin.
final class StandardMetrics: FairlabMethod {
    func evaluate(_ input: EvaluationInput, sink: MetricSink) throws {
        let groupCount = input.groups.count
        guard groupCount > 0 else { throw PluginError.invalidInput("no groups") }
        let (perGroup, unweighted) = tally(input, groupCount: groupCount)
        report(perGroup, unweighted: unweighted, privileged: input.groups.privileged, prefix: "", sink: sink)
        if let probabilities = input.probabilities {
            let (expected, expectedUnweighted) = expectedTally(input, probabilities: probabilities, groupCount: groupCount)
            report(expected, unweighted: expectedUnweighted, privileged: input.groups.privileged, prefix: "expected_", sink: sink)
        }
    }

    /// Every metric of these counts, named with `prefix`: "" for the drawn predictions, "expected_" for the
    /// expected counts of a randomised method.
    private func report(_ perGroup: [ConfusionCounts], unweighted: ConfusionCounts, privileged: [Bool], prefix: String, sink: MetricSink) {
        let metrics = GroupMetrics(perGroup: perGroup, privileged: privileged)
        let overall = metrics.overall
        func put(_ name: String, _ header: String, _ kind: MetricKind, ideal: Double, _ value: Double) {
            sink.report(prefix + name, displayName: prefix.isEmpty ? header : "\(header) (exp.)", kind: kind, ideal: ideal, value)
        }
        put("accuracy", "Accuracy", .score, ideal: 1, overall.accuracy)
        put("balanced_accuracy", "Bal. acc.", .score, ideal: 1, overall.balancedAccuracy)
        put("statistical_parity_difference", "Stat. parity diff.", .difference, ideal: 0, metrics.statisticalParityDifference)
        put("disparate_impact", "Disparate impact", .ratio, ideal: 1, metrics.disparateImpact)
        put("equal_opportunity_difference", "Equal opp. diff.", .difference, ideal: 0, metrics.equalOpportunityDifference)
        put("average_odds_difference", "Avg. odds diff.", .difference, ideal: 0, metrics.averageOddsDifference)
        put("equalized_odds_difference", "Eq. odds diff.", .difference, ideal: 0, metrics.equalizedOddsDifference)
        put("demographic_parity_difference", "Dem. parity diff.", .difference, ideal: 0, metrics.demographicParityDifference)
        put("demographic_parity_ratio", "Dem. parity ratio", .ratio, ideal: 1, metrics.demographicParityRatio)
        put("theil_index", "Theil index", .other, ideal: 0, GroupMetrics.theilIndex(
            correct: unweighted.truePositives + unweighted.trueNegatives,
            falsePositives: unweighted.falsePositives, falseNegatives: unweighted.falseNegatives))
        put("selection_rate", "Selection rate", .other, ideal: .nan, overall.selectionRate)

        for (group, counts) in perGroup.enumerated() {
            func put(_ name: String, _ value: Double) { sink.perGroup(prefix + name, group: group, value) }
            put("count", counts.total)
            put("base_rate", counts.baseRate)
            put("selection_rate", counts.selectionRate)
            put("true_positive_rate", counts.truePositiveRate)
            put("false_positive_rate", counts.falsePositiveRate)
            put("true_negative_rate", counts.trueNegativeRate)
            put("false_negative_rate", counts.falseNegativeRate)
            put("positive_predictive_value", counts.positivePredictiveValue)
            put("accuracy", counts.accuracy)
        }
    }

    /// Expected confusion counts when row i is predicted favourable with probability pᵢ: it adds pᵢ (times its
    /// weight) to the predicted-positive cell of its label and 1 − pᵢ to the predicted-negative one. Every rate
    /// of these counts is the expected count ratio; the Theil index of the expected counts is a plug-in value.
    private func expectedTally(
        _ input: EvaluationInput, probabilities: UnsafeBufferPointer<Double>, groupCount: Int
    ) -> ([ConfusionCounts], ConfusionCounts) {
        var perGroup = [ConfusionCounts](repeating: ConfusionCounts(), count: groupCount)
        var unweighted = ConfusionCounts()
        for i in 0..<input.rows {
            let p = probabilities[i], w = input.weights?[i] ?? 1
            let group = Int(input.groupCodes[i])
            if input.labels[i] == 1 {
                perGroup[group].truePositives += w * p
                perGroup[group].falseNegatives += w * (1 - p)
                unweighted.truePositives += p
                unweighted.falseNegatives += 1 - p
            } else {
                perGroup[group].falsePositives += w * p
                perGroup[group].trueNegatives += w * (1 - p)
                unweighted.falsePositives += p
                unweighted.trueNegatives += 1 - p
            }
        }
        return (perGroup, unweighted)
    }

    /// One pass over the rows: weighted per-group counts, and unweighted overall counts for the Theil index
    /// (AIF360 ignores weights there). Labels and predictions are 0/1 by the ABI's contract.
    private func tally(_ input: EvaluationInput, groupCount: Int) -> ([ConfusionCounts], ConfusionCounts) {
        // cells[g * 4 + y * 2 + ŷ]
        var cells = [Double](repeating: 0, count: groupCount * 4)
        var unweightedCells = [Int](repeating: 0, count: 4)
        let y = input.labels.baseAddress!, yHat = input.predictions.baseAddress!, g = input.groupCodes.baseAddress!
        cells.withUnsafeMutableBufferPointer { cells in
            unweightedCells.withUnsafeMutableBufferPointer { plain in
                if let weights = input.weights?.baseAddress {
                    for i in 0..<input.rows {
                        let cell = Int(y[i]) &* 2 &+ Int(yHat[i])
                        cells[Int(g[i]) &* 4 &+ cell] += weights[i]
                        plain[cell] &+= 1
                    }
                } else {
                    // Integer counts per cell, converted once: the hot loop does no floating-point adds. Four
                    // interleaved tables, one per row modulo 4, so that consecutive rows of the same cell do not
                    // wait on each other's increments (this runs for every bootstrap resample of every method).
                    let size = groupCount * 4
                    var counts = [Int](repeating: 0, count: size * 4)
                    counts.withUnsafeMutableBufferPointer { counts in
                        let rows = input.rows
                        var i = 0
                        while i + 4 <= rows {
                            counts[Int(g[i]) &* 4 &+ Int(y[i]) &* 2 &+ Int(yHat[i])] &+= 1
                            counts[size &+ Int(g[i + 1]) &* 4 &+ Int(y[i + 1]) &* 2 &+ Int(yHat[i + 1])] &+= 1
                            counts[2 &* size &+ Int(g[i + 2]) &* 4 &+ Int(y[i + 2]) &* 2 &+ Int(yHat[i + 2])] &+= 1
                            counts[3 &* size &+ Int(g[i + 3]) &* 4 &+ Int(y[i + 3]) &* 2 &+ Int(yHat[i + 3])] &+= 1
                            i += 4
                        }
                        while i < rows {
                            counts[Int(g[i]) &* 4 &+ Int(y[i]) &* 2 &+ Int(yHat[i])] &+= 1
                            i += 1
                        }
                        for index in 0..<size {
                            let total = counts[index] &+ counts[size &+ index] &+ counts[2 &* size &+ index] &+ counts[3 &* size &+ index]
                            cells[index] = Double(total)
                            plain[index % 4] &+= total
                        }
                    }
                }
            }
        }
        func counts(_ base: (Int) -> Double) -> ConfusionCounts {
            ConfusionCounts(truePositives: base(3), falsePositives: base(1), trueNegatives: base(0), falseNegatives: base(2))
        }
        let perGroup = (0..<groupCount).map { group in counts { cells[group * 4 + $0] } }
        return (perGroup, counts { Double(unweightedCells[$0]) })
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.standard-metrics", name: "fairlab standard metrics", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "standard-metrics", name: "Standard fairness metrics (AIF360 / Fairlearn definitions)",
            version: "1.0.0",
            description: "Accuracy, per-group rates, AIF360 group differences and ratios, Fairlearn equalized odds, Theil index; for randomised predictions also their expected values (expected_<name>).",
            stage: .metric, needs: [], make: { _, _ in StandardMetrics() }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
