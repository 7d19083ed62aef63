import CFairlabPlugin
import FairlabCore

/// Where a method acts (`fl_stage`), as the host records it.
public enum MethodStage: String, Codable, Sendable, CaseIterable {
    case pre, `in`, post, metric

    init?(code: fl_stage) {
        switch code {
        case FL_STAGE_PRE: self = .pre
        case FL_STAGE_IN: self = .in
        case FL_STAGE_POST: self = .post
        case FL_STAGE_METRIC: self = .metric
        default: return nil
        }
    }
}

/// A parameter's type (`fl_param_type`).
public enum ParameterType: String, Codable, Sendable {
    case real, integer, boolean, choice, text

    init?(code: fl_param_type) {
        switch code {
        case FL_PARAM_REAL: self = .real
        case FL_PARAM_INTEGER: self = .integer
        case FL_PARAM_BOOLEAN: self = .boolean
        case FL_PARAM_CHOICE: self = .choice
        case FL_PARAM_TEXT: self = .text
        default: return nil
        }
    }
}

/// A method parameter as read from its descriptor.
public struct ParameterInfo: Codable, Sendable, Equatable {
    public let key: String
    public let description: String
    public let type: ParameterType
    public let defaultValue: String
    public let minimum: Double?
    public let maximum: Double?
    public let choices: [String]

    /// "at least 0, at most 1", or nil for a parameter without bounds.
    public var boundsDescription: String? {
        let parts = [minimum.map { "at least \($0)" }, maximum.map { "at most \($0)" }].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

/// A method as read from its plugin's descriptor, plus the library it lives in. Plain data: it crosses from a
/// describing worker to the host as JSON, so the host never has to load foreign code itself.
public struct MethodInfo: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let version: String
    public let description: String
    public let stage: MethodStage
    public let needs: UInt32
    /// The `fl_tasks` bits of the tasks it handles (`LoadedLibrary.tasks(declared:atABI:)` reads its descriptor's).
    public let tasks: UInt32
    public let parameters: [ParameterInfo]
    /// Path of the plugin library.
    public let libraryPath: String
    /// The library's id, name and version.
    public let libraryID: String
    public let libraryName: String
    public let libraryVersion: String

    /// Whether the method handles data of `task`.
    public func handles(_ task: TaskKind) -> Bool { tasks & task.abiBit != 0 }

    /// The tasks it handles, in `TaskKind`'s order.
    public var taskKinds: [TaskKind] { TaskKind.allCases.filter(handles) }

    /// Whether the method declared the `fl_needs` flag.
    public func needs(_ flag: UInt32) -> Bool { needs & flag != 0 }

    /// What the method declared it needs, in words.
    public var needsDescription: [String] {
        let flags: [(UInt32, String)] = [
            (FL_NEEDS_LABELS, "training labels"), (FL_NEEDS_SCORES, "the baseline's scores"),
            (FL_NEEDS_GROUPS_AT_PREDICT, "group codes at predict time"), (FL_NEEDS_VALIDATION, "the validation split"),
            (FL_NEEDS_BASE_LEARNER, "the host's base learner"),
        ]
        return flags.filter { needs($0.0) }.map(\.1)
    }
}
