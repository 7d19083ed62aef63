/// The ABI struct at `pointer` as its writer declared it: its first `struct_size` bytes (at most this header's
/// size), later fields left zero. Copying `pointer.pointee` whole would read past a shorter struct from a host
/// built against an older header; the views then test `struct_size` before trusting an appended field.
func declaredStruct<Struct>(_ pointer: UnsafePointer<Struct>) -> Struct {
    let declared = Int(UnsafeRawPointer(pointer).load(as: UInt32.self))   // struct_size leads every ABI struct
    let storage = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Struct>.size, alignment: MemoryLayout<Struct>.alignment)
    defer { storage.deallocate() }
    storage.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Struct>.size)
    storage.copyMemory(from: pointer, byteCount: min(declared, MemoryLayout<Struct>.size))
    return storage.load(as: Struct.self)
}
