import CFairlabPlugin
import Foundation

/// What an overall metric is, as its metric plugin described it (`fl_metric_descriptor`): the header tables
/// show, and how far a value is from ideal, which plots and selection rules use.
public struct MetricDescriptor: Codable, Sendable, Equatable {
    /// What kind of quantity a metric is.
    public enum Kind: String, Codable, Sendable {
        /// None of the others: its distance from ideal is |value − ideal|.
        case other
        /// Performance, higher is better (accuracy).
        case score
        /// A difference between groups, ideal 0.
        case difference
        /// A ratio between groups, ideal 1.
        case ratio

        init(abiValue: Int32) {
            switch abiValue {
            case FL_METRIC_KIND_SCORE: self = .score
            case FL_METRIC_KIND_DIFFERENCE: self = .difference
            case FL_METRIC_KIND_RATIO: self = .ratio
            default: self = .other
            }
        }
    }

    /// The name its values are stored under.
    public var metric: String
    /// The header tables and plots show.
    public var displayName: String
    /// What kind of quantity it is.
    public var kind: Kind
    /// Its value for a perfect (or perfectly fair) model; nil when it has none.
    public var ideal: Double?

    /// A descriptor with every field given.
    public init(metric: String, displayName: String, kind: Kind, ideal: Double?) {
        self.metric = metric
        self.displayName = displayName
        self.kind = kind
        self.ideal = ideal
    }

    /// The standard metrics as tables showed them before metric plugins described their metrics (ABI 4), for
    /// runs stored then: their tables, plots and rules read as they did.
    static let beforeDescriptors: [MetricDescriptor] = {
        let standard = [
            MetricDescriptor(metric: "accuracy", displayName: "Accuracy", kind: .score, ideal: 1),
            MetricDescriptor(metric: "balanced_accuracy", displayName: "Bal. acc.", kind: .score, ideal: 1),
            MetricDescriptor(metric: "statistical_parity_difference", displayName: "Stat. parity diff.", kind: .difference, ideal: 0),
            MetricDescriptor(metric: "disparate_impact", displayName: "Disparate impact", kind: .ratio, ideal: 1),
            MetricDescriptor(metric: "equal_opportunity_difference", displayName: "Equal opp. diff.", kind: .difference, ideal: 0),
            MetricDescriptor(metric: "average_odds_difference", displayName: "Avg. odds diff.", kind: .difference, ideal: 0),
            MetricDescriptor(metric: "equalized_odds_difference", displayName: "Eq. odds diff.", kind: .difference, ideal: 0),
            MetricDescriptor(metric: "theil_index", displayName: "Theil index", kind: .other, ideal: 0),
        ]
        return standard + standard.map {
            MetricDescriptor(metric: "expected_" + $0.metric, displayName: $0.displayName + " (exp.)", kind: $0.kind, ideal: $0.ideal)
        }
    }()

    /// Whether a stress run's recovery can be measured on it: a bias widens its distance from an ideal (not a score,
    /// such as accuracy, and not a metric without an ideal).
    public var measuresRecovery: Bool { kind != .score && ideal != nil }

    /// The descriptor of a metric its plugin never described: shown under its name.
    public init(undescribed metric: String) {
        self.init(metric: metric, displayName: metric, kind: .other, ideal: nil)
    }

    /// How far `value` is from ideal (0 at the ideal): |value − ideal|, and for a ratio 1 − min(v, 1/v), so that
    /// a ratio of 0.5 and one of 2 are equally far; nil for a metric with no ideal or an undefined value.
    public func distanceFromIdeal(_ value: Double) -> Double? {
        guard let ideal, !value.isNaN else { return nil }
        if kind == .ratio {
            guard value > 0 else { return value == 0 ? 1 : nil }
            return 1 - min(value, 1 / value)
        }
        return abs(value - ideal)
    }
}
