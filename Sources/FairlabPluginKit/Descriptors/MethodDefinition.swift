import CFairlabPlugin

/// Where a method acts, mirroring `fl_stage`.
public enum Stage: Sendable {
    case preProcessing, inProcessing, postProcessing, metric

    var code: fl_stage {
        switch self {
        case .preProcessing: FL_STAGE_PRE
        case .inProcessing: FL_STAGE_IN
        case .postProcessing: FL_STAGE_POST
        case .metric: FL_STAGE_METRIC
        }
    }
}

/// What a method needs from the host, mirroring `fl_needs`.
public struct Needs: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let labels = Needs(rawValue: FL_NEEDS_LABELS)
    public static let scores = Needs(rawValue: FL_NEEDS_SCORES)
    public static let groupsAtPredict = Needs(rawValue: FL_NEEDS_GROUPS_AT_PREDICT)
    public static let validation = Needs(rawValue: FL_NEEDS_VALIDATION)
    public static let baseLearner = Needs(rawValue: FL_NEEDS_BASE_LEARNER)
    /// A metric: the evaluated rows' features (ABI 6).
    public static let features = Needs(rawValue: FL_NEEDS_FEATURES)
}

/// The tasks a method handles, mirroring `fl_tasks` (ABI 5).
public struct Tasks: OptionSet, Sendable {
    /// The `FL_TASK_*` bits.
    public let rawValue: UInt32
    /// Tasks from `FL_TASK_*` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// 0/1 labels and predictions.
    public static let binary = Tasks(rawValue: FL_TASK_BINARY)
    /// Real-valued labels and predictions.
    public static let regression = Tasks(rawValue: FL_TASK_REGRESSION)
    /// No labels; predictions are cluster ids (ABI 6).
    public static let clustering = Tasks(rawValue: FL_TASK_CLUSTERING)
}

/// One method a Swift plugin offers: its descriptor and how to make an instance.
public struct MethodDefinition: @unchecked Sendable {
    public let id: String
    let parameterKeys: [String]
    let descriptor: UnsafePointer<fl_method_descriptor>
    let make: (HostServices, ParameterValues) throws -> FairlabMethod

    /// Declares a method for the `tasks` it handles; `make` creates an instance from the host's services and
    /// validated parameters.
    public init(
        id: String, name: String, version: String, description: String, stage: Stage, needs: Needs, tasks: Tasks = .binary,
        parameters: [Parameter] = [], make: @escaping (HostServices, ParameterValues) throws -> FairlabMethod
    ) {
        self.id = id
        self.make = make
        self.parameterKeys = parameters.map(\.key)
        let params = UnsafeMutablePointer<UnsafePointer<fl_param_descriptor>?>.allocate(capacity: max(parameters.count, 1))
        for (index, parameter) in parameters.enumerated() { params[index] = parameter.descriptor() }
        descriptor = permanent(fl_method_descriptor(
            struct_size: UInt32(MemoryLayout<fl_method_descriptor>.size), abi_version: FAIRLAB_ABI_VERSION,
            id: permanentCString(id), name: permanentCString(name), version: permanentCString(version),
            description: permanentCString(description), stage: stage.code, needs: needs.rawValue,
            param_count: UInt32(parameters.count), params: UnsafePointer(params), tasks: tasks.rawValue, reserved: 0))
    }
}
