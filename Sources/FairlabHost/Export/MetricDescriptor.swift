import CFairlabPlugin
import Foundation

/// What an overall metric is, as its metric plugin described it (`fl_metric_descriptor`): the header tables
/// show, and how far a value is from ideal, which plots and selection rules use.
public struct MetricDescriptor: Codable, Sendable, Equatable {
    /// What kind of quantity a metric is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case other, score, difference, ratio

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
    public var displayName: String
    public var kind: Kind
    /// Its value for a perfect (or perfectly fair) model; nil when it has none.
    public var ideal: Double?

    public init(metric: String, displayName: String, kind: Kind, ideal: Double?) {
        self.metric = metric
        self.displayName = displayName
        self.kind = kind
        self.ideal = ideal
    }

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
