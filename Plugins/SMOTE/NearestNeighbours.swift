import CFairlabPlugin
import FairlabPluginKit

/// The k nearest neighbours (Euclidean) of every row of a set of rows among the same rows, itself excluded, as
/// imbalanced-learn's SMOTE asks scikit-learn's `NearestNeighbors` for them. Squared distances are
/// ‖a‖² + ‖b‖² − 2a·b, the products computed by the host's BLAS (dgemm) a block of query rows at a time, so
/// memory stays at one block × the set's size.
struct NearestNeighbours {
    /// neighbours[i * k + slot]: the slot-th nearest row (an index into the set) of row i, nearest first.
    let neighbours: [Int]
    /// Neighbours per row: min(requested, rows − 1).
    let k: Int

    /// The neighbours among `points` (rows × cols, column-major, leading dimension = rows).
    init(points: [Double], rows: Int, cols: Int, k requested: Int, blas: fl_blas) {
        k = min(requested, rows - 1)
        guard k > 0 else { neighbours = []; return }
        var norms = [Double](repeating: 0, count: rows)
        for j in 0..<cols { for i in 0..<rows { norms[i] += points[i + j * rows] * points[i + j * rows] } }
        let blockRows = max(1, min(rows, (1 << 22) / rows))
        var products = [Double](repeating: 0, count: blockRows * rows)
        var found = [Int](repeating: 0, count: rows * k)
        var bestDistances = [Double](repeating: 0, count: k), bestRows = [Int](repeating: 0, count: k)
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            // products (rows × count) = points · points[start ..< start + count, :]ᵀ: a query's products are one
            // contiguous column.
            points.withUnsafeBufferPointer { x in
                products.withUnsafeMutableBufferPointer { out in
                    blas.dgemm(
                        Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(rows), Int32(count), Int32(cols),
                        1, x.baseAddress!, Int32(rows), x.baseAddress! + start, Int32(rows), 0, out.baseAddress!, Int32(rows))
                }
            }
            for local in 0..<count {
                let i = start + local
                var filled = 0
                for j in 0..<rows where j != i {
                    let distance = max(0, norms[i] + norms[j] - 2 * products[j + local * rows])
                    // Insertion into the sorted k best; an equal distance keeps the earlier row first.
                    if filled == k && distance >= bestDistances[k - 1] { continue }
                    var position = filled == k ? k - 1 : filled
                    if filled < k { filled += 1 }
                    while position > 0 && bestDistances[position - 1] > distance {
                        bestDistances[position] = bestDistances[position - 1]
                        bestRows[position] = bestRows[position - 1]
                        position -= 1
                    }
                    bestDistances[position] = distance
                    bestRows[position] = j
                }
                for slot in 0..<k { found[i * k + slot] = bestRows[slot] }
            }
            start += count
        }
        neighbours = found
    }
}
