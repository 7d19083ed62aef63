/// Rows of features as clustering works on them: column-major, `rows` × `cols`, with squared Euclidean distances.
public struct Points: Sendable {
    /// The number of points.
    public let rows: Int
    /// The number of features.
    public let cols: Int
    /// Column-major: row i's feature j at `[i + j × rows]`.
    public let values: [Double]

    /// Points from column-major `values`.
    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "\(values.count) values for \(rows) × \(cols) points")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// The rows of a data view's features.
    public init(_ data: DataView) {
        self.init(rows: data.rows, cols: data.cols, values: (0..<data.cols).flatMap { Array(data.column($0)) })
    }

    /// ‖row i − row j of `other`‖².
    public func squaredDistance(_ i: Int, to j: Int, of other: Points) -> Double {
        var sum = 0.0
        for c in 0..<cols {
            let delta = values[i + c * rows] - other.values[j + c * other.rows]
            sum += delta * delta
        }
        return sum
    }

    /// The row of `other` nearest row `i` (squared Euclidean distance; ties to the lower row).
    public func nearest(to i: Int, in other: Points) -> Int {
        var best = 0, bestDistance = Double.infinity
        for j in 0..<other.rows {
            let d = squaredDistance(i, to: j, of: other)
            if d < bestDistance { (best, bestDistance) = (j, d) }
        }
        return best
    }

    /// The mean of each set of rows in `members` (one set per output row), as points.
    public func means(of members: [[Int]]) -> Points {
        var out = [Double](repeating: 0, count: members.count * cols)
        for (m, rowsOfSet) in members.enumerated() where !rowsOfSet.isEmpty {
            for c in 0..<cols {
                var sum = 0.0
                for i in rowsOfSet { sum += values[i + c * rows] }
                out[m + c * members.count] = sum / Double(rowsOfSet.count)
            }
        }
        return Points(rows: members.count, cols: cols, values: out)
    }
}
