import CFairlabKernels
import CFairlabPlugin
import FairlabPluginKit

/// The rows a network is trained on or predicts, stored for the two products each batch takes with the first layer.
/// Sparse rows (`SparseRows`) when most values are zero, as one-hot encoded rows are (a row of Adult has about 14
/// non-zero values of 99): the products then go over the non-zero values only, a seventh of the work. Dense rows,
/// one after another, otherwise (all columns standardised, or numeric data), where the host's dgemm is faster.
struct FeatureRows {
    private enum Storage {
        case sparse(SparseRows)
        /// Row-major: row r's values at r · width.
        case dense([Double])
    }

    private let storage: Storage
    /// The columns of a row.
    let width: Int

    /// The rows of `data`.
    init(_ data: DataView) {
        self.init(SparseRows(data), sparse: nil)
    }

    /// The rows given as the columns of a `width` × `count` column-major matrix, stored sparse or dense as `sparse`
    /// says (nil: by their density).
    init(columns matrix: [Double], width: Int, count: Int, sparse: Bool? = nil) {
        self.init(SparseRows(columns: matrix, width: width, count: count), sparse: sparse)
    }

    private init(_ rows: SparseRows, sparse: Bool?) {
        width = rows.width
        storage = sparse ?? (rows.density <= SparseRows.densityLimit) ? .sparse(rows) : .dense(rows.denseRows())
    }

    /// Whether the rows are stored sparse.
    var isSparse: Bool {
        if case .sparse = storage { return true }
        return false
    }

    /// The number of stored values of the rows `batch` (for sparse rows, their non-zero values).
    func entries(in batch: [Int64]) -> Int {
        switch storage {
        case .sparse(let rows): batch.reduce(0) { $0 + Int(rows.starts[Int($1) + 1] - rows.starts[Int($1)]) }
        case .dense: batch.count * width
        }
    }

    /// out (`outputs` × count, column-major) = W (`outputs` × width, column-major) · the rows `batch` (as columns).
    /// `gathered` holds width × count values for dense rows.
    func multiply(
        _ weights: UnsafePointer<Double>, outputs: Int, batch: UnsafePointer<Int64>, count: Int, gathered: UnsafeMutablePointer<Double>,
        blas: fl_blas, into out: UnsafeMutablePointer<Double>
    ) {
        switch storage {
        case .sparse(let rows):
            rows.withStorage { fairlab_sparse_rows_times($0, $1, $2, batch, Int64(count), weights, Int64(outputs), out) }
        case .dense(let values):
            gather(values, batch: batch, count: count, into: gathered)
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(outputs), Int32(count), Int32(width),
                       1, weights, Int32(outputs), gathered, Int32(width), 0, out, Int32(outputs))
        }
    }

    /// out (`outputs` × width, column-major) = D (`outputs` × count, column-major) · the rows `batch` (count × width):
    /// the first layer's gradient for the slopes D. For sparse rows `columnStarts` (width + 1 values) and `slots`
    /// (twice `entries(in:)`) are scratch; dense rows use `gathered` as `multiply` left it for the same batch.
    func multiplyTransposed(
        _ slopes: UnsafePointer<Double>, outputs: Int, batch: UnsafePointer<Int64>, count: Int, gathered: UnsafePointer<Double>,
        columnStarts: UnsafeMutablePointer<Int64>, slots: UnsafeMutablePointer<Int64>, blas: fl_blas, into out: UnsafeMutablePointer<Double>
    ) {
        switch storage {
        case .sparse(let rows):
            rows.withStorage {
                fairlab_sparse_rows_transpose_times($0, $1, $2, batch, Int64(count), slopes, Int64(outputs), Int64(width), columnStarts, slots, out)
            }
        case .dense:
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(outputs), Int32(width), Int32(count),
                       1, slopes, Int32(outputs), gathered, Int32(width), 0, out, Int32(outputs))
        }
    }

    /// Copies the rows `batch` of row-major `values` into the columns of `out` (width × count).
    private func gather(_ values: [Double], batch: UnsafePointer<Int64>, count: Int, into out: UnsafeMutablePointer<Double>) {
        values.withUnsafeBufferPointer { source in
            for position in 0..<count {
                (out + position * width).update(from: source.baseAddress! + Int(batch[position]) * width, count: width)
            }
        }
    }
}
