import CFairlabPlugin
import FairlabPluginKit

/// Post-processing by Kamiran, Karim & Zhang's reject option classification (2012), as AIF360 0.6.1's
/// `RejectOptionClassification` chooses it: on a grid of classification thresholds t and margins m (AIF360's
/// `numpy.linspace` grids, threshold-major), rows scoring in the critical region t − m < s ≤ t + m are given
/// the favourable label if unprivileged and the unfavourable one if privileged; other rows are favourable when
/// s > t. The setting with the best validation balanced accuracy whose fairness metric (statistical parity,
/// average odds or equal opportunity difference, unprivileged minus privileged) lies in [lb, ub] wins, the
/// first in grid order on ties; when none does, the one with the smallest (signed) metric, as AIF360 does.
///
/// AIF360 relabels and re-measures the whole validation set at each of its 5,000 settings; here each side's
/// scores are sorted once with running counts of positives, so every setting's confusion counts come from four
/// binary searches, with the same integer counts and the same divisions, so the same doubles.
final class RejectOption: FairlabMethod {
    static let metrics = ["statistical_parity_difference", "average_odds_difference", "equal_opportunity_difference"]
    static let parameters = [
        Parameter("metric", .choice(metrics), default: "statistical_parity_difference", description: "the fairness metric kept within [lb, ub]"),
        Parameter("lb", .real(minimum: -2, maximum: 2), default: "-0.05", description: "lower bound of the metric"),
        Parameter("ub", .real(minimum: -2, maximum: 2), default: "0.05", description: "upper bound of the metric"),
        Parameter("low_class_thresh", .real(minimum: 0, maximum: 1), default: "0.01", description: "smallest classification threshold"),
        Parameter("high_class_thresh", .real(minimum: 0, maximum: 1), default: "0.99", description: "largest classification threshold"),
        Parameter("num_class_thresh", .integer(minimum: 1, maximum: 100_000), default: "100", description: "classification thresholds"),
        Parameter("num_roc_margin", .integer(minimum: 1, maximum: 100_000), default: "50", description: "margins per threshold"),
    ]

    private let host: HostServices
    private let metric: String
    private let bounds: ClosedRange<Double>
    private let thresholds: [Double]
    private let marginCount: Int
    private(set) var threshold = 0.0
    private(set) var margin = 0.0

    init(host: HostServices, parameters: ParameterValues) throws {
        self.host = host
        metric = parameters.text("metric")
        let (lb, ub) = (parameters.number("lb"), parameters.number("ub"))
        guard lb <= ub else { throw PluginError.invalidInput("lb=\(lb) is above ub=\(ub)") }
        bounds = lb...ub
        let (low, high) = (parameters.number("low_class_thresh"), parameters.number("high_class_thresh"))
        guard low <= high else { throw PluginError.invalidInput("low_class_thresh=\(low) is above high_class_thresh=\(high)") }
        thresholds = Self.linspace(low, high, count: Int(parameters.number("num_class_thresh")))
        marginCount = Int(parameters.number("num_roc_margin"))
    }

    /// `numpy.linspace(start, stop, count)`: i·step + start with step = (stop − start)/(count − 1), the last
    /// value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return [start] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : Double($0) * step + start }
    }

    func fit(train: DataView, validation: DataView?) throws {
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let sides = PrivilegedSides(train.groups, host: host)
        var members: [[(Double, Double)]] = [[], []]
        for i in 0..<train.rows { members[sides.index(codes[i])].append((scores[i], labels[i])) }
        let privileged = SortedScores(members[0]), unprivileged = SortedScores(members[1])
        guard privileged.rows > 0, unprivileged.rows > 0 else { throw PluginError.invalidInput("both a privileged and an unprivileged group need rows to fit on") }

        var bestInBounds: (accuracy: Double, t: Double, m: Double)?
        var lowest: (metric: Double, t: Double, m: Double)?
        for t in thresholds {
            for m in Self.linspace(0, t <= 0.5 ? t : 1 - t, count: marginCount) {
                // Privileged rows are favourable above the region, unprivileged ones above its lower edge.
                let p = privileged.counts(above: t + m), u = unprivileged.counts(above: t - m)
                let truePositives = p.truePositives + u.truePositives, positives = privileged.positives + unprivileged.positives
                let trueNegatives = p.trueNegatives + u.trueNegatives, negatives = privileged.negatives + unprivileged.negatives
                let balancedAccuracy = 0.5 * (truePositives / positives + trueNegatives / negatives)
                let value: Double
                switch metric {
                case "average_odds_difference": value = 0.5 * ((u.falsePositiveRate - p.falsePositiveRate) + (u.truePositiveRate - p.truePositiveRate))
                case "equal_opportunity_difference": value = u.truePositiveRate - p.truePositiveRate
                default: value = u.selectionRate - p.selectionRate
                }
                if bounds.contains(value) {
                    if bestInBounds == nil || balancedAccuracy > bestInBounds!.accuracy { bestInBounds = (balancedAccuracy, t, m) }
                } else if bestInBounds == nil, lowest == nil || value < lowest!.metric {
                    lowest = (value, t, m)
                }
            }
        }
        if let best = bestInBounds {
            (threshold, margin) = (best.t, best.m)
        } else if let fallback = lowest, !fallback.metric.isNaN {
            (threshold, margin) = (fallback.t, fallback.m)
            host.log("no setting keeps \(metric) within [\(bounds.lowerBound), \(bounds.upperBound)]: took the one with the smallest value, \(fallback.metric)", level: FL_LOG_WARNING)
        } else {
            throw PluginError.invalidInput("\(metric) is undefined on the rows to fit on (a side lacks positive or negative labels)")
        }
        host.log("classification threshold \(threshold), margin \(margin)", level: FL_LOG_DEBUG)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        let sides = PrivilegedSides(data.groups, host: nil)
        for i in 0..<data.rows {
            let s = scores[i]
            let inCriticalRegion = threshold - margin < s && s <= threshold + margin
            output.predictions[i] = inCriticalRegion ? (sides.index(codes[i]) == 0 ? 0 : 1) : (s > threshold ? 1 : 0)
        }
    }
}

/// One side's validation scores sorted ascending, with running counts of positive labels, so the counts of
/// rows above any cut come from a binary search.
struct SortedScores {
    private let scores: [Double]
    /// positivesBelow[k]: positive labels among the k lowest scores.
    private let positivesBelow: [Double]
    let positives: Double
    let negatives: Double
    var rows: Int { scores.count }

    init(_ pairs: [(score: Double, label: Double)]) {
        let sorted = pairs.sorted { $0.score < $1.score }
        scores = sorted.map(\.score)
        var running = [0.0]
        for pair in sorted { running.append(running.last! + pair.label) }
        positivesBelow = running
        positives = running.last!
        negatives = Double(sorted.count) - positives
    }

    /// Confusion counts when exactly the rows scoring above `cut` are predicted favourable.
    func counts(above cut: Double) -> SideRates {
        let low = SortedSearch.countAtMost(cut, in: scores)
        let selected = Double(scores.count - low)
        let truePositives = positives - positivesBelow[low]
        let falsePositives = selected - truePositives
        return SideRates(
            truePositives: truePositives, trueNegatives: negatives - falsePositives, positives: positives, negatives: negatives,
            selected: selected, rows: Double(scores.count), falsePositives: falsePositives)
    }
}

/// Counts of one side at one setting, and the rates AIF360 forms from them (one division each).
struct SideRates {
    let truePositives: Double, trueNegatives: Double, positives: Double, negatives: Double, selected: Double, rows: Double
    let falsePositives: Double
    var truePositiveRate: Double { truePositives / positives }
    var falsePositiveRate: Double { falsePositives / negatives }
    var selectionRate: Double { selected / rows }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.reject-option", name: "Reject option classification", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "reject-option", name: "Reject option classification (Kamiran et al.; AIF360's RejectOptionClassification)",
            version: "1.0.0",
            description: "Around a classification threshold, favours unprivileged and disfavours privileged rows, choosing threshold and margin for balanced accuracy within a fairness bound.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict], parameters: RejectOption.parameters,
            make: { host, parameters in try RejectOption(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
