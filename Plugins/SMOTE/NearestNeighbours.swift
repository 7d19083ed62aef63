import CFairlabPlugin
import FairlabPluginKit

/// The k nearest neighbours (Euclidean) of some rows of a set among all the set's rows, the row itself excluded, as
/// imbalanced-learn's SMOTE asks scikit-learn's `NearestNeighbors` for them. Squared distances are
/// ‖a‖² + ‖b‖² − 2a·b, the products computed by the host's BLAS (dgemm) a block of query rows at a time, so
/// memory stays at one block × the set's size. Only the rows SMOTE will interpolate from are asked for: when it
/// adds fewer rows than the set has, many rows are never drawn, and their searches would be wasted.
struct NearestNeighbours {
    /// neighbours[i * k + slot]: the slot-th nearest row (an index into the set) of query row i, nearest first;
    /// unspecified for rows that were not queried.
    let neighbours: [Int]
    /// Neighbours per row: `NearestNeighbours.count(requested:rows:)`.
    let k: Int

    /// Neighbours each row gets when `requested` are asked for among `rows` rows: all but the row itself at most.
    static func count(requested: Int, rows: Int) -> Int { min(requested, rows - 1) }

    /// The neighbours among `points` (rows × cols, column-major, leading dimension = rows) of each row in `queries`.
    init(points: [Double], rows: Int, cols: Int, k requested: Int, queries: [Int], blas: fl_blas) {
        let k = Self.count(requested: requested, rows: rows)
        self.k = k
        guard k > 0 else { neighbours = []; return }
        var norms = [Double](repeating: 0, count: rows)
        for j in 0..<cols { for i in 0..<rows { norms[i] += points[i + j * rows] * points[i + j * rows] } }
        // 2 MB of products per block: small enough to stay in cache between dgemm writing them and the scan below
        // reading them (at 32 MB the scan ran at memory speed), large enough that dgemm's packing of the points is
        // a small share of its work.
        let blockRows = max(1, min(queries.count, max(32, (1 << 18) / rows)))
        var products = [Double](repeating: 0, count: blockRows * rows)
        var block = [Double](repeating: 0, count: blockRows * cols)
        var found = [Int](repeating: 0, count: rows * k)
        var start = 0
        while start < queries.count {
            let count = min(blockRows, queries.count - start)
            for j in 0..<cols { for local in 0..<count { block[local + j * count] = points[queries[start + local] + j * rows] } }
            // products (rows × count) = points · blockᵀ: a query's products are one contiguous column.
            points.withUnsafeBufferPointer { x in
                block.withUnsafeBufferPointer { queried in
                    products.withUnsafeMutableBufferPointer { out in
                        blas.dgemm(
                            Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(rows), Int32(count), Int32(cols),
                            1, x.baseAddress!, Int32(rows), queried.baseAddress!, Int32(count), 0, out.baseAddress!, Int32(rows))
                    }
                }
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
