import CFairlabKernels

/// The k rows nearest a query, found from the query's products with every row and the rows' squared norms: the
/// squared distance to row j is ‖q‖² + ‖x_j‖² − 2 x_j·q (below 0, from rounding on a duplicate row, taken as 0),
/// nearest first and, among equal distances, the earlier row first. The scan over the rows is compiled C
/// (`fairlab_nearest_rows`): eight rows at a time, a block none of whose rows can enter costs one comparison.
public struct NearestRows {
    /// How many rows each search keeps.
    public let k: Int
    private var distances: [Double]
    private var nearest: [Int64]
    /// How many rows the last search found: k, unless it had fewer.
    private var found = 0
    /// The last search's rows, nearest first.
    public var rows: ArraySlice<Int64> { nearest[..<found] }

    public init(k: Int) {
        precondition(k >= 1, "at least one neighbour")
        self.k = k
        distances = [Double](repeating: 0, count: k)
        nearest = [Int64](repeating: 0, count: k)
    }

    /// Searches `count` rows: their products with the query are `products[j]` + `indicatorProducts[j]` (either
    /// nil for 0), their squared norms `norms[j]`; `own` is the query's squared norm and `excluded` its own row
    /// (-1 for none).
    public mutating func search(
        products: UnsafePointer<Double>?, indicatorProducts: UnsafePointer<Float>?, norms: UnsafePointer<Double>, count: Int,
        own: Double, excluding excluded: Int
    ) {
        let k = Int32(self.k)
        distances.withUnsafeMutableBufferPointer { distances in
            nearest.withUnsafeMutableBufferPointer { rows in
                found = Int(fairlab_nearest_rows(
                    products, indicatorProducts, norms, Int64(count), own, Int64(excluded), k, distances.baseAddress!, rows.baseAddress!))
            }
        }
    }
}
