import CFairlabPlugin
import FairlabPluginKit

/// Metrics of real-valued predictions (ABI 5's regression task), with scikit-learn's definitions and Fairlearn's
/// `MetricFrame` reductions between groups: `difference()` is the largest group value minus the smallest,
/// `ratio()` the smallest over the largest. Weighted where the host gives weights, as scikit-learn's
/// `sample_weight`. A value whose denominator is 0 (R² of constant labels, a ratio of means that are not both
/// positive) is NaN, the same rule as the standard metrics'.
final class RegressionMetrics: FairlabMethod {
    func evaluate(_ input: EvaluationInput, sink: MetricSink) throws {
        guard input.task == .regression else { throw PluginError.invalidInput("these metrics are for regression predictions") }
        let groupCount = input.groups.count
        guard groupCount > 0, input.rows > 0 else { throw PluginError.invalidInput("no rows or no groups") }
        var members = [[Int]](repeating: [], count: groupCount)
        for i in 0..<input.rows { members[Int(input.groupCodes[i])].append(i) }
        let overall = Summary(input, rows: Array(0..<input.rows))
        let groups = members.map { Summary(input, rows: $0) }
        let present = groups.filter { $0.weight > 0 }

        func spread(_ value: (Summary) -> Double) -> Double {
            let values = present.map(value)
            guard let low = values.min(), let high = values.max() else { return .nan }
            return high - low
        }
        let means = present.map(\.meanPrediction)
        sink.report("mean_absolute_error", displayName: "MAE", kind: .other, ideal: 0, overall.meanAbsoluteError)
        sink.report("root_mean_squared_error", displayName: "RMSE", kind: .other, ideal: 0, overall.meanSquaredError.squareRoot())
        sink.report("r2_score", displayName: "R²", kind: .score, ideal: 1, overall.r2)
        sink.report("mean_prediction", displayName: "Mean prediction", kind: .other, ideal: .nan, overall.meanPrediction)
        sink.report("mean_prediction_difference", displayName: "Mean pred. diff.", kind: .difference, ideal: 0, spread(\.meanPrediction))
        sink.report("mean_prediction_ratio", displayName: "Mean pred. ratio", kind: .ratio, ideal: 1,
            means.allSatisfy { $0 > 0 } && !means.isEmpty ? means.min()! / means.max()! : .nan)
        sink.report("mean_absolute_error_difference", displayName: "MAE diff.", kind: .difference, ideal: 0, spread(\.meanAbsoluteError))
        sink.report("root_mean_squared_error_difference", displayName: "RMSE diff.", kind: .difference, ideal: 0, spread { $0.meanSquaredError.squareRoot() })
        sink.report("worst_group_mean_squared_error", displayName: "Worst-group MSE", kind: .other, ideal: 0, present.map(\.meanSquaredError).max() ?? .nan)
        sink.report("prediction_ks_distance", displayName: "Pred. KS dist.", kind: .difference, ideal: 0, Self.largestKolmogorovSmirnov(input, members))

        for (group, summary) in groups.enumerated() {
            sink.perGroup("count", group: group, summary.weight)
            sink.perGroup("mean_label", group: group, summary.meanLabel)
            sink.perGroup("mean_prediction", group: group, summary.meanPrediction)
            sink.perGroup("mean_absolute_error", group: group, summary.meanAbsoluteError)
            sink.perGroup("mean_squared_error", group: group, summary.meanSquaredError)
            sink.perGroup("root_mean_squared_error", group: group, summary.meanSquaredError.squareRoot())
            sink.perGroup("r2_score", group: group, summary.r2)
        }
    }

    /// The weighted means of a set of rows: what every metric above is a function of.
    struct Summary {
        var weight = 0.0
        var meanLabel = Double.nan
        var meanPrediction = Double.nan
        var meanAbsoluteError = Double.nan
        var meanSquaredError = Double.nan
        /// 1 − Σw(y − ŷ)² / Σw(y − ȳ)², scikit-learn's `r2_score`; NaN when the labels are constant.
        var r2 = Double.nan

        init(_ input: EvaluationInput, rows: [Int]) {
            let y = input.labels, yHat = input.predictions
            let w = input.weight
            var labelSum = 0.0, predictionSum = 0.0
            for i in rows { weight += w(i); labelSum += w(i) * y[i]; predictionSum += w(i) * yHat[i] }
            guard weight > 0 else { return }
            meanLabel = labelSum / weight
            meanPrediction = predictionSum / weight
            var absolute = 0.0, squared = 0.0, spread = 0.0
            for i in rows {
                let error = y[i] - yHat[i]
                absolute += w(i) * abs(error)
                squared += w(i) * error * error
                spread += w(i) * (y[i] - meanLabel) * (y[i] - meanLabel)
            }
            meanAbsoluteError = absolute / weight
            meanSquaredError = squared / weight
            r2 = spread > 0 ? 1 - squared / spread : .nan
        }
    }

    /// The largest two-sample Kolmogorov–Smirnov statistic between two groups' (weighted) prediction
    /// distributions, sup |F_a − F_b| (scipy's `ks_2samp` statistic when unweighted): the regression analogue of
    /// statistical parity, 0 when every group's predictions are distributed alike.
    static func largestKolmogorovSmirnov(_ input: EvaluationInput, _ members: [[Int]]) -> Double {
        let groups = members.filter { !$0.isEmpty }
        guard groups.count >= 2 else { return .nan }
        let w = input.weight
        let sorted = groups.map { rows in rows.sorted { input.predictions[$0] < input.predictions[$1] } }
        var largest = 0.0
        for a in 0..<sorted.count {
            for b in (a + 1)..<sorted.count {
                let (first, second) = (sorted[a], sorted[b])
                let firstTotal = first.reduce(0) { $0 + w($1) }, secondTotal = second.reduce(0) { $0 + w($1) }
                guard firstTotal > 0, secondTotal > 0 else { continue }
                // Walk both sorted lists; at each distinct value take every row at it from both, then compare.
                var i = 0, j = 0, firstCumulative = 0.0, secondCumulative = 0.0
                while i < first.count || j < second.count {
                    let value = min(i < first.count ? input.predictions[first[i]] : .infinity,
                                    j < second.count ? input.predictions[second[j]] : .infinity)
                    while i < first.count && input.predictions[first[i]] == value { firstCumulative += w(first[i]); i += 1 }
                    while j < second.count && input.predictions[second[j]] == value { secondCumulative += w(second[j]); j += 1 }
                    largest = max(largest, abs(firstCumulative / firstTotal - secondCumulative / secondTotal))
                }
            }
        }
        return largest
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.regression-metrics", name: "fairlab regression metrics", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "regression-metrics", name: "Regression fairness metrics (scikit-learn / Fairlearn MetricFrame definitions)",
            version: "1.0.0",
            description: "MAE, RMSE, R²; per group the same and the mean prediction; between groups their differences, the mean-prediction ratio, the worst group's MSE and the Kolmogorov–Smirnov distance of the predictions.",
            stage: .metric, needs: [], tasks: .regression, make: { _, _ in RegressionMetrics() }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
