import CFairlabPlugin

/// The methods of this library, looked up by `create`. Each plugin library links its own copy of this kit,
/// so the table is per library. Written once, by `makeLibrary`, before the host can call `create`.
nonisolated(unsafe) private var definitions: [String: MethodDefinition] = [:]

/// Builds the permanent `fl_library` a Swift plugin returns from `fairlab_plugin_entry`.
///
///     nonisolated(unsafe) let library = makeLibrary(id: "org.example.mine", name: "Mine", vendor: "Me",
///                                                   version: "1.0.0", methods: [myMethod])
///     @_cdecl("fairlab_plugin_entry")
///     public func entry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
///         hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
///     }
public func makeLibrary(id: String, name: String, vendor: String, version: String, methods: [MethodDefinition]) -> UnsafePointer<fl_library> {
    for method in methods { definitions[method.id] = method }
    let list = UnsafeMutablePointer<UnsafePointer<fl_method_descriptor>?>.allocate(capacity: max(methods.count, 1))
    for (index, method) in methods.enumerated() { list[index] = method.descriptor }
    return permanent(fl_library(
        struct_size: UInt32(MemoryLayout<fl_library>.size), abi_version: FAIRLAB_ABI_VERSION,
        id: permanentCString(id), name: permanentCString(name), vendor: permanentCString(vendor),
        version: permanentCString(version), method_count: UInt32(methods.count), methods: UnsafePointer(list),
        create: { methodID, host, params, instance, errorBuffer in
            guard let methodID, let host, let params, let instance else {
                return report(PluginError(FL_ERROR_INVALID_INPUT, "create called with a NULL argument"), errorBuffer)
            }
            let id = String(cString: methodID)
            guard let definition = definitions[id] else {
                return report(PluginError(FL_ERROR_INVALID_INPUT, "this library has no method '\(id)'"), errorBuffer)
            }
            do {
                let method = try definition.make(HostServices(host), ParameterValues(params.pointee, keys: definition.parameterKeys))
                instance.pointee = MethodBridge.makeInstance(method)
                return FL_OK
            } catch {
                return report(error, errorBuffer)
            }
        }))
}
