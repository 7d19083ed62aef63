import CFairlabKernels

/// Rows of features stored compressed, only their non-zero values (compressed sparse rows): one-hot encoded rows
/// are mostly zeros (a row of Adult has about 14 non-zero values of 99), and products over the non-zero values
/// alone (`fairlab_sparse_rows_times`) do a seventh of the work. Adversarial debiasing's rows, and under
/// `FeatureMatrix` LFR's, fair-logreg's and the fairness constraints'; the prejudice remover's design.
public struct SparseRows {
    /// Rows whose share of non-zero values exceeds this are better stored dense for the host's dgemm: above it the
    /// sparse kernels' indirect loads cost more than the zeros they skip (measured on Adult with every column
    /// standardised, where no value is zero: adversarial debiasing's sparse products, then in double, 2.1× slower
    /// than dgemm; its single-precision products against sgemm keep this limit, not measured again).
    public static let densityLimit = 0.3

    /// Row r's entries are `columns[e]` and `values[e]` for e in starts[r] ..< starts[r + 1], columns ascending.
    public private(set) var starts: [Int64] = [0]
    /// Each entry's column.
    public private(set) var columns: [Int32] = []
    /// Each entry's value.
    public private(set) var values: [Double] = []
    /// The columns of a row, stored or not.
    public let width: Int

    /// The number of rows.
    public var count: Int { starts.count - 1 }

    /// The share of the rows' values that are stored (not zero).
    public var density: Double { Double(values.count) / Double(max(count * width, 1)) }

    /// The rows of `data`, built in two streaming passes over its columns (compiled: each row's count of non-zero
    /// values, then the values scattered to their rows), columns in ascending order within each row.
    public init(_ data: DataView) {
        self.init(data, columns: Array(0..<data.cols))
    }

    /// The rows of `data` over its columns `kept`, in that order, less `offsets` (one for each kept column; nil: none),
    /// then (with `appendingOne`) a constant 1, the intercept's column of a linear model: built as `init(_:)` builds
    /// all of them. A value equal to its column's offset is not stored.
    public init(_ data: DataView, columns kept: [Int], subtracting offsets: [Double]? = nil, appendingOne: Bool = false) {
        precondition(offsets.map { $0.count == kept.count } ?? true, "one offset for each kept column")
        let offsets = offsets ?? [Double](repeating: 0, count: kept.count)
        width = kept.count + (appendingOne ? 1 : 0)
        let n = data.rows, stored = data.matrix.pointee.data!, leadingDimension = Int(data.matrix.pointee.leading_dimension)
        var starts = [Int64](repeating: 0, count: n + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            for (position, column) in kept.enumerated() {
                fairlab_add_differences(stored + column * leadingDimension, Int64(n), offsets[position], starts.baseAddress! + 1)
            }
            for i in 0..<n { starts[i + 1] += starts[i] + (appendingOne ? 1 : 0) }
        }
        var next = starts
        var columns = [Int32](repeating: 0, count: Int(starts[n])), values = [Double](repeating: 0, count: Int(starts[n]))
        next.withUnsafeMutableBufferPointer { next in
            columns.withUnsafeMutableBufferPointer { columns in
                values.withUnsafeMutableBufferPointer { values in
                    for (position, column) in kept.enumerated() {
                        fairlab_scatter_differences(
                            stored + column * leadingDimension, Int64(n), offsets[position], Int32(position), next.baseAddress!, columns.baseAddress!,
                            values.baseAddress!)
                    }
                    // The 1 comes last in every row, as its column does.
                    if appendingOne { for i in 0..<n { (columns[Int(next[i])], values[Int(next[i])]) = (Int32(kept.count), 1) } }
                }
            }
        }
        (self.starts, self.columns, self.values) = (starts, columns, values)
    }

    /// The share of values that would be stored for `data`'s columns `kept` (nil: all) less `offsets` (nil: none),
    /// and a column of ones with `appendingOne`, counted without building the rows.
    public static func density(of data: DataView, columns kept: [Int]? = nil, subtracting offsets: [Double]? = nil, appendingOne: Bool = false) -> Double {
        let stored = data.matrix.pointee.data!, leadingDimension = Int(data.matrix.pointee.leading_dimension)
        let columns = kept ?? Array(0..<data.cols), ones = appendingOne ? data.rows : 0
        let entries = columns.enumerated().reduce(ones) { total, column in
            total + Int(fairlab_count_different(stored + column.element * leadingDimension, Int64(data.rows), offsets?[column.offset] ?? 0))
        }
        return Double(entries) / Double(max(data.rows * (columns.count + (appendingOne ? 1 : 0)), 1))
    }

    /// Each of `data`'s columns `kept`: the value more than half its rows hold, else 0 (`fairlab_column_majority`).
    /// Less these, standardised one-hot columns, whose most common value is not 0, are as sparse as raw ones.
    public static func majorities(of data: DataView, columns kept: [Int]) -> [Double] {
        let stored = data.matrix.pointee.data!, leadingDimension = Int(data.matrix.pointee.leading_dimension)
        return kept.map { fairlab_column_majority(stored + $0 * leadingDimension, Int64(data.rows)) }
    }

    /// What to compress `data`'s columns `kept` (with `appendingOne`, and a column of ones) less, and the share of
    /// values then stored: nothing (nil) where the rows are sparse enough as they are (at most `densityLimit`
    /// non-zero) or no column has a majority other than 0; else each column's majority (`majorities`). Rows stored
    /// less offsets m stand for X = S + 1 mᵀ, and every product with them takes a correction of rank one: taken
    /// only where it is what makes the rows sparse (standardised one-hot data), so data sparse as it is keeps its
    /// products exactly as they were.
    public static func offsets(of data: DataView, columns kept: [Int], appendingOne: Bool = false) -> (offsets: [Double]?, density: Double) {
        let density = density(of: data, columns: kept, appendingOne: appendingOne)
        guard density > densityLimit else { return (nil, density) }
        let majorities = majorities(of: data, columns: kept)
        guard majorities.contains(where: { $0 != 0 }) else { return (nil, density) }
        return (majorities, Self.density(of: data, columns: kept, subtracting: majorities, appendingOne: appendingOne))
    }

    /// Rows given as the columns of a `width` × `count` column-major matrix (each row's values one after another).
    public init(columns matrix: [Double], width: Int, count: Int) {
        self.width = width
        for i in 0..<count { append { matrix[$0 + i * width] } }
    }

    /// The squared norm of each row.
    public func squaredNorms() -> [Double] {
        (0..<count).map { r in (Int(starts[r])..<Int(starts[r + 1])).reduce(0) { $0 + values[$1] * values[$1] } }
    }

    /// out (count × `width`, row-major) = these rows times `matrix` (self.width rows of `width` values, row-major).
    public func multiply(_ matrix: UnsafePointer<Double>, width outputs: Int, into out: UnsafeMutablePointer<Double>) {
        withStorage { fairlab_sparse_rows_times($0, $1, $2, nil, Int64(count), matrix, Int64(outputs), out) }
    }

    /// out (width × `outputs`, row-major) = these rows transposed times `matrix` (count rows of `outputs` values,
    /// row-major): each value summed over the rows in order.
    public func transposeMultiply(_ matrix: UnsafePointer<Double>, width outputs: Int, into out: UnsafeMutablePointer<Double>) {
        withStorage { fairlab_sparse_rows_transpose_times($0, $1, $2, nil, Int64(count), matrix, Int64(outputs), Int64(width), out) }
    }

    /// The lower triangle (row ≥ column) of Σ_i weights[i] x_i x_iᵀ, width × width column-major, the upper left 0.
    public func weightedGramLower(_ weights: UnsafePointer<Double>) -> [Double] {
        var lower = [Double](repeating: 0, count: width * width)
        withStorage { fairlab_sparse_weighted_gram($0, $1, $2, Int64(count), weights, Int64(width), &lower, nil) }
        return lower
    }

    /// Calls `body` with the starts, columns and values arrays, as the C kernels take them.
    public func withStorage<Result>(_ body: (UnsafePointer<Int64>, UnsafePointer<Int32>, UnsafePointer<Double>) -> Result) -> Result {
        starts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in body(starts.baseAddress!, columns.baseAddress!, values.baseAddress!) }
            }
        }
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
