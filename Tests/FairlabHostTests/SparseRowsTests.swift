import CFairlabKernels
import FairlabCore
@testable import FairlabHost
@testable import FairlabPluginKit
import Testing

/// The kit's compressed rows (`SparseRows`, under `FeatureMatrix`'s sparse products) against the same products
/// computed here from the dense rows, on rows with every third value zero and a row with none.
@Suite struct SparseRowsTests {
    static let rows = 9, width = 5

    /// Row-major values, every third zero, row 4 all zero.
    static func dense() -> [Double] {
        var generator = SeededGenerator(seed: 5)
        return (0..<(rows * width)).map { $0 % 3 == 1 || $0 / width == 4 ? 0 : generator.nextUniform() * 2 - 1 }
    }

    @Test func productsAndGramEqualTheDenseOnes() {
        let values = Self.dense(), (n, p) = (Self.rows, Self.width)
        let sparse = SparseRows(columns: values, width: p, count: n)
        #expect(sparse.count == n && sparse.values.count == values.filter { $0 != 0 }.count)
        func x(_ i: Int, _ j: Int) -> Double { values[i * p + j] }
        // X B for B p × 2, and Xᵀ F for F n × 2, row-major.
        let b = (0..<(p * 2)).map { Double($0 % 7) - 3 }, f = (0..<(n * 2)).map { Double($0 % 5) - 2 }
        var product = [Double](repeating: .nan, count: n * 2), transposed = [Double](repeating: .nan, count: p * 2)
        sparse.multiply(b, width: 2, into: &product)
        sparse.transposeMultiply(f, width: 2, into: &transposed)
        for i in 0..<n {
            for h in 0..<2 { #expect(abs(product[i * 2 + h] - (0..<p).reduce(0) { $0 + x(i, $1) * b[$1 * 2 + h] }) < 1e-14) }
        }
        for j in 0..<p {
            for h in 0..<2 { #expect(abs(transposed[j * 2 + h] - (0..<n).reduce(0) { $0 + x($1, j) * f[$1 * 2 + h] }) < 1e-14) }
        }
        // Σ wᵢ xᵢ xᵢᵀ: the lower triangle, the upper left 0. (The tolerances are absolute: the sums here add in the
        // kernels' order, so they agree to the last bits.)
        let weights = (0..<n).map { $0 == 2 ? 0 : 0.5 + Double($0) }
        let lower = weights.withUnsafeBufferPointer { sparse.weightedGramLower($0.baseAddress!) }
        for a in 0..<p {
            for c in 0..<p {
                let expected = a >= c ? (0..<n).reduce(0) { $0 + weights[$1] * x($1, a) * x($1, c) } : 0
                #expect(abs(lower[a + c * p] - expected) < 1e-13, "(\(a), \(c))")
            }
        }
        #expect(sparse.squaredNorms()[4] == 0 && abs(sparse.squaredNorms()[0] - (0..<p).reduce(0) { $0 + x(0, $1) * x(0, $1) }) < 1e-15)
    }

    /// The transposed product wide enough to go 32 outputs at a time (70: two blocks and a rest of 6), over all rows
    /// and over a batch that takes a row twice and leaves others out (adversarial debiasing's), against the sums
    /// computed here over the dense rows.
    @Test func wideTransposedProductsOverRowsAndBatches() {
        let values = Self.dense(), (n, p) = (Self.rows, Self.width), width = 70
        let sparse = SparseRows(columns: values, width: p, count: n)
        let batch: [Int64] = [8, 0, 3, 3, 6]
        let f = (0..<(n * width)).map { Double(($0 * 7) % 11) - 5.5 }
        var all = [Double](repeating: .nan, count: p * width), batched = [Double](repeating: .nan, count: p * width)
        sparse.transposeMultiply(f, width: width, into: &all)
        sparse.withStorage { fairlab_sparse_rows_transpose_times($0, $1, $2, batch, Int64(batch.count), f, Int64(width), Int64(p), &batched) }
        for j in 0..<p {
            for h in 0..<width {
                let overRows = (0..<n).reduce(0) { $0 + values[$1 * p + j] * f[$1 * width + h] }
                // The batch's b-th row pairs with dense row b.
                let overBatch = batch.indices.reduce(0) { $0 + values[Int(batch[$1]) * p + j] * f[$1 * width + h] }
                #expect(abs(all[j * width + h] - overRows) < 1e-13 && abs(batched[j * width + h] - overBatch) < 1e-13, "(\(j), \(h))")
            }
        }
    }

    /// The single-precision products (adversarial debiasing's network), both wide enough to go 32 outputs at a time
    /// (70: two blocks and a rest of 6), over a batch that takes a row twice, against double sums computed here from
    /// the same float values: agreement to float rounding.
    @Test func singlePrecisionProductsOverABatch() {
        let values = Self.dense().map(Float.init), (n, p) = (Self.rows, Self.width), width = 70
        let sparse = SparseRows(columns: values.map(Double.init), width: p, count: n)
        let stored = sparse.values.map(Float.init)
        let batch: [Int64] = [8, 0, 3, 3, 6]
        let matrix = (0..<(p * width)).map { Float(($0 * 5) % 13) - 6.5 }, f = (0..<(batch.count * width)).map { Float(($0 * 7) % 11) - 5.5 }
        var product = [Float](repeating: .nan, count: batch.count * width), transposed = [Float](repeating: .nan, count: p * width)
        sparse.withStorage { starts, columns, _ in
            fairlab_sparse_rows_times_f32(starts, columns, stored, batch, Int64(batch.count), matrix, Int64(width), &product)
            fairlab_sparse_rows_transpose_times_f32(starts, columns, stored, batch, Int64(batch.count), f, Int64(width), Int64(p), &transposed)
        }
        for (b, row) in batch.map(Int.init).enumerated() {
            for h in 0..<width {
                let expected = (0..<p).reduce(0.0) { $0 + Double(values[row * p + $1]) * Double(matrix[$1 * width + h]) }
                #expect(abs(Double(product[b * width + h]) - expected) < 1e-5, "row \(b), output \(h)")
            }
        }
        for j in 0..<p {
            for h in 0..<width {
                let expected = batch.indices.reduce(0.0) { $0 + Double(values[Int(batch[$1]) * p + j]) * Double(f[$1 * width + h]) }
                #expect(abs(Double(transposed[j * width + h]) - expected) < 1e-5, "(\(j), \(h))")
            }
        }
    }

    /// The rows of a plugin's data over a subset of its columns, in the order given, with the intercept's 1 last
    /// (the fairness constraints' and the prejudice remover's designs): each stored value is the column's own, zeros
    /// skipped, the 1 in every row, including the all-zero one; the density is counted the same way without them.
    @Test func aColumnSubsetKeepsItsOrderAndAppendsTheOne() {
        let values = Self.dense(), (n, p) = (Self.rows, Self.width)
        let table = DataTable(
            features: Matrix(rows: n, cols: p, rowMajor: values), labels: nil, scores: nil, weights: nil, groupCodes: nil,
            groups: GroupsTable(names: ["a", "b"], privileged: [true, false]))
        let data = DataView(table.pointer.pointee)
        let kept = [3, 0, 4]
        let subset = SparseRows(data, columns: kept, appendingOne: true)
        #expect(subset.width == 4 && subset.count == n)
        var stored = 0
        for i in 0..<n {
            let expected = kept.enumerated().compactMap { position, column in
                values[i * p + column] == 0 ? nil : (Int32(position), values[i * p + column])
            } + [(Int32(kept.count), 1.0)]
            let entries = Int(subset.starts[i])..<Int(subset.starts[i + 1])
            #expect(entries.map { subset.columns[$0] } == expected.map(\.0), "row \(i)")
            #expect(entries.map { subset.values[$0] } == expected.map(\.1), "row \(i)")
            stored += expected.count
        }
        #expect(subset.values.count == stored)
        #expect(SparseRows.density(of: data, columns: kept, appendingOne: true) == Double(stored) / Double(n * 4))
        // Without the 1, and over all columns: the rows given as a matrix's columns, compressed the same way.
        let all = SparseRows(data)
        let fromColumns = SparseRows(columns: values, width: p, count: n)
        #expect(all.starts == fromColumns.starts && all.columns == fromColumns.columns && all.values == fromColumns.values)
        #expect(SparseRows.density(of: data) == fromColumns.density)
    }
}
