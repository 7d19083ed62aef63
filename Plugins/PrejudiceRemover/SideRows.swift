import FairlabPluginKit

/// The kept feature columns of each row and a trailing 1, compressed (the kit's `SparseRows`: Adult's 98 columns
/// hold about 13 non-zeros a row, its one-hot blocks; standardised one-hot columns less their most common values,
/// `SparseRows.offsets`), for one logistic model per side: each row's margin under its own side's weights, and the
/// gradient's accumulation side by side.
struct SideRows {
    let count: Int
    /// Kept columns + 1 (the intercept's).
    let width: Int
    private let starts: [Int64]
    private let columns: [Int32]
    private let values: [Double]
    /// What each column's stored values are less (the intercept's 0), or nil: a row is its stored values plus these.
    private let offsets: [Double]?

    /// `data`'s rows over the columns `kept`, in that order, then a constant 1.
    init(_ data: DataView, kept: [Int]) {
        let offsets = SparseRows.offsets(of: data, columns: kept, appendingOne: true).offsets
        let rows = SparseRows(data, columns: kept, subtracting: offsets, appendingOne: true)
        (count, width, starts, columns, values) = (rows.count, rows.width, rows.starts, rows.columns, rows.values)
        self.offsets = offsets.map { $0 + [0] }
    }

    /// Each row's margin under its side's weights: θ holds side 0's `width` weights, then side 1's.
    func margins(_ theta: [Double], sides: [Int]) -> [Double] {
        // A row less its offsets, plus the offsets' margin under its side's weights (one for each side).
        let shifts = (0..<2).map { side in offsets.map { zip($0, theta[(side * width)..<((side + 1) * width)]).reduce(0) { $0 + $1.0 * $1.1 } } ?? 0 }
        var margins = [Double](repeating: 0, count: count)
        starts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in
                    theta.withUnsafeBufferPointer { theta in
                        for i in 0..<count {
                            let offset = sides[i] &* width
                            var margin = 0.0
                            for k in Int(starts[i])..<Int(starts[i &+ 1]) { margin += values[k] * theta[offset &+ Int(columns[k])] }
                            margins[i] = margin + shifts[sides[i]]
                        }
                    }
                }
            }
        }
        return margins
    }

    /// Adds each row's `slopes` value times the row to its side's block of `gradient` (Xᵀ slopes, side by side).
    func accumulate(_ slopes: [Double], sides: [Int], into gradient: UnsafeMutableBufferPointer<Double>) {
        starts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in
                    for i in 0..<count where slopes[i] != 0 {
                        let offset = sides[i] &* width, slope = slopes[i]
                        for k in Int(starts[i])..<Int(starts[i &+ 1]) { gradient[offset &+ Int(columns[k])] += values[k] * slope }
                    }
                }
            }
        }
        // The offsets' part: each side's offsets times the sum of its rows' slopes.
        guard let offsets else { return }
        var sums = [0.0, 0.0]
        for i in 0..<count { sums[sides[i]] += slopes[i] }
        for side in 0..<2 { for j in 0..<width { gradient[side * width + j] += offsets[j] * sums[side] } }
    }
}
