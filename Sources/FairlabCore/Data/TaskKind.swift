/// What a dataset's label is, and so what its methods predict and which metrics apply: the ABI's `fl_tasks`.
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// A 0/1 label (1 favourable); predictions are 0/1 and scores P(favourable).
    case binary
    /// A real-valued label (a price, a wage); predictions are real numbers and there are no scores.
    case regression
    /// No label: rows are grouped into k clusters; a prediction is a cluster id 0 ..< k and there are no scores.
    case clustering

    /// Whether its data has a label (a clustering dataset has none: plugins get NULL where the labels would be).
    public var hasLabels: Bool { self != .clustering }

    /// The `FL_TASK_*` bit (its raw value in the C header).
    public var abiBit: UInt32 {
        switch self {
        case .binary: 0x1
        case .regression: 0x2
        case .clustering: 0x4
        }
    }

}
