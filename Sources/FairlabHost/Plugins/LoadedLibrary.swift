import FairlabCore
import CFairlabPlugin
import Foundation

/// A plugin library opened with `dlopen` and checked against the ABI. Libraries are never closed: Swift
/// plugins carry runtime metadata that must outlive every use (see docs/plugin-abi.md).
///
/// Loading runs foreign code (library constructors, the entry function), so the host does it only inside
/// worker processes.
public struct LoadedLibrary {
    /// The file it was loaded from.
    public let path: String
    /// The library description the plugin returned.
    public let library: UnsafePointer<fl_library>

    /// Opens `path`, calls its entry function and checks the ABI version and struct sizes.
    public init(path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw FairlabError(file: path, "cannot load the library: \(reason)")
        }
        guard let symbol = dlsym(handle, FAIRLAB_PLUGIN_ENTRY_SYMBOL) else {
            throw FairlabError(file: path, "not a fairlab plugin: it exports no \(FAIRLAB_PLUGIN_ENTRY_SYMBOL) function")
        }
        let entry = unsafeBitCast(symbol, to: fl_plugin_entry_function.self)
        guard let library = entry(FAIRLAB_ABI_VERSION) else {
            throw FairlabError(file: path, "the plugin supports no ABI version this host speaks (fairlab speaks ABI \(FAIRLAB_ABI_VERSION))")
        }
        guard ABIVersion1.accepted.contains(library.pointee.abi_version) else {
            throw FairlabError(file: path, "the plugin was built for ABI version \(library.pointee.abi_version); this fairlab speaks ABI \(ABIVersion1.accepted.lowerBound) to \(ABIVersion1.accepted.upperBound)")
        }
        guard library.pointee.struct_size >= ABIVersion1.library else {
            throw FairlabError(file: path, "fl_library is \(library.pointee.struct_size) bytes, ABI 1 needs at least \(ABIVersion1.library)")
        }
        self.path = path
        self.library = library
    }

    /// The methods the library offers, validated.
    public func methods() throws -> [MethodInfo] {
        let lib = library.pointee
        func text(_ pointer: UnsafePointer<CChar>?, _ what: String) throws -> String {
            guard let pointer else { throw FairlabError(file: path, "\(what) is NULL") }
            return String(cString: pointer)
        }
        let libraryID = try text(lib.id, "the library id")
        let libraryName = try text(lib.name, "the library name")
        let libraryVersion = try text(lib.version, "the library version")
        guard lib.method_count == 0 || lib.methods != nil, lib.create != nil else {
            throw FairlabError(file: path, "the library has no method list or no create function")
        }
        return try (0..<Int(lib.method_count)).map { index in
            guard let descriptorPointer = lib.methods[index] else { throw FairlabError(file: path, "method \(index) is NULL") }
            let header = (version: descriptorPointer.pointee.abi_version, size: descriptorPointer.pointee.struct_size)
            guard ABIVersion1.accepted.contains(header.version), header.size >= ABIVersion1.methodDescriptor else {
                throw FairlabError(file: path, "method \(index) has descriptor version \(header.version), size \(header.size)")
            }
            // A descriptor from an older plugin is shorter than this header's: only what it declares is read.
            let descriptor = ABIVersion1.copy(descriptorPointer)
            let id = try text(descriptor.id, "method \(index)'s id")
            guard id.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
                throw FairlabError(file: path, "method id '\(id)' must match [a-z0-9][a-z0-9_-]*")
            }
            guard id != MethodRecord.baselineID else {
                throw FairlabError(file: path, "method id '\(id)' is reserved for the host's unmitigated baseline")
            }
            guard let stage = MethodStage(code: descriptor.stage) else {
                throw FairlabError(file: path, "method \(id) has unknown stage \(descriptor.stage)")
            }
            let parameters = try (0..<Int(descriptor.param_count)).map { p -> ParameterInfo in
                guard let paramPointer = descriptor.params[p] else { throw FairlabError(file: path, "method \(id): parameter \(p) is NULL") }
                let param = paramPointer.pointee
                guard param.struct_size >= ABIVersion1.parameterDescriptor else {
                    throw FairlabError(file: path, "method \(id): parameter \(p) descriptor is too small")
                }
                guard let type = ParameterType(code: param.type) else {
                    throw FairlabError(file: path, "method \(id): parameter \(p) has unknown type \(param.type)")
                }
                var choices: [String] = []
                if type == .choice, let list = param.choices {
                    var cursor = 0
                    while let choice = list[cursor] { choices.append(String(cString: choice)); cursor += 1 }
                }
                return ParameterInfo(
                    key: try text(param.key, "method \(id): parameter \(p)'s key"),
                    description: param.description.map { String(cString: $0) } ?? "",
                    type: type, defaultValue: try text(param.default_value, "method \(id): parameter \(p)'s default"),
                    minimum: param.minimum.isFinite ? param.minimum : nil,
                    maximum: param.maximum.isFinite ? param.maximum : nil, choices: choices)
            }
            let keys = parameters.map(\.key)
            if let bad = keys.first(where: { $0.range(of: "^[a-z0-9_]+$", options: .regularExpression) == nil }) {
                throw FairlabError(file: path, "method \(id): parameter key '\(bad)' must match [a-z0-9_]+")
            }
            guard Set(keys).count == keys.count else { throw FairlabError(file: path, "method \(id) declares a parameter key twice") }
            let method = MethodInfo(
                id: id, name: try text(descriptor.name, "method \(id)'s name"),
                version: try text(descriptor.version, "method \(id)'s version"),
                description: descriptor.description.map { String(cString: $0) } ?? "", stage: stage,
                needs: descriptor.needs,
                tasks: Self.tasks(declared: descriptor.tasks, atABI: descriptor.abi_version),
                parameters: parameters, libraryPath: path, libraryID: libraryID,
                libraryName: libraryName, libraryVersion: libraryVersion)
            // Defaults must be valid values: a bad one costs this library, not every comparison.
            do {
                _ = try ResolvedParameters(method: method, overrides: [:])
            } catch {
                throw FairlabError(file: path, "method \(id) has an invalid default: \(error)")
            }
            if let choice = parameters.first(where: { $0.type == .choice && $0.choices.isEmpty }) {
                throw FairlabError(file: path, "method \(id): choice parameter \(choice.key) lists no choices")
            }
            return method
        }
    }

    /// The tasks a descriptor of ABI `version` declares with `bits`: 0 (and every descriptor before ABI 5) is binary;
    /// a bit appended after the plugin's version is noise in its field (a v5 plugin declaring every bit handles
    /// binary and regression data, not clustering, which it has never heard of and whose labels are NULL), so a
    /// declaration of later bits alone is of no task at all.
    static func tasks(declared bits: UInt32, atABI version: UInt32) -> UInt32 {
        // Before ABI 5 the field did not exist (a short descriptor's copy is zero-filled there): binary, whatever it holds.
        guard bits != 0, version >= 5 else { return FL_TASK_BINARY }
        return bits & (version == 5 ? FL_TASK_BINARY | FL_TASK_REGRESSION : FL_TASK_BINARY | FL_TASK_REGRESSION | FL_TASK_CLUSTERING)
    }
}
