import CFairlabPlugin
import FairlabPluginKit

/// fairlab's built-in metric set, served through the same ABI as any user's metric plugin.
final class StandardMetrics: FairlabMethod {
    func evaluate(_ input: EvaluationInput, sink: MetricSink) throws {
        let groupCount = input.groups.count
        guard groupCount > 0 else { throw PluginError.invalidInput("no groups") }
        let (perGroup, unweighted) = tally(input, groupCount: groupCount)
        let metrics = GroupMetrics(perGroup: perGroup, privileged: input.groups.privileged)
        let overall = metrics.overall

        sink.overall("accuracy", overall.accuracy)
        sink.overall("balanced_accuracy", overall.balancedAccuracy)
        sink.overall("selection_rate", overall.selectionRate)
        sink.overall("statistical_parity_difference", metrics.statisticalParityDifference)
        sink.overall("disparate_impact", metrics.disparateImpact)
        sink.overall("equal_opportunity_difference", metrics.equalOpportunityDifference)
        sink.overall("average_odds_difference", metrics.averageOddsDifference)
        sink.overall("equalized_odds_difference", metrics.equalizedOddsDifference)
        sink.overall("demographic_parity_difference", metrics.demographicParityDifference)
        sink.overall("demographic_parity_ratio", metrics.demographicParityRatio)
        sink.overall("theil_index", GroupMetrics.theilIndex(
            correct: unweighted.truePositives + unweighted.trueNegatives,
            falsePositives: unweighted.falsePositives, falseNegatives: unweighted.falseNegatives))

        for (group, counts) in perGroup.enumerated() {
            sink.perGroup("count", group: group, counts.total)
            sink.perGroup("base_rate", group: group, counts.baseRate)
            sink.perGroup("selection_rate", group: group, counts.selectionRate)
            sink.perGroup("true_positive_rate", group: group, counts.truePositiveRate)
            sink.perGroup("false_positive_rate", group: group, counts.falsePositiveRate)
            sink.perGroup("true_negative_rate", group: group, counts.trueNegativeRate)
            sink.perGroup("false_negative_rate", group: group, counts.falseNegativeRate)
            sink.perGroup("positive_predictive_value", group: group, counts.positivePredictiveValue)
            sink.perGroup("accuracy", group: group, counts.accuracy)
        }
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
                    // Integer counts per cell, converted once: the hot loop does no floating-point adds.
                    var counts = [Int](repeating: 0, count: groupCount * 4)
                    counts.withUnsafeMutableBufferPointer { counts in
                        for i in 0..<input.rows {
                            counts[Int(g[i]) &* 4 &+ Int(y[i]) &* 2 &+ Int(yHat[i])] &+= 1
                        }
                        for index in 0..<counts.count {
                            cells[index] = Double(counts[index])
                            plain[index % 4] &+= counts[index]
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
            description: "Accuracy, per-group rates, AIF360 group differences and ratios, Fairlearn equalized odds, Theil index.",
            stage: .metric, needs: [], make: { _, _ in StandardMetrics() }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
