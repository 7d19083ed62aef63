import CFairlabPlugin

/// Adds Xᵀ diag(c) X (p × p) into `matrix` (column-major, leading dimension `ldm`, so it may sit in the top-left of
/// a larger matrix) for X, `rows` × p, column-major with leading dimension `ld`: a block of rows at a time, each
/// block's rows scaled by √cᵢ and then one dgemm, so the memory is one block of about 2²⁰ values (8 MiB), never a
/// scaled copy of X. `curvature` must be non-negative.
public func addWeightedGram(
    of x: UnsafePointer<Double>, rows n: Int, cols p: Int, leadingDimension ld: Int, curvature: [Double], blas: fl_blas,
    into matrix: inout [Double], leadingDimension ldm: Int
) {
    precondition(curvature.count == n && ldm >= p && matrix.count >= ldm * p)
    guard n > 0, p > 0 else { return }
    let blockRows = max(1, min(n, (1 << 20) / p))
    var block = [Double](repeating: 0, count: blockRows * p)
    var roots = [Double](repeating: 0, count: blockRows)
    var start = 0
    while start < n {
        let rows = min(blockRows, n - start)
        for i in 0..<rows { roots[i] = curvature[start + i].squareRoot() }  // once per row, not per entry
        for j in 0..<p {
            let column = x + j * ld + start
            for i in 0..<rows { block[i + j * rows] = column[i] * roots[i] }
        }
        blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(p), Int32(p), Int32(rows), 1,
                   block, Int32(rows), block, Int32(rows), 1, &matrix, Int32(ldm))
        start += rows
    }
}
