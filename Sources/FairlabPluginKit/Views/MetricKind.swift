/// What kind of quantity an overall metric is (`FL_METRIC_KIND_*`).
public enum MetricKind: Int32, Sendable {
    /// None of the others.
    case other = 0
    /// Performance, higher is better (accuracy).
    case score = 1
    /// A difference between groups (ideal 0).
    case difference = 2
    /// A ratio between groups (ideal 1).
    case ratio = 3
}
