import CFairlabPlugin

/// The smallest a version-1 struct written by a plugin may be: the end of its last version-1 field. Later ABI
/// versions append fields, which grows `MemoryLayout<T>.size` but not these, so a host built against a newer
/// header still accepts version-1 plugins.
enum ABIVersion1 {
    /// The ABI versions this host accepts from a plugin: every one from 1 up to the header's.
    static let accepted: ClosedRange<UInt32> = 1...FAIRLAB_ABI_VERSION

    static let library = end(of: \fl_library.create)
    static let methodDescriptor = end(of: \fl_method_descriptor.params)
    static let parameterDescriptor = end(of: \fl_param_descriptor.choices)
    static let method = end(of: \fl_method.evaluate)

    /// The struct at `pointer` as its writer declared it (the header's `fl_copy_declared`): a shorter struct from
    /// a plugin built against an older header is not read past its end, and its missing fields are zero.
    static func copy<Struct>(_ pointer: UnsafePointer<Struct>) -> Struct {
        let copy = UnsafeMutablePointer<Struct>.allocate(capacity: 1)
        defer { copy.deallocate() }
        fl_copy_declared(copy, pointer, MemoryLayout<Struct>.size)
        return copy.move()
    }

    private static func end<Struct, Field>(of field: KeyPath<Struct, Field>) -> UInt32 {
        UInt32(MemoryLayout<Struct>.offset(of: field)! + MemoryLayout<Field>.size)
    }
}
