import CFairlabPlugin
import FairlabPluginKit

/// The rows LFR is fitted on or represents, stored for the two products an evaluation takes with them, S = X Vᵀ
/// and Xᵀ F. Compressed (`SparseRows`, by rows and by columns) when most values are zero, as one-hot encoded rows
/// are: the products then go over the non-zero values only (a row of Adult has about 14 of 99), without the copies
/// dgemm makes of all of X for a product only k = 5 wide. Dense, column-major, for the host's dgemm otherwise.
struct LFRRows {
    private enum Storage {
        case sparse(rows: SparseRows, columns: SparseRows)
        /// count × features, column-major.
        case dense([Double])
    }

    private let storage: Storage
    let count: Int
    let features: Int
    /// ‖x_i‖² of each row.
    let squaredNorms: [Double]

    /// The rows of `x` (count × features, column-major), stored sparse or dense as `sparse` says (nil: by their
    /// density, as `SparseRows.densityLimit` says).
    init(columnMajor x: [Double], count: Int, features: Int, sparse: Bool? = nil) {
        self.count = count
        self.features = features
        // X's columns, each one after another, are the rows of Xᵀ.
        let columns = SparseRows(columns: x, width: count, count: features), rows = columns.transposed()
        squaredNorms = rows.squaredNorms()
        storage = sparse ?? (rows.density <= SparseRows.densityLimit) ? .sparse(rows: rows, columns: columns) : .dense(x)
    }

    /// Whether the rows are stored sparse.
    var isSparse: Bool {
        if case .sparse = storage { return true }
        return false
    }

    /// S = X Vᵀ (count × k, row-major) for the k prototypes `v` (k × features, row-major).
    func products(prototypes v: UnsafePointer<Double>, k: Int, blas: fl_blas, into s: UnsafeMutablePointer<Double>) {
        switch storage {
        case .sparse(let rows, _):
            var transposed = [Double](repeating: 0, count: features * k)
            for j in 0..<k { for f in 0..<features { transposed[f * k + j] = v[j * features + f] } }
            rows.multiply(transposed, width: k, into: s)
        case .dense(let x):
            // Sᵀ (k × count, column-major) = V Xᵀ; V read as features × k column-major, transposed.
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_TRANS), Int32(k), Int32(count), Int32(features),
                       1, v, Int32(features), x, Int32(count), 0, s, Int32(k))
        }
    }

    /// Xᵀ F (features × k, row-major) for `f` (count × k, row-major).
    func transposeTimes(_ f: UnsafePointer<Double>, k: Int, blas: fl_blas, into out: UnsafeMutablePointer<Double>) {
        switch storage {
        case .sparse(_, let columns):
            columns.multiply(f, width: k, into: out)
        case .dense(let x):
            // (Xᵀ F)ᵀ (k × features, column-major) = Fᵀ X; F read as k × count column-major.
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(k), Int32(features), Int32(count),
                       1, f, Int32(k), x, Int32(count), 0, out, Int32(k))
        }
    }
}
