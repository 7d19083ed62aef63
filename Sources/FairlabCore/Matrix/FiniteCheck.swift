/// The index of the first value of `values` that is NaN or infinite, or nil. Every dataset, transformed matrix and
/// learner input is checked, so blocks are screened eight lanes at a time (v − v is 0 for a finite v and NaN
/// otherwise, and a sum with a NaN never equals 0), and only a block that fails is searched value by value.
public func firstNonFinite(_ values: UnsafeBufferPointer<Double>) -> Int? {
    let block = 4096
    guard let raw = UnsafeRawPointer(values.baseAddress) else { return nil }
    for start in stride(from: 0, to: values.count, by: block) {
        let end = min(start + block, values.count)
        var screen = SIMD8<Double>()
        var i = start
        while i + 8 <= end {
            let lanes = raw.loadUnaligned(fromByteOffset: 8 * i, as: SIMD8<Double>.self)
            screen += lanes - lanes
            i += 8
        }
        var clean = screen == SIMD8<Double>()
        while i < end { clean = clean && values[i].isFinite; i += 1 }
        if !clean, let bad = values[start..<end].firstIndex(where: { !$0.isFinite }) { return bad }
    }
    return nil
}

extension Matrix {
    /// The position in the column-major storage of the first NaN or infinite value (row = index % rows, column =
    /// index / rows), or nil: `firstNonFinite`.
    public var firstNonFiniteIndex: Int? { withUnsafeStorage(firstNonFinite) }
}
