import CFairlabKernels
import CFairlabPlugin
import FairlabPluginKit

/// The rows a network is trained on or predicts, stored for the two products each batch takes with the first layer,
/// in single precision as the network is. Sparse rows (`SparseRows`'s entries, their values as Float) when most
/// values are zero, as one-hot encoded rows are (a row of Adult has about 14 non-zero values of 99), or equal to their
/// column's most common value, as standardised one-hot rows are (`SparseRows.offsets`): the products then go over the
/// other values only, a seventh of the work. Dense rows, one after another, otherwise (numeric data), where the host's
/// sgemm is faster.
struct FeatureRows {
    private enum Storage {
        /// S, compressed as `SparseRows` stores it (each row's entries from starts[r], their columns and values, the
        /// values in single precision), and the offsets m (one per column) with X = S + 1 mᵀ, or nil where S is X itself.
        case sparse(starts: [Int64], columns: [Int32], values: [Float], offsets: [Float]?)
        /// Row-major: row r's values at r · width.
        case dense([Float])
    }

    private var storage: Storage
    /// The columns of a row.
    let width: Int

    /// The rows of `data`: its density counted first, so dense data is copied once, row by row, never compressed.
    init(_ data: DataView) {
        let all = Array(0..<data.cols), (offsets, density) = SparseRows.offsets(of: data, columns: all)
        if density <= SparseRows.densityLimit {
            self.init(sparse: SparseRows(data, columns: all, subtracting: offsets), offsets: offsets)
        } else {
            var rows = [Float](repeating: 0, count: data.rows * data.cols)
            for j in 0..<data.cols {
                let column = data.column(j)
                for i in 0..<data.rows { rows[i * data.cols + j] = Float(column[i]) }
            }
            self.init(dense: rows, width: data.cols)
        }
    }

    /// The rows given as the columns of a `width` × `count` column-major matrix (each row's values one after
    /// another), stored sparse (less `offsets`, one per column, when given) or dense as `sparse` says (nil: by their
    /// density).
    init(columns matrix: [Double], width: Int, count: Int, sparse: Bool? = nil, offsets: [Double]? = nil) {
        let rows = SparseRows(columns: offsets.map { m in matrix.indices.map { matrix[$0] - m[$0 % width] } } ?? matrix, width: width, count: count)
        if sparse ?? (rows.density <= SparseRows.densityLimit) {
            self.init(sparse: rows, offsets: offsets)
        } else {
            self.init(dense: matrix.map(Float.init), width: width)
        }
    }

    private init(sparse rows: SparseRows, offsets: [Double]?) {
        storage = .sparse(starts: rows.starts, columns: rows.columns, values: rows.values.map(Float.init), offsets: offsets?.map(Float.init))
        width = rows.width
    }

    private init(dense rows: [Float], width: Int) {
        storage = .dense(rows)
        self.width = width
    }

    /// Whether the rows are stored sparse.
    var isSparse: Bool {
        if case .sparse = storage { return true }
        return false
    }

    /// The number of stored values of the rows `batch` (for sparse rows, their non-zero values).
    func entries(in batch: [Int64]) -> Int {
        switch storage {
        case .sparse(let starts, _, _, _): batch.reduce(0) { $0 + Int(starts[Int($1) + 1] - starts[Int($1)]) }
        case .dense: batch.count * width
        }
    }

    /// out (`outputs` × count, column-major) = W (`outputs` × width, column-major) · the rows `batch` (as columns).
    /// `gathered` holds width × count values for dense rows; `blas` needs `sgemm`.
    func multiply(
        _ weights: UnsafePointer<Float>, outputs: Int, batch: UnsafePointer<Int64>, count: Int, gathered: UnsafeMutablePointer<Float>,
        blas: fl_blas, into out: UnsafeMutablePointer<Float>
    ) {
        switch storage {
        case .sparse(let starts, let columns, let values, let offsets):
            fairlab_sparse_rows_times_f32(starts, columns, values, batch, Int64(count), weights, Int64(outputs), out)
            guard let offsets else { return }
            // + (W m) 1ᵀ: the offsets' product, added to every row's.
            var shift = [Float](repeating: 0, count: outputs)
            for j in 0..<width where offsets[j] != 0 { for h in 0..<outputs { shift[h] += weights[h + j * outputs] * offsets[j] } }
            for position in 0..<count { for h in 0..<outputs { out[h + position * outputs] += shift[h] } }
        case .dense(let values):
            gather(values, batch: batch, count: count, into: gathered)
            blas.sgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(outputs), Int32(count), Int32(width),
                       1, weights, Int32(outputs), gathered, Int32(width), 0, out, Int32(outputs))
        }
    }

    /// out (`outputs` × width, column-major) = D (`outputs` × count, column-major) · the rows `batch` (count × width):
    /// the first layer's gradient for the slopes D. Dense rows use `gathered` as `multiply` left it for the same batch.
    func multiplyTransposed(
        _ slopes: UnsafePointer<Float>, outputs: Int, batch: UnsafePointer<Int64>, count: Int, gathered: UnsafePointer<Float>,
        blas: fl_blas, into out: UnsafeMutablePointer<Float>
    ) {
        switch storage {
        case .sparse(let starts, let columns, let values, let offsets):
            fairlab_sparse_rows_transpose_times_f32(starts, columns, values, batch, Int64(count), slopes, Int64(outputs), Int64(width), out)
            guard let offsets else { return }
            // + (D 1) mᵀ: the slopes summed over the batch, times each column's offset.
            var sums = [Float](repeating: 0, count: outputs)
            for position in 0..<count { for h in 0..<outputs { sums[h] += slopes[h + position * outputs] } }
            for j in 0..<width where offsets[j] != 0 { for h in 0..<outputs { out[h + j * outputs] += sums[h] * offsets[j] } }
        case .dense:
            blas.sgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(outputs), Int32(width), Int32(count),
                       1, slopes, Int32(outputs), gathered, Int32(width), 0, out, Int32(outputs))
        }
    }

    /// These rows in `order` (row k of the result is row `order[k]` here). Training takes each epoch's shuffled
    /// rows in this order, so that a batch's rows lie one after another, which the processor fetches ahead, rather than
    /// scattered over the training set, each a cache miss once the step's other buffers have evicted it (measured:
    /// the products of a step in 0.80 of the time on Adult, for a copy of 2 MB per epoch). The same values in the same
    /// places of each batch: the same results. Sparse rows are copied by a kernel (`fairlab_gather_sparse_rows_f32`):
    /// appending each row's dozen entries to Swift arrays took a seventh of a fit, the kernel a twentieth.
    func reordered(_ order: [Int]) -> FeatureRows {
        var copy = self
        switch storage {
        case .sparse(let starts, let columns, let values, let offsets):
            var newStarts = [Int64](repeating: 0, count: order.count + 1)
            let entries = order.reduce(0) { $0 + Int(starts[$1 + 1] - starts[$1]) }
            var newColumns = [Int32](repeating: 0, count: entries), newValues = [Float](repeating: 0, count: entries)
            order.withUnsafeBufferPointer { order in
                order.withMemoryRebound(to: Int64.self) { order in
                    fairlab_gather_sparse_rows_f32(starts, columns, values, order.baseAddress!, Int64(order.count), &newStarts, &newColumns, &newValues)
                }
            }
            copy.storage = .sparse(starts: newStarts, columns: newColumns, values: newValues, offsets: offsets)
        case .dense(let values):
            copy.storage = .dense(order.flatMap { values[($0 * width)..<(($0 + 1) * width)] })
        }
        return copy
    }

    /// Copies the rows `batch` of row-major `values` into the columns of `out` (width × count).
    private func gather(_ values: [Float], batch: UnsafePointer<Int64>, count: Int, into out: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { source in
            for position in 0..<count {
                (out + position * width).update(from: source.baseAddress! + Int(batch[position]) * width, count: width)
            }
        }
    }
}
