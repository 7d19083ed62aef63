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

    /// The struct at `pointer` as its writer declared it: the first `struct_size` bytes (at most this header's
    /// size), the fields it does not have left zero. Copying `pointer.pointee` whole would read past a shorter
    /// struct from a plugin built against an older header.
    static func copy<Struct>(_ pointer: UnsafePointer<Struct>) -> Struct {
        let declared = Int(UnsafeRawPointer(pointer).load(as: UInt32.self))   // struct_size leads every ABI struct
        let storage = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Struct>.size, alignment: MemoryLayout<Struct>.alignment)
        defer { storage.deallocate() }
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Struct>.size)
        storage.copyMemory(from: pointer, byteCount: min(declared, MemoryLayout<Struct>.size))
        return storage.load(as: Struct.self)
    }

    private static func end<Struct, Field>(of field: KeyPath<Struct, Field>) -> UInt32 {
        UInt32(MemoryLayout<Struct>.offset(of: field)! + MemoryLayout<Field>.size)
    }
}
