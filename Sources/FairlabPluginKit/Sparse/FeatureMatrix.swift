import CFairlabPlugin

/// A data view's features as products see them: compressed (`SparseRows`) when most values
/// are zero, as one-hot encoded rows are, so that products go over the non-zero values only (a row of Adult has
/// about 14 of 99); else the host's matrix itself, through the host's BLAS. Standardised one-hot columns, whose most
/// common value is not 0, are compressed less their most common values (X = S + 1 mᵀ), each product then
/// corrected by a term of rank one, as the host's own design (`SparseDesign`) is. All of a view's columns borrow the
/// view's matrix: valid while the view is (the call that received it); some of them, or an intercept's column of
/// ones, are a dense copy of their own.
public struct FeatureMatrix {
    private enum Storage {
        /// S, and the offsets m (one per column) with X = S + 1 mᵀ, or nil where S is X itself.
        case sparse(SparseRows, offsets: [Double]?)
        /// Column-major, with its leading dimension; `copy` owns the values when they are not the view's.
        case dense(UnsafePointer<Double>, leadingDimension: Int, copy: DenseCopy?)
    }

    /// Values of a dense matrix made for a `FeatureMatrix`, freed with the last matrix that uses them.
    private final class DenseCopy {
        let values: UnsafeMutablePointer<Double>
        init(count: Int) { values = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1)) }
        deinit { values.deallocate() }
    }

    private let storage: Storage
    private let blas: fl_blas
    /// The number of rows.
    public let rows: Int
    /// The number of feature columns.
    public let cols: Int

    /// The features of `data` (its columns `kept`, in that order, when given), then with `appendingOne` a column of
    /// ones, stored sparse or dense as `sparse` says (nil: sparse when at most `SparseRows.densityLimit` of the values
    /// would be stored), compressed less `SparseRows.offsets` when it gives any.
    public init(_ data: DataView, blas: fl_blas, columns kept: [Int]? = nil, appendingOne: Bool = false, sparse: Bool? = nil) {
        rows = data.rows
        cols = (kept?.count ?? data.cols) + (appendingOne ? 1 : 0)
        self.blas = blas
        let stored = data.matrix.pointee.data!, ld = Int(data.matrix.pointee.leading_dimension)
        let columns = kept ?? Array(0..<data.cols)
        let (offsets, density) = SparseRows.offsets(of: data, columns: columns, appendingOne: appendingOne)
        if sparse ?? (density <= SparseRows.densityLimit) {
            // The intercept's ones are stored as they are.
            storage = .sparse(
                SparseRows(data, columns: columns, subtracting: offsets, appendingOne: appendingOne),
                offsets: offsets.map { appendingOne ? $0 + [0] : $0 })
        } else if kept == nil && !appendingOne {
            storage = .dense(UnsafePointer(stored), leadingDimension: ld, copy: nil)
        } else {
            let copy = DenseCopy(count: rows * cols)
            for (position, column) in columns.enumerated() { (copy.values + position * rows).update(from: stored + column * ld, count: rows) }
            if appendingOne { (copy.values + columns.count * rows).update(repeating: 1, count: rows) }
            storage = .dense(UnsafePointer(copy.values), leadingDimension: max(rows, 1), copy: copy)
        }
    }

    /// Row i's values, zeros included.
    public func row(_ i: Int) -> [Double] {
        switch storage {
        case .sparse(let compressed, let offsets):
            var values = offsets ?? [Double](repeating: 0, count: cols)
            for e in Int(compressed.starts[i])..<Int(compressed.starts[i + 1]) { values[Int(compressed.columns[e])] += compressed.values[e] }
            return values
        case .dense(let x, let ld, _):
            return (0..<cols).map { x[i + $0 * ld] }
        }
    }

    /// Whether the features are stored sparse.
    public var isSparse: Bool {
        if case .sparse = storage { return true }
        return false
    }

    /// What the products go over, for a plugin's log: "(sparse)" or "(dense)" last.
    public var productsDescription: String {
        switch storage {
        case .sparse(_, nil): "the rows' non-zero values (sparse)"
        case .sparse: "the rows' values other than their columns' most common (sparse)"
        case .dense: "all values, through BLAS (dense)"
        }
    }

    /// out (rows × width, row-major) = X B, for B cols × width, row-major (width 1: X b).
    public func times(_ b: UnsafePointer<Double>, width: Int = 1, into out: UnsafeMutablePointer<Double>) {
        product(b, width: width, transposed: false, into: out)
    }

    /// out (cols × width, row-major) = Xᵀ F, for F rows × width, row-major (width 1: Xᵀ f).
    public func transposeTimes(_ f: UnsafePointer<Double>, width: Int = 1, into out: UnsafeMutablePointer<Double>) {
        product(f, width: width, transposed: true, into: out)
    }

    /// op(X) times `input` (row-major, `width` wide) into `out` (row-major), op(X) = Xᵀ when `transposed`.
    private func product(_ input: UnsafePointer<Double>, width: Int, transposed: Bool, into out: UnsafeMutablePointer<Double>) {
        let (outputs, inner) = transposed ? (cols, rows) : (rows, cols)
        guard outputs > 0, width > 0 else { return }
        // No rows or no columns to sum over: zeros (BLAS would leave `out` as it was).
        guard inner > 0 else { out.update(repeating: 0, count: outputs * width); return }
        switch storage {
        case .sparse(let compressed, let offsets):
            if transposed { compressed.transposeMultiply(input, width: width, into: out) } else { compressed.multiply(input, width: width, into: out) }
            guard let offsets else { return }
            if transposed {
                // + m (1ᵀ F): each column's offset times F's column sums.
                var sums = [Double](repeating: 0, count: width)
                for i in 0..<rows { for h in 0..<width { sums[h] += input[i * width + h] } }
                for j in 0..<cols where offsets[j] != 0 { for h in 0..<width { out[j * width + h] += offsets[j] * sums[h] } }
            } else {
                // + 1 (mᵀ B): the same row added to every row.
                var shift = [Double](repeating: 0, count: width)
                for j in 0..<cols where offsets[j] != 0 { for h in 0..<width { shift[h] += offsets[j] * input[j * width + h] } }
                for i in 0..<rows { for h in 0..<width { out[i * width + h] += shift[h] } }
            }
        case .dense(let x, let ld, _) where width == 1:
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(transposed ? FL_BLAS_TRANS : FL_BLAS_NO_TRANS), Int32(rows), Int32(cols), 1, x, Int32(ld),
                       input, 1, 0, out, 1)
        case .dense(let x, let ld, _):
            // outᵀ (width × outputs, column-major) = inputᵀ op(X)ᵀ, inputᵀ being the input read column-major.
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(transposed ? FL_BLAS_NO_TRANS : FL_BLAS_TRANS), Int32(width),
                       Int32(outputs), Int32(inner), 1, input, Int32(width), x, Int32(ld), 0, out, Int32(width))
        }
    }

    /// Adds Xᵀ diag(c) X (cols × cols) into `matrix` (column-major, leading dimension `ldm`, so it may sit in the
    /// top-left of a larger matrix); `curvature` (c) non-negative. Sparse: each row's pairs of non-zero values (a
    /// row of Adult's has about 14, so a hundred pairs, where a dense Gram takes 99²); dense: `addWeightedGram`.
    public func addWeightedGram(curvature: [Double], into matrix: inout [Double], leadingDimension ldm: Int) {
        switch storage {
        case .sparse(let compressed, let offsets):
            let lower = curvature.withUnsafeBufferPointer { compressed.weightedGramLower($0.baseAddress!) }
            for b in 0..<cols {
                for a in b..<cols {
                    matrix[a + b * ldm] += lower[a + b * cols]
                    if a != b { matrix[b + a * ldm] += lower[a + b * cols] }
                }
            }
            guard let offsets else { return }
            // (S + 1mᵀ)ᵀ C (S + 1mᵀ) = SᵀCS + m sᵀ + s mᵀ + (Σc) m mᵀ, with s = Sᵀc.
            var s = [Double](repeating: 0, count: cols)
            curvature.withUnsafeBufferPointer { compressed.transposeMultiply($0.baseAddress!, width: 1, into: &s) }
            let total = curvature.reduce(0, +)
            for b in 0..<cols {
                for a in 0..<cols { matrix[a + b * ldm] += offsets[a] * s[b] + s[a] * offsets[b] + total * offsets[a] * offsets[b] }
            }
        case .dense(let x, let ld, _):
            FairlabPluginKit.addWeightedGram(
                of: x, rows: rows, cols: cols, leadingDimension: ld, curvature: curvature, blas: blas, into: &matrix, leadingDimension: ldm)
        }
    }

    /// ‖x_i‖² of each row.
    public func squaredNorms() -> [Double] {
        switch storage {
        case .sparse(let compressed, let offsets):
            guard let offsets else { return compressed.squaredNorms() }
            // ‖s_i + m‖² = ‖s_i‖² + 2 s_i·m + ‖m‖².
            var products = [Double](repeating: 0, count: rows)
            compressed.multiply(offsets, width: 1, into: &products)
            let shift = offsets.reduce(0) { $0 + $1 * $1 }
            return zip(compressed.squaredNorms(), products).map { $0 + 2 * $1 + shift }
        case .dense(let x, let ld, _):
            var norms = [Double](repeating: 0, count: rows)
            for j in 0..<cols { for i in 0..<rows { norms[i] += x[i + j * ld] * x[i + j * ld] } }
            return norms
        }
    }
}
