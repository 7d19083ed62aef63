/// A kind of bias `fairlab stress` plants in a split's training and validation rows (never in its test rows,
/// which keep their clean labels). At level p, in the target group:
public enum InjectionKind: String, CaseIterable, Sendable, Codable {
    /// Each favourable label becomes unfavourable with probability p.
    case labelBias = "label-bias"
    /// A fraction p of the favourable rows is dropped (round(p·n) of them, per part).
    case underSample = "under-sample"
    /// Each label, favourable or not, is flipped with probability p.
    case labelNoise = "label-noise"
    /// A new numeric feature `stress_proxy` whose correlation with membership of the group is p, in every row.
    case proxy
    /// A fraction p of the group's rows is dropped (round(p·n) of them, per part).
    case groupSize = "group-size"

    /// Whether the kind flips labels (rather than dropping rows or adding a feature).
    public var flipsLabels: Bool { self == .labelBias || self == .labelNoise }

}
