import CFairlabPlugin

/// The ABI struct at `pointer` as its writer declared it (the header's `fl_copy_declared`): a shorter struct from
/// a host built against an older header is not read past its end, and its missing fields are zero, so the views
/// test `struct_size` before trusting an appended field.
func declaredStruct<Struct>(_ pointer: UnsafePointer<Struct>) -> Struct {
    let copy = UnsafeMutablePointer<Struct>.allocate(capacity: 1)
    defer { copy.deallocate() }
    fl_copy_declared(copy, pointer, MemoryLayout<Struct>.size)
    return copy.move()
}
