import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
@testable import FairlabPluginKit
import FairlabTestSupport
import Testing

/// `FeatureMatrix`'s sparse storage against its dense one on the same rows, for every product it offers, on rows
/// like standardised one-hot data: columns whose most common value is not 0, so that they are compressed less it
/// (X = S + 1 mᵀ) and every product carries its correction.
@Suite struct FeatureMatrixTests {
    static let rows = 40

    /// Column-major (`centredTestColumns`): a standardised indicator (−0.4 in 30 rows, 2.5 in 10), a continuous column
    /// (no value held by more than half the rows), a raw indicator (0 in 32 rows), and a second standardised indicator
    /// (1.5 in 25 rows).
    static func columns() -> [Double] { centredTestColumns(rows: rows, seed: 11) }

    @Test(arguments: [(nil, false), ([3, 1, 0], true), ([0, 3, 2], false)] as [([Int]?, Bool)])
    func sparseProductsEqualTheDenseOnes(_ kept: [Int]?, appendingOne: Bool) {
        let n = Self.rows
        let table = DataTable(
            features: Matrix(rows: n, cols: 4, columnMajor: Self.columns()), labels: nil, scores: nil, weights: nil, groupCodes: nil,
            groups: GroupsTable(names: ["a", "b"], privileged: [true, false]))
        let data = DataView(table.pointer.pointee)
        #expect(SparseRows.majorities(of: data, columns: [0, 1, 2, 3]) == [-0.4, 0, 0, 1.5])
        let blas = HostServicesProvider(seed: 1, methodID: "feature-matrix").host.pointee.blas.pointee
        // The indicators have no zero: stored as they are, they would be dense (73 % of their values); less their
        // most common values 28 % are, and they are stored sparse. With the continuous column they stay dense.
        #expect(FeatureMatrix(data, blas: blas, columns: [0, 3, 2]).isSparse)
        #expect(!FeatureMatrix(data, blas: blas, columns: [0, 1, 3]).isSparse)
        let automatic = FeatureMatrix(data, blas: blas, columns: kept, appendingOne: appendingOne, sparse: true)
        let dense = FeatureMatrix(data, blas: blas, columns: kept, appendingOne: appendingOne, sparse: false)
        #expect(automatic.isSparse && !dense.isSparse)
        let p = dense.cols, width = 3
        #expect(automatic.cols == p && p == (kept?.count ?? 4) + (appendingOne ? 1 : 0))
        func close(_ a: [Double], _ b: [Double], _ what: String) {
            let scale = b.map(abs).max() ?? 1
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-13 * scale }, "\(what): \(a) against \(b)")
        }
        for i in [0, 1, 7, n - 1] { close(automatic.row(i), dense.row(i), "row \(i)") }
        let b = (0..<(p * width)).map { Double($0 % 7) - 2.5 }, f = (0..<(n * width)).map { Double($0 % 9) - 4 }
        var products = [[Double]](repeating: [Double](repeating: .nan, count: n * width), count: 2)
        var transposed = [[Double]](repeating: [Double](repeating: .nan, count: p * width), count: 2)
        for (index, matrix) in [automatic, dense].enumerated() {
            matrix.times(b, width: width, into: &products[index])
            matrix.transposeTimes(f, width: width, into: &transposed[index])
        }
        close(products[0], products[1], "X B")
        close(transposed[0], transposed[1], "Xᵀ F")
        // Xᵀ C X added into the top left of a larger matrix, whose other values stay as they were.
        let curvature = (0..<n).map { 0.1 + Double($0 % 6) }, ldm = p + 2
        var grams = [[Double]](repeating: [Double](repeating: 7, count: ldm * ldm), count: 2)
        for (index, matrix) in [automatic, dense].enumerated() { matrix.addWeightedGram(curvature: curvature, into: &grams[index], leadingDimension: ldm) }
        close(grams[0], grams[1], "Xᵀ C X")
        let x = (0..<n).map { dense.row($0) }
        let corner = (0..<n).reduce(0) { $0 + curvature[$1] * x[$1][0] * x[$1][p - 1] }
        #expect(abs(grams[1][p - 1] - 7 - corner) <= 1e-12 * abs(corner) && grams[1][ldm * ldm - 1] == 7)
        close(automatic.squaredNorms(), x.map { $0.reduce(0) { $0 + $1 * $1 } }, "‖x_i‖²")
    }
}
