import CFairlabPlugin

/// Calls `body` with an `fl_matrix` view of plugin-owned column-major `values` (rows × cols), for the host's
/// learner: a fit on data the plugin built itself (fairlet centres, a resample).
public func withMatrixView<R>(_ values: [Double], rows: Int, cols: Int, _ body: (UnsafePointer<fl_matrix>) throws -> R) rethrows -> R {
    precondition(values.count == rows * cols, "\(values.count) values for a \(rows) × \(cols) matrix")
    return try values.withUnsafeBufferPointer { buffer in
        var matrix = fl_matrix(
            struct_size: UInt32(MemoryLayout<fl_matrix>.size), abi_version: FAIRLAB_ABI_VERSION, rows: Int64(rows), cols: Int64(cols),
            leading_dimension: Int64(max(rows, 1)), data: buffer.baseAddress)
        return try body(&matrix)
    }
}
