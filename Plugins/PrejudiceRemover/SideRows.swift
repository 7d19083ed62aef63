import FairlabPluginKit

/// The kept feature columns of each row and a trailing 1, as compressed sparse rows: Adult's 98 columns hold
/// about 13 non-zeros a row (its one-hot blocks), so a pass over the rows reads a seventh of a dense design.
struct SparseRows {
    let count: Int
    /// Kept columns + 1 (the intercept's).
    let width: Int
    private let starts: [Int]
    private let columns: [Int]
    private let values: [Double]

    /// `data`'s rows over the columns `kept`, in that order, then a constant 1.
    init(_ data: DataView, kept: [Int]) {
        var starts = [0], columns: [Int] = [], values: [Double] = []
        for i in 0..<data.rows {
            for (position, column) in kept.enumerated() {
                let value = data.feature(i, column)
                if value != 0 {
                    columns.append(position)
                    values.append(value)
                }
            }
            columns.append(kept.count)
            values.append(1)
            starts.append(columns.count)
        }
        count = data.rows
        width = kept.count + 1
        self.starts = starts
        self.columns = columns
        self.values = values
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
                            for k in starts[i]..<starts[i &+ 1] { margin += values[k] * theta[offset &+ columns[k]] }
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
                        for k in starts[i]..<starts[i &+ 1] { gradient[offset &+ columns[k]] += values[k] * slope }
                    }
                }
            }
        }
    }
}
