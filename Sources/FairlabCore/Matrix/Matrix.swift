import COpenBLAS
import Foundation

/// A dense matrix of doubles in contiguous column-major storage, so that every product maps onto one CBLAS
/// call with `CblasColMajor` and a leading dimension equal to `rows`.
///
/// The storage is either the matrix's own or a read-only view of memory another object owns (a worker's mapped
/// prepared split, a plugin's buffer during a call): a view is never copied to be read, and is copied once,
/// privately, the first time it is written (copy on write, as for an array).
public struct Matrix: Sendable, Equatable {
    /// The largest number of rows or columns a matrix may have: CBLAS dimensions are 32-bit.
    public static let maximumDimension = Int(Int32.max)

    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    private var buffer: MatrixBuffer

    /// A matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        self.init(rows: rows, cols: cols) { $0.initialize(repeating: value) }
    }

    /// A matrix over a copy of existing column-major storage of exactly `rows * cols` elements.
    public init(rows: Int, cols: Int, columnMajor storage: [Double]) {
        precondition(storage.count == rows * cols, "storage holds \(storage.count) values, not \(rows)x\(cols)")
        self.init(rows: rows, cols: cols) { target in _ = target.initialize(from: storage) }
    }

    /// A matrix whose column-major storage `body` fills: it must write every one of the `rows * cols` elements.
    public init(rows: Int, cols: Int, initializingWith body: (UnsafeMutableBufferPointer<Double>) throws -> Void) rethrows {
        precondition(rows >= 0 && cols >= 0 && rows <= Self.maximumDimension && cols <= Self.maximumDimension)
        self.rows = rows
        self.cols = cols
        buffer = MatrixBuffer(count: rows * cols)
        try body(UnsafeMutableBufferPointer(start: buffer.base, count: rows * cols))
    }

    /// A matrix that takes over `rows * cols` column-major doubles at `base`, allocated with `malloc` or `calloc`
    /// (it frees them with `free`) and initialised by the caller, who must not use or free them again: a large
    /// buffer filled by foreign code becomes a matrix without a copy.
    public init(rows: Int, cols: Int, adopting base: UnsafeMutablePointer<Double>) {
        precondition(rows >= 0 && cols >= 0 && rows <= Self.maximumDimension && cols <= Self.maximumDimension)
        self.rows = rows
        self.cols = cols
        buffer = MatrixBuffer(adopting: base, count: rows * cols)
    }

    /// A read-only view of `rows * cols` column-major doubles at `base`, which must stay valid and unchanged
    /// while `owner` lives (or, with no owner, while the view is in use: for the length of a call).
    public init(rows: Int, cols: Int, viewing base: UnsafePointer<Double>, owner: AnyObject?) {
        precondition(rows >= 0 && cols >= 0 && rows <= Self.maximumDimension && cols <= Self.maximumDimension)
        self.rows = rows
        self.cols = cols
        buffer = MatrixBuffer(viewing: base, count: rows * cols, owner: owner)
    }

    /// A copy of the column-major values.
    public var storage: [Double] { withUnsafeStorage(Array.init) }

    /// The storage's address and the object whose life keeps it valid: for handing the matrix to C without a
    /// copy. The memory must not be written through the pointer.
    public var retainedStorage: (pointer: UnsafePointer<Double>, owner: AnyObject) { (UnsafePointer(buffer.base), buffer) }

    /// Element (i, j).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < cols, "index (\(row), \(column)) outside \(rows)x\(cols)")
            return buffer.base[row + column * rows]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < cols, "index (\(row), \(column)) outside \(rows)x\(cols)")
            makeWritable()
            buffer.base[row + column * rows] = newValue
        }
    }

    public static func == (left: Matrix, right: Matrix) -> Bool {
        guard left.rows == right.rows, left.cols == right.cols else { return false }
        return left.withUnsafeStorage { a in right.withUnsafeStorage { b in a.elementsEqual(b) } }
    }

    /// Gives this matrix storage of its own before a write: a view, or storage another matrix shares, is copied.
    private mutating func makeWritable() {
        guard buffer.isView || !isKnownUniquelyReferenced(&buffer) else { return }
        let source = buffer
        buffer = MatrixBuffer(count: source.count)
        buffer.base.update(from: source.base, count: source.count)
    }

    /// A matrix from row-major storage (the layout of HDF5 and of C arrays), transposed into column-major.
    public init(rows: Int, cols: Int, rowMajor values: [Double]) {
        precondition(values.count == rows * cols)
        self.init(rows: rows, cols: cols) { target in
            values.withUnsafeBufferPointer { source in
                for i in 0..<rows {
                    let rowStart = i * cols
                    for j in 0..<cols { target[i + j * rows] = source[rowStart + j] }
                }
            }
        }
    }

    /// The elements in row-major order (for writing to HDF5).
    public func rowMajorValues() -> [Double] {
        var values = [Double](repeating: 0, count: rows * cols)
        withUnsafeStorage { source in
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
        precondition(j >= 0 && j < cols)
        return Array(UnsafeBufferPointer(start: buffer.base + j * rows, count: rows))
    }

    /// The sub-matrix holding the given rows, in the given order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        withUnsafeStorage { source in
            Matrix(rows: indices.count, cols: cols) { target in
                for j in 0..<cols {
                    let from = j * rows
                    let to = j * indices.count
                    for (k, i) in indices.enumerated() { target[to + k] = source[from + i] }
                }
            }
        }
    }

    /// Calls `body` with a pointer to the column-major storage.
    public func withUnsafeStorage<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) { try body(UnsafeBufferPointer(start: buffer.base, count: buffer.count)) }
    }

    /// Calls `body` with a mutable pointer to the column-major storage (the matrix's own, copied first if it
    /// was a view or shared).
    public mutating func withUnsafeMutableStorage<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        makeWritable()
        return try withExtendedLifetime(buffer) { try body(UnsafeMutableBufferPointer(start: buffer.base, count: buffer.count)) }
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
        withUnsafeStorage { a in
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

/// The memory behind a `Matrix`: allocated and owned, or a view of memory `owner` keeps alive.
final class MatrixBuffer: @unchecked Sendable {
    /// Never written through when `isView`.
    let base: UnsafeMutablePointer<Double>
    let count: Int
    let isView: Bool
    /// Whether the memory came from malloc or calloc (adopted), so `free` releases it.
    private let fromMalloc: Bool
    /// What keeps a view's memory valid.
    let owner: AnyObject?

    /// Uninitialised storage for `count` doubles, owned.
    init(count: Int) {
        base = .allocate(capacity: max(count, 1))
        self.count = count
        isView = false
        fromMalloc = false
        owner = nil
    }

    /// Owned storage the caller allocated with malloc or calloc.
    init(adopting base: UnsafeMutablePointer<Double>, count: Int) {
        self.base = base
        self.count = count
        isView = false
        fromMalloc = true
        owner = nil
    }

    init(viewing base: UnsafePointer<Double>, count: Int, owner: AnyObject?) {
        self.base = UnsafeMutablePointer(mutating: base)
        self.count = count
        isView = true
        fromMalloc = false
        self.owner = owner
    }

    deinit {
        if isView { return }
        if fromMalloc { free(base) } else { base.deallocate() }
    }
}
