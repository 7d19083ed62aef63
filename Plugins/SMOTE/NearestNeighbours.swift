import CFairlabPlugin
import FairlabPluginKit

/// The k nearest neighbours (Euclidean) of some rows of a set among all the set's rows, the row itself excluded, as
/// imbalanced-learn's SMOTE asks scikit-learn's `NearestNeighbors` for them. Squared distances are
/// ‖a‖² + ‖b‖² − 2a·b, the products computed by the host's BLAS a block of query rows at a time, so memory stays at
/// one block × the set's size, and scanned by the kit's `NearestRows`. Only the rows SMOTE will interpolate from are
/// asked for: when it adds fewer rows than the set has, many rows are never drawn, and their searches would be
/// wasted.
///
/// Columns whose values are all 0 or 1 (one-hot categories, most of a typical table) have their products computed
/// in single precision when the host has `sgemm` (ABI 7): a sum of 0/1 products is a small integer, exact in a
/// float, so the distances equal a double product's up to rounding (a near-tie may resolve differently) while the
/// largest part of the work runs at twice the speed. The other columns' products are computed in double, and the scan adds the two.
struct NearestNeighbours {
    /// neighbours[i * k + slot]: the slot-th nearest row (an index into the set) of query row i, nearest first;
    /// unspecified for rows that were not queried.
    let neighbours: [Int]
    /// Neighbours per row: `NearestNeighbours.count(requested:rows:)`.
    let k: Int
    /// How many of the columns had their products computed in single precision (0/1 columns, with `sgemm`).
    let singlePrecisionColumns: Int

    /// Neighbours each row gets when `requested` are asked for among `rows` rows: all but the row itself at most.
    static func count(requested: Int, rows: Int) -> Int { min(requested, rows - 1) }

    /// The neighbours among `points` (rows × cols, column-major, leading dimension = rows) of each row in `queries`.
    init(points: [Double], rows: Int, cols: Int, k requested: Int, queries: [Int], blas: fl_blas) {
        let k = Self.count(requested: requested, rows: rows)
        self.k = k
        guard k > 0 else { neighbours = []; singlePrecisionColumns = 0; return }
        var norms = [Double](repeating: 0, count: rows)
        var indicatorColumns: [Int] = [], otherColumns: [Int] = []
        let singlePrecision = blas.sgemm != nil
        points.withUnsafeBufferPointer { points in
            norms.withUnsafeMutableBufferPointer { norms in
                for j in 0..<cols {
                    let column = UnsafeBufferPointer(rebasing: points[(j * rows)..<((j + 1) * rows)])
                    for i in 0..<rows { norms[i] += column[i] * column[i] }
                    if singlePrecision && column.allSatisfy({ $0 == 0 || $0 == 1 }) { indicatorColumns.append(j) } else { otherColumns.append(j) }
                }
            }
        }
        // 2 MB of double products per block: small enough to stay in cache between BLAS writing them and the scan
        // reading them (at 32 MB the scan ran at memory speed), large enough that packing the points is a small
        // share of the products' work.
        let blockRows = max(1, min(queries.count, max(32, (1 << 18) / rows)))
        singlePrecisionColumns = indicatorColumns.count
        let indicators = BlockProducts<Float>(points: points, rows: rows, columns: indicatorColumns, blockRows: blockRows)
        let others = BlockProducts<Double>(points: points, rows: rows, columns: otherColumns, blockRows: blockRows)
        var nearest = NearestRows(k: k)
        var found = [Int](repeating: 0, count: rows * k)
        var start = 0
        while start < queries.count {
            let count = min(blockRows, queries.count - start)
            let queried = queries[start..<(start + count)]
            indicators?.multiply(queried, blas: blas)
            others?.multiply(queried, blas: blas)
            norms.withUnsafeBufferPointer { norms in
                for (local, i) in queried.enumerated() {
                    nearest.search(
                        products: others?.products(ofQuery: local), indicatorProducts: indicators?.products(ofQuery: local),
                        norms: norms.baseAddress!, count: rows, own: norms[i], excluding: i)
                    for (slot, row) in nearest.rows.enumerated() { found[i * k + slot] = Int(row) }
                }
            }
            start += count
        }
        neighbours = found
    }
}

/// A scalar the host's BLAS multiplies matrices of: `dgemm` for Double, `sgemm` for Float.
private protocol GEMMScalar: BinaryFloatingPoint {
    /// c (m × n) = a (m × k) · bᵀ (b: n × k), all column-major with leading dimensions m, n and m.
    static func multiply(_ blas: fl_blas, m: Int, n: Int, k: Int, a: UnsafePointer<Self>, b: UnsafePointer<Self>, c: UnsafeMutablePointer<Self>)
}

extension Double: GEMMScalar {
    fileprivate static func multiply(_ blas: fl_blas, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>) {
        blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(m), Int32(n), Int32(k), 1, a, Int32(m), b, Int32(n), 0, c, Int32(m))
    }
}

extension Float: GEMMScalar {
    fileprivate static func multiply(_ blas: fl_blas, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        blas.sgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(m), Int32(n), Int32(k), 1, a, Int32(m), b, Int32(n), 0, c, Int32(m))
    }
}

/// Some columns of a set, in double or single precision, and their products with a block of query rows through
/// the host's BLAS.
private final class BlockProducts<Scalar: GEMMScalar> {
    let rows: Int
    let columns: Int
    /// rows × columns, column-major.
    private let points: UnsafeMutableBufferPointer<Scalar>
    /// One block of queried rows' columns, and their products (rows × the block's size, column-major: a query's
    /// products are one contiguous column): kept from one block to the next.
    private let block: UnsafeMutableBufferPointer<Scalar>
    private let products: UnsafeMutableBufferPointer<Scalar>

    /// Nil when there are no such columns.
    init?(points source: [Double], rows: Int, columns: [Int], blockRows: Int) {
        guard !columns.isEmpty else { return nil }
        self.rows = rows
        self.columns = columns.count
        points = .allocate(capacity: rows * columns.count)
        for (position, j) in columns.enumerated() {
            for i in 0..<rows { points[i + position * rows] = Scalar(source[i + j * rows]) }
        }
        block = .allocate(capacity: blockRows * columns.count)
        products = .allocate(capacity: blockRows * rows)
    }

    deinit {
        points.deallocate()
        block.deallocate()
        products.deallocate()
    }

    /// The products of every row with each of the `queried` rows.
    func multiply(_ queried: ArraySlice<Int>, blas: fl_blas) {
        let count = queried.count
        for position in 0..<columns {
            for (local, row) in queried.enumerated() { block[local + position * count] = points[row + position * rows] }
        }
        Scalar.multiply(blas, m: rows, n: count, k: columns, a: points.baseAddress!, b: block.baseAddress!, c: products.baseAddress!)
    }

    /// The last `multiply`'s products of every row with its `local`-th queried row (valid until the next one).
    func products(ofQuery local: Int) -> UnsafePointer<Scalar> { UnsafePointer(products.baseAddress! + local * rows) }
}
