import FairlabPluginKit

/// The kept feature columns of each row and a trailing 1, compressed (the kit's `SparseRows`: Adult's 98 columns
/// hold about 13 non-zeros a row, its one-hot blocks), for one logistic model per side: each row's margin under
/// its own side's weights, and the gradient's accumulation side by side.
struct SideRows {
    let count: Int
    /// Kept columns + 1 (the intercept's).
    let width: Int
    private let starts: [Int64]
    private let columns: [Int32]
    private let values: [Double]

    /// `data`'s rows over the columns `kept`, in that order, then a constant 1.
    init(_ data: DataView, kept: [Int]) {
        let rows = SparseRows(data, columns: kept, appendingOne: true)
        (count, width, starts, columns, values) = (rows.count, rows.width, rows.starts, rows.columns, rows.values)
    }

    /// Each row's margin under its side's weights: θ holds side 0's `width` weights, then side 1's.
    func margins(_ theta: [Double], sides: [Int]) -> [Double] {
        var margins = [Double](repeating: 0, count: count)
        starts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in
                    theta.withUnsafeBufferPointer { theta in
                        for i in 0..<count {
                            let offset = sides[i] &* width
                            var margin = 0.0
                            for k in Int(starts[i])..<Int(starts[i &+ 1]) { margin += values[k] * theta[offset &+ Int(columns[k])] }
                            margins[i] = margin
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
    }
}
