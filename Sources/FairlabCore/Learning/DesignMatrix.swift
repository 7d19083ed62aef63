import CFairlabKernels
import COpenBLAS

/// The products Newton's method needs from a feature matrix X (n × p): X β, Xᵀ r, and the pieces of the
/// Hessian Xᵀ diag(d) X and Xᵀ d. Two representations share them: dense (through cblas) and "mode-centred
/// sparse", chosen by `makeDesign`.
protocol DesignMatrix {
    var rows: Int { get }
    var cols: Int { get }
    /// The value subtracted from every column before the sparse products (0 for dense): X = D + 1 vᵀ, so a model
    /// fitted on D with intercept c has intercept c − vᵀβ on X.
    var columnOffsets: [Double] { get }
    /// `result = D β`.
    func multiply(_ beta: [Double], into result: inout [Double])
    /// `result = Dᵀ r`.
    func transposeMultiply(_ r: [Double], into result: inout [Double])
    /// The upper triangle of Dᵀ diag(d) D, column-major p × p, into `block`; and Dᵀ d into `cross`; both summed
    /// over the rows of `sample` only, times its weight.
    func weightedGram(_ d: [Double], over sample: RowSample, block: inout [Double], cross: inout [Double])
    /// Whether `weightedGram` is computed in single precision (a Newton step from it is then refined against the
    /// exact Hessian's products); such a Gram may also come from a sample of the rows, far from the optimum.
    var approximateGram: Bool { get }
    /// The diagonal of Dᵀ diag(d) D: Σᵢ dᵢ Dᵢⱼ² per column.
    func weightedColumnSquares(_ d: [Double]) -> [Double]
}

/// Picks the representation: when most entries of a column equal one value (one-hot columns, standardised
/// or not, and zero-inflated counts), the matrix minus its per-column majority value is sparse and the sparse
/// products cost O(nnz) instead of O(n p²) for the Gram matrix.
func makeDesign(_ features: Matrix, allowSparse: Bool) -> DesignMatrix {
    let sparse = allowSparse ? SparseDesign(features, maximumDensity: SparseDesign.densityLimit) : nil
    return sparse ?? DenseDesign(features: features)
}

/// X as it is, with products through cblas (dgemv; ssyrk for the Hessian's Gram matrix).
final class DenseDesign: DesignMatrix {
    let features: Matrix
    /// √d ⊙ X for the Gram matrix, in single precision: Newton's method needs the Hessian only approximately
    /// (the gradient, the line search and the stopping test stay in double, and each step from every row is refined
    /// once against the exact Hessian's products, so the optimum and the convergence are the same; the first steps'
    /// Grams from a quarter of the rows are not refined, see `RowSample`), and
    /// `cblas_ssyrk` takes about half the time of `dsyrk` (Adult's correlation-remover fit: 0.085 s against 0.100 s,
    /// same session). Kept from one iteration to the next: a fresh n × p buffer each time cost a page fault per
    /// 4 KiB written (about a third of that fit). It lives as long as the design: a half-size copy of dense
    /// features while a prepared design is kept.
    private var scaled: [Float] = []

    init(features: Matrix) { self.features = features }

    var approximateGram: Bool { true }

    var rows: Int { features.rows }
    var cols: Int { features.cols }
    var columnOffsets: [Double] { [Double](repeating: 0, count: features.cols) }

    func multiply(_ beta: [Double], into result: inout [Double]) {
        guard cols > 0 else { for i in 0..<rows { result[i] = 0 }; return }
        features.withUnsafeStorage { x in
            cblas_dgemv(CblasColMajor, CblasNoTrans, BLAS.dimension(rows), BLAS.dimension(cols), 1, x.baseAddress,
                        BLAS.dimension(rows), beta, 1, 0, &result, 1)
        }
    }

    func transposeMultiply(_ r: [Double], into result: inout [Double]) {
        guard cols > 0 else { return }
        features.withUnsafeStorage { x in
            cblas_dgemv(CblasColMajor, CblasTrans, BLAS.dimension(rows), BLAS.dimension(cols), 1, x.baseAddress,
                        BLAS.dimension(rows), r, 1, 0, &result, 1)
        }
    }

    func weightedGram(_ d: [Double], over sample: RowSample, block: inout [Double], cross: inout [Double]) {
        guard cols > 0, rows > 0 else { return }
        let ranges = sample.ranges(rows: rows), taken = sample.count(rows: rows)
        let roots = d.map { $0.squareRoot() }   // once per row, not once per entry
        // Sized for all rows once, so a fit that samples first and then takes every row allocates once.
        if scaled.count != rows * cols { scaled = [Float](repeating: 0, count: rows * cols) }
        var single = [Float](repeating: 0, count: cols * cols)
        features.withUnsafeStorage { x in
            scaled.withUnsafeMutableBufferPointer { z in
                roots.withUnsafeBufferPointer { roots in
                    // Eight at a time in explicit vectors: written as a scalar loop, the compiler kept it scalar (the
                    // conversion was a quarter of a dense fit). The same pass sums Xᵀ d (each product times √dᵢ
                    // again), which a dgemv would read X once more for. The taken rows are packed: column j's
                    // start at j · taken.
                    let scale = UnsafeRawPointer(roots.baseAddress!)
                    for j in 0..<cols {
                        let source = UnsafeRawPointer(x.baseAddress! + j * rows)
                        var packed = j * taken
                        var sums = SIMD8<Double>()
                        var sum = 0.0
                        for range in ranges {
                            let target = UnsafeMutableRawPointer(z.baseAddress! + packed), first = range.lowerBound
                            var i = first
                            while i + 8 <= range.upperBound {
                                let root = scale.loadUnaligned(fromByteOffset: 8 * i, as: SIMD8<Double>.self)
                                let product = source.loadUnaligned(fromByteOffset: 8 * i, as: SIMD8<Double>.self) * root
                                target.storeBytes(of: SIMD8<Float>(product), toByteOffset: 4 * (i - first), as: SIMD8<Float>.self)
                                sums += product * root
                                i += 8
                            }
                            while i < range.upperBound {
                                let product = x[j * rows + i] * roots[i]
                                z[packed + i - first] = Float(product)
                                sum += product * roots[i]
                                i += 1
                            }
                            packed += range.count
                        }
                        cross[j] = (sums.sum() + sum) * sample.weight
                    }
                }
            }
            cblas_ssyrk(CblasColMajor, CblasUpper, CblasTrans, BLAS.dimension(cols), BLAS.dimension(taken), Float(sample.weight),
                        scaled, BLAS.dimension(taken), 0, &single, BLAS.dimension(cols))
        }
        for index in 0..<(cols * cols) { block[index] = Double(single[index]) }
    }

    func weightedColumnSquares(_ d: [Double]) -> [Double] {
        features.withUnsafeStorage { x in
            d.withUnsafeBufferPointer { d in
                (0..<cols).map { j in
                    // Eight lanes at a time, as the Gram's conversion: one streaming pass over the column.
                    let column = UnsafeRawPointer(x.baseAddress! + j * rows), weights = UnsafeRawPointer(d.baseAddress!)
                    var sums = SIMD8<Double>()
                    var i = 0
                    while i + 8 <= rows {
                        let value = column.loadUnaligned(fromByteOffset: 8 * i, as: SIMD8<Double>.self)
                        sums += weights.loadUnaligned(fromByteOffset: 8 * i, as: SIMD8<Double>.self) * value * value
                        i += 8
                    }
                    var sum = sums.sum()
                    while i < rows { sum += d[i] * x[j * rows + i] * x[j * rows + i]; i += 1 }
                    return sum
                }
            }
        }
    }
}

/// X minus its per-column majority value, stored row-wise (compressed sparse rows).
struct SparseDesign: DesignMatrix {
    /// Above this share of non-zero entries the dense BLAS path is faster.
    static let densityLimit = 0.2

    let rows: Int
    let cols: Int
    let columnOffsets: [Double]
    var approximateGram: Bool { false }
    private let rowStarts: [Int64]
    private let columnIndices: [Int32]
    private let values: [Double]

    init?(_ features: Matrix, maximumDensity: Double) {
        let n = features.rows, p = features.cols
        guard n > 0, p > 0 else { return nil }
        let budget = Int(maximumDensity * Double(n) * Double(p))
        // Three streaming passes over the column-major storage, with nothing allocated before the first has shown
        // the matrix fits the budget (dense data gives up after about `maximumDensity` of its columns):
        // 1. each column's offset and count of entries; 2. entries per row; 3. the entries, row by row.
        var offsets = [Double](repeating: 0, count: p)
        let fits: Bool = features.withUnsafeStorage { x in
            var entries = 0
            for j in 0..<p {
                let column = UnsafeBufferPointer(rebasing: x[(j * n)..<((j + 1) * n)])
                let offset = fairlab_column_majority(column.baseAddress!, Int64(n))
                let count = Self.entries(column, offset: offset)
                offsets[j] = offset
                entries += count
                if entries > budget { return false }
            }
            return true
        }
        guard fits else { return nil }

        var starts = [Int64](repeating: 0, count: n + 1)
        features.withUnsafeStorage { x in
            starts.withUnsafeMutableBufferPointer { starts in
                // Entries per row (into starts[i + 1]).
                for j in 0..<p { fairlab_add_differences(x.baseAddress! + j * n, Int64(n), offsets[j], starts.baseAddress! + 1) }
                for i in 0..<n { starts[i + 1] += starts[i] }
            }
        }
        var next = starts
        var columnIndices = [Int32](repeating: 0, count: Int(starts[n]))
        var values = [Double](repeating: 0, count: Int(starts[n]))
        // Columns in ascending order, so each row's columns land in ascending order.
        features.withUnsafeStorage { x in
            next.withUnsafeMutableBufferPointer { next in
                columnIndices.withUnsafeMutableBufferPointer { columnIndices in
                    values.withUnsafeMutableBufferPointer { values in
                        for j in 0..<p {
                            fairlab_scatter_differences(
                                x.baseAddress! + j * n, Int64(n), offsets[j], Int32(j), next.baseAddress!, columnIndices.baseAddress!,
                                values.baseAddress!)
                        }
                    }
                }
            }
        }
        self.rows = n
        self.cols = p
        self.columnOffsets = offsets
        self.rowStarts = starts
        self.columnIndices = columnIndices
        self.values = values
    }

    /// How many values of `column` differ from `offset`.
    private static func entries(_ column: UnsafeBufferPointer<Double>, offset: Double) -> Int {
        Int(fairlab_count_different(column.baseAddress!, Int64(column.count), offset))
    }

    /// Each row's sum over its entries, in order (the kernel's rows product with one output).
    func multiply(_ beta: [Double], into result: inout [Double]) {
        precondition(beta.count >= cols && result.count >= rows)
        fairlab_sparse_rows_times(rowStarts, columnIndices, values, nil, Int64(rows), beta, 1, &result)
    }

    /// Each column's sum over its entries, row by row (the kernel's transposed product with one output). A row
    /// whose r is 0 adds ±0, which leaves every sum as it was (none is −0): the same as skipping it.
    func transposeMultiply(_ r: [Double], into result: inout [Double]) {
        precondition(r.count >= rows && result.count >= cols)
        fairlab_sparse_rows_transpose_times(rowStarts, columnIndices, values, nil, Int64(rows), r, 1, Int64(cols), &result)
    }

    /// Exact, so `sample` is always every row (a sparse Gram costs O(nnz), not worth sampling). The kernel sums
    /// the lower triangle, whose pairs for one column are nearby writes (the upper's are a stride of p apart), row by
    /// row; the upper is copied from it.
    func weightedGram(_ d: [Double], over sample: RowSample, block: inout [Double], cross: inout [Double]) {
        precondition(sample == .all, "a sparse design's Gram is exact")
        precondition(d.count == rows && block.count >= cols * cols && cross.count >= cols)
        let p = cols
        fairlab_sparse_weighted_gram(rowStarts, columnIndices, values, Int64(rows), d, Int64(p), &block, &cross)
        block.withUnsafeMutableBufferPointer { gram in
            for a in 0..<p { for b in (a + 1)..<p { gram[a + b * p] = gram[b + a * p] } }
        }
    }

    func weightedColumnSquares(_ d: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: cols)
        for i in 0..<rows where d[i] != 0 {
            for k in Int(rowStarts[i])..<Int(rowStarts[i + 1]) { result[Int(columnIndices[k])] += d[i] * values[k] * values[k] }
        }
        return result
    }
}
