import FairlabPluginKit

/// Rows of features stored compressed, only their non-zero values (compressed sparse rows), for `FeatureRows`.
struct SparseRows {
    /// Row r's entries are `columns[e]` and `values[e]` for e in starts[r] ..< starts[r + 1], columns ascending.
    private(set) var starts: [Int64] = [0]
    private(set) var columns: [Int32] = []
    private(set) var values: [Double] = []
    /// The columns of a row, stored or not.
    let width: Int

    /// The number of rows.
    var count: Int { starts.count - 1 }

    /// The rows of `data`.
    init(_ data: DataView) {
        width = data.cols
        let stored = data.matrix.pointee.data!, leadingDimension = Int(data.matrix.pointee.leading_dimension)
        for i in 0..<data.rows { append { stored[i + $0 * leadingDimension] } }
    }

    /// Rows given as the columns of a `width` × `count` column-major matrix (each row's values one after another).
    init(columns matrix: [Double], width: Int, count: Int) {
        self.width = width
        for i in 0..<count { append { matrix[$0 + i * width] } }
    }

    /// Calls `body` with the starts, columns and values arrays, as the C kernels take them.
    func withStorage<Result>(_ body: (UnsafePointer<Int64>, UnsafePointer<Int32>, UnsafePointer<Double>) -> Result) -> Result {
        starts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in body(starts.baseAddress!, columns.baseAddress!, values.baseAddress!) }
            }
        }
    }

    /// The rows one after another, zeros included (row r's values at r · width).
    func denseRows() -> [Double] {
        var dense = [Double](repeating: 0, count: count * width)
        for r in 0..<count {
            for e in Int(starts[r])..<Int(starts[r + 1]) { dense[r * width + Int(columns[e])] = values[e] }
        }
        return dense
    }

    /// Appends the row whose value in column j is `value(j)`.
    private mutating func append(_ value: (Int) -> Double) {
        for j in 0..<width {
            let x = value(j)
            if x != 0 {
                columns.append(Int32(j))
                values.append(x)
            }
        }
        starts.append(Int64(columns.count))
    }
}
