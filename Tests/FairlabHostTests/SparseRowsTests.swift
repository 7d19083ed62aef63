import FairlabCore
import FairlabPluginKit
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
}
