import CFairlabPlugin
import FairlabPluginKit

/// The k nearest neighbours (Euclidean) of some rows of a set among all the set's rows, the row itself excluded, as
/// imbalanced-learn's SMOTE asks scikit-learn's `NearestNeighbors` for them. Squared distances are
/// ‖a‖² + ‖b‖² − 2a·b, the products computed by the host's BLAS a block of query rows at a time, so memory stays at
/// one block × the set's size. Only the rows SMOTE will interpolate from are asked for: when it adds fewer rows than
/// the set has, many rows are never drawn, and their searches would be wasted.
///
/// Columns whose values are all 0 or 1 (one-hot categories, most of a typical table) have their products computed
/// in single precision when the host has `sgemm` (ABI 7): a sum of 0/1 products is a small integer, exact in a
/// float, so the distances are those of a double product while the largest part of the work runs at twice the
/// speed. The other columns' products are added in double.
struct NearestNeighbours {
    /// neighbours[i * k + slot]: the slot-th nearest row (an index into the set) of query row i, nearest first;
    /// unspecified for rows that were not queried.
    let neighbours: [Int]
    /// Neighbours per row: `NearestNeighbours.count(requested:rows:)`.
    let k: Int

    /// Neighbours each row gets when `requested` are asked for among `rows` rows: all but the row itself at most.
    static func count(requested: Int, rows: Int) -> Int { min(requested, rows - 1) }

    /// The neighbours among `points` (rows × cols, column-major, leading dimension = rows) of each row in `queries`;
    /// `singlePrecision`: whether the host's BLAS has `sgemm`.
    init(points: [Double], rows: Int, cols: Int, k requested: Int, queries: [Int], blas: fl_blas, singlePrecision: Bool) {
        let k = Self.count(requested: requested, rows: rows)
        self.k = k
        guard k > 0 else { neighbours = []; return }
        var norms = [Double](repeating: 0, count: rows)
        var indicatorColumns: [Int] = [], otherColumns: [Int] = []
        points.withUnsafeBufferPointer { points in
            norms.withUnsafeMutableBufferPointer { norms in
                for j in 0..<cols {
                    let column = UnsafeBufferPointer(rebasing: points[(j * rows)..<((j + 1) * rows)])
                    for i in 0..<rows { norms[i] += column[i] * column[i] }
                    if singlePrecision && column.allSatisfy({ $0 == 0 || $0 == 1 }) { indicatorColumns.append(j) } else { otherColumns.append(j) }
                }
            }
        }
        // 2 MB of products per block: small enough to stay in cache between BLAS writing them and the scan below
        // reading them (at 32 MB the scan ran at memory speed), large enough that packing the points is a small
        // share of the products' work.
        let blockRows = max(1, min(queries.count, max(32, (1 << 18) / rows)))
        let indicators = IndicatorProducts(points: points, rows: rows, columns: indicatorColumns, blockRows: blockRows)
        var products = [Double](repeating: 0, count: blockRows * rows)
        var block = [Double](repeating: 0, count: blockRows * otherColumns.count)
        // The other columns, rows × their count, column-major (all of `points` when none is an indicator).
        var others = points
        if indicators != nil {
            others = [Double](repeating: 0, count: rows * otherColumns.count)
            for (position, j) in otherColumns.enumerated() {
                for i in 0..<rows { others[i + position * rows] = points[i + j * rows] }
            }
        }
        var found = [Int](repeating: 0, count: rows * k)
        var start = 0
        while start < queries.count {
            let count = min(blockRows, queries.count - start)
            let queried = queries[start..<(start + count)]
            // The indicator columns' products first (they set every product), then the others' added in double.
            indicators?.products(of: queried, into: &products, blas: blas)
            if !otherColumns.isEmpty {
                for position in 0..<otherColumns.count {
                    for (local, row) in queried.enumerated() { block[local + position * count] = others[row + position * rows] }
                }
                // products (rows × count) += others · blockᵀ: a query's products are one contiguous column.
                others.withUnsafeBufferPointer { x in
                    block.withUnsafeBufferPointer { queried in
                        products.withUnsafeMutableBufferPointer { out in
                            blas.dgemm(
                                Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(rows), Int32(count),
                                Int32(otherColumns.count), 1, x.baseAddress!, Int32(rows), queried.baseAddress!, Int32(count), indicators == nil ? 0 : 1,
                                out.baseAddress!, Int32(rows))
                        }
                    }
                }
            } else if indicators == nil {
                for index in 0..<(count * rows) { products[index] = 0 }   // no columns: every distance is 0
            }
            // Raw pointers: this loop visits every (query, row) pair, and array bounds checks would double its cost.
            norms.withUnsafeBufferPointer { norms in
                products.withUnsafeBufferPointer { products in
                    var best = NearestSet(k: k)
                    for local in 0..<count {
                        let i = queries[start + local]
                        let column = products.baseAddress! + local * rows
                        let own = norms[i]
                        best.reset()
                        // Eight rows at a time: one vector comparison passes over the blocks (most of them) that hold
                        // no row nearer than the k found so far. The arithmetic is the scalar one's, element-wise.
                        var j = 0
                        while j + 8 <= rows {
                            let products = UnsafeRawPointer(column + j).loadUnaligned(as: SIMD8<Double>.self)
                            let others = UnsafeRawPointer(norms.baseAddress! + j).loadUnaligned(as: SIMD8<Double>.self)
                            var distances = (SIMD8(repeating: own) + others) - 2 * products
                            distances.replace(with: 0, where: distances .< 0)   // rounding below an exact 0 (duplicate rows)
                            if any(distances .< best.worst) {
                                for lane in 0..<8 where j + lane != i { best.offer(distances[lane], row: j + lane) }
                            }
                            j += 8
                        }
                        while j < rows {
                            var distance = own + norms[j] - 2 * column[j]
                            if distance < 0 { distance = 0 }
                            if j != i { best.offer(distance, row: j) }
                            j += 1
                        }
                        for slot in 0..<k { found[i * k + slot] = best.rows[slot] }
                    }
                }
            }
            start += count
        }
        neighbours = found
    }
}

/// The k nearest rows offered so far, nearest first; an equal distance keeps the row offered first.
private struct NearestSet {
    let k: Int
    private(set) var distances: [Double]
    private(set) var rows: [Int]
    private var filled = 0
    /// The k-th smallest distance once k rows have been offered (no row at or beyond it can enter), else +∞.
    private(set) var worst = Double.infinity

    init(k: Int) {
        self.k = k
        distances = [Double](repeating: 0, count: k)
        rows = [Int](repeating: 0, count: k)
    }

    mutating func reset() {
        filled = 0
        worst = .infinity
    }

    /// Insertion into the sorted k best.
    @inline(__always)
    mutating func offer(_ distance: Double, row: Int) {
        if distance >= worst { return }
        var position = filled == k ? k - 1 : filled
        if filled < k { filled += 1 }
        while position > 0 && distances[position - 1] > distance {
            distances[position] = distances[position - 1]
            rows[position] = rows[position - 1]
            position -= 1
        }
        distances[position] = distance
        rows[position] = row
        if filled == k { worst = distances[k - 1] }
    }
}

/// The 0/1 columns of a set in single precision, and their products with a block of query rows through the host's
/// `sgemm`, widened to double.
private final class IndicatorProducts {
    let rows: Int
    let columns: Int
    /// rows × columns, column-major.
    private let points: [Float]
    /// One block of queried rows' columns, and their products: kept from one block to the next.
    private var block: [Float]
    private var products: [Float]

    /// Nil when there are no such columns (the caller finds none when the host has no `sgemm`).
    init?(points source: [Double], rows: Int, columns: [Int], blockRows: Int) {
        guard !columns.isEmpty else { return nil }
        self.rows = rows
        self.columns = columns.count
        var points = [Float](repeating: 0, count: rows * columns.count)
        for (position, j) in columns.enumerated() {
            for i in 0..<rows { points[i + position * rows] = Float(source[i + j * rows]) }
        }
        self.points = points
        block = [Float](repeating: 0, count: blockRows * columns.count)
        products = [Float](repeating: 0, count: blockRows * rows)
    }

    /// Writes into `out` (rows × queried.count, column-major) the products of every row with each queried row.
    func products(of queried: ArraySlice<Int>, into out: inout [Double], blas: fl_blas) {
        let count = queried.count
        for position in 0..<columns {
            for (local, row) in queried.enumerated() { block[local + position * count] = points[row + position * rows] }
        }
        points.withUnsafeBufferPointer { x in
            block.withUnsafeBufferPointer { queried in
                products.withUnsafeMutableBufferPointer { result in
                    blas.sgemm(
                        Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(rows), Int32(count), Int32(columns),
                        1, x.baseAddress!, Int32(rows), queried.baseAddress!, Int32(count), 0, result.baseAddress!, Int32(rows))
                }
            }
        }
        products.withUnsafeBufferPointer { products in
            out.withUnsafeMutableBufferPointer { out in
                for index in 0..<(count * rows) { out[index] = Double(products[index]) }
            }
        }
    }
}
