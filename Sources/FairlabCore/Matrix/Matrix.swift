import COpenBLAS

/// A dense matrix of doubles in contiguous column-major storage, so that every product maps onto one CBLAS
/// call with `CblasColMajor` and a leading dimension equal to `rows`.
public struct Matrix: Sendable, Equatable {
    /// The largest number of rows or columns a matrix may have: CBLAS dimensions are 32-bit.
    public static let maximumDimension = Int(Int32.max)

    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Element (i, j) is `storage[i + j * rows]`.
    public private(set) var storage: [Double]

    /// A matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0 && rows <= Self.maximumDimension && cols <= Self.maximumDimension)
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    /// A matrix over existing column-major storage of exactly `rows * cols` elements.
    public init(rows: Int, cols: Int, columnMajor storage: [Double]) {
        precondition(storage.count == rows * cols, "storage holds \(storage.count) values, not \(rows)x\(cols)")
        precondition(rows <= Self.maximumDimension && cols <= Self.maximumDimension)
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from row-major storage (the layout of HDF5 and of C arrays), transposed into column-major.
    public init(rows: Int, cols: Int, rowMajor values: [Double]) {
        precondition(values.count == rows * cols)
        var storage = [Double](repeating: 0, count: rows * cols)
        values.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    let rowStart = i * cols
                    for j in 0..<cols { target[i + j * rows] = source[rowStart + j] }
                }
            }
        }
        self.init(rows: rows, cols: cols, columnMajor: storage)
    }

    /// Element (i, j).
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row + column * rows] }
        set { storage[row + column * rows] = newValue }
    }

    /// The elements in row-major order (for writing to HDF5).
    public func rowMajorValues() -> [Double] {
        var values = [Double](repeating: 0, count: rows * cols)
        storage.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for j in 0..<cols {
                    let columnStart = j * rows
                    for i in 0..<rows { target[i * cols + j] = source[columnStart + i] }
                }
            }
        }
        return values
    }

    /// Column `j` as a new array.
    public func column(_ j: Int) -> [Double] {
        Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// The sub-matrix holding the given rows, in the given order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var result = [Double](repeating: 0, count: indices.count * cols)
        storage.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for j in 0..<cols {
                    let from = j * rows
                    let to = j * indices.count
                    for (k, i) in indices.enumerated() { target[to + k] = source[from + i] }
                }
            }
        }
        return Matrix(rows: indices.count, cols: cols, columnMajor: result)
    }

    /// Calls `body` with a pointer to the column-major storage.
    public func withUnsafeStorage<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the column-major storage.
    public mutating func withUnsafeMutableStorage<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// `y = alpha * A x + beta * y` (or with Aᵀ when `transposed`), through `cblas_dgemv`.
    public func multiply(
        _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
        transposed: Bool = false, alpha: Double = 1, beta: Double = 0
    ) {
        guard rows > 0, cols > 0 else {
            let count = transposed ? cols : rows
            for i in 0..<count { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        storage.withUnsafeBufferPointer { a in
            cblas_dgemv(
                CblasColMajor, transposed ? CblasTrans : CblasNoTrans,
                BLAS.dimension(rows), BLAS.dimension(cols), alpha, a.baseAddress, BLAS.dimension(rows),
                x, 1, beta, y, 1)
        }
    }

    /// `A x` as a new array.
    public func multiplied(by x: [Double]) -> [Double] {
        precondition(x.count == cols)
        var y = [Double](repeating: 0, count: rows)
        guard rows > 0, cols > 0 else { return y }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in multiply(xp.baseAddress!, into: yp.baseAddress!) }
        }
        return y
    }

    /// `Aᵀ v` as a new array.
    public func transposeMultiplied(by v: [Double]) -> [Double] {
        precondition(v.count == rows)
        var y = [Double](repeating: 0, count: cols)
        guard rows > 0, cols > 0 else { return y }
        v.withUnsafeBufferPointer { vp in
            y.withUnsafeMutableBufferPointer { yp in multiply(vp.baseAddress!, into: yp.baseAddress!, transposed: true) }
        }
        return y
    }
}
