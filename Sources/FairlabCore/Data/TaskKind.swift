/// What a dataset's label is, and so what its methods predict and which metrics apply: the ABI's `fl_tasks`.
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// A 0/1 label (1 favourable); predictions are 0/1 and scores P(favourable).
    case binary
    /// A real-valued label (a price, a wage); predictions are real numbers and there are no scores.
    case regression
    /// No label: rows are grouped into k clusters; a prediction is a cluster id 0 ..< k and there are no scores.
    case clustering

    /// The `FL_TASK_*` bit (its raw value in the C header).
    public var abiBit: UInt32 {
        switch self {
        case .binary: 0x1
        case .regression: 0x2
        case .clustering: 0x4
        }
    }

    /// The tasks a method declared (`fl_method_descriptor.tasks`; 0, or a descriptor from before ABI 5, is binary).
    public static func declared(_ bits: UInt32) -> [TaskKind] {
        bits == 0 ? [.binary] : allCases.filter { bits & $0.abiBit != 0 }
    }
}
