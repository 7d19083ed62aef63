@testable import FairlabCore
import Testing

/// The rows a sampled Hessian is formed over, counted by hand: the first 64 of every 256.
@Suite struct RowSampleTests {
    @Test func quarterTakesTheFirst64OfEvery256() {
        #expect(RowSample.quarter.ranges(rows: 600) == [0..<64, 256..<320, 512..<576])
        #expect(RowSample.quarter.count(rows: 600) == 192)
        // A last run cut short by the end of the rows.
        #expect(RowSample.quarter.ranges(rows: 300) == [0..<64, 256..<300])
        #expect(RowSample.quarter.count(rows: 300) == 108)
        #expect(RowSample.quarter.weight == 4)
    }

    @Test func allTakesEveryRowOnce() {
        #expect(RowSample.all.ranges(rows: 600) == [0..<600])
        #expect(RowSample.all.ranges(rows: 0).isEmpty)
        #expect(RowSample.all.weight == 1)
    }

    /// The dense design's Gram over a quarter of the rows against the same sums written out: the packing of the
    /// taken rows (column j's at j · taken), the weight 4, and Xᵀd summed in the conversion pass.
    @Test func sampledDenseGramIsFourTimesTheTakenRowsSums() {
        let n = 600, p = 3
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53 * 2 - 1
        }
        let values = (0..<(n * p)).map { _ in next() }
        let d = (0..<n).map { _ in (next() + 1) / 2 }
        let design = DenseDesign(features: Matrix(rows: n, cols: p, columnMajor: values))
        var block = [Double](repeating: 0, count: p * p), cross = [Double](repeating: 0, count: p)
        design.weightedGram(d, over: .quarter, block: &block, cross: &cross)
        let taken = RowSample.quarter.ranges(rows: n).flatMap { Array($0) }
        for a in 0..<p {
            let wantedCross = 4 * taken.reduce(0) { $0 + d[$1] * values[$1 + a * n] }
            #expect(abs(cross[a] - wantedCross) < 1e-12 * Double(taken.count), "cross \(a): \(cross[a]) against \(wantedCross)")
            for b in a..<p {
                let wanted = 4 * taken.reduce(0) { $0 + d[$1] * values[$1 + a * n] * values[$1 + b * n] }
                // Single precision: about 1e-7 of the sum of |terms|, which is below the taken rows' count.
                #expect(abs(block[a + b * p] - wanted) < 1e-5 * Double(taken.count), "(\(a), \(b)): \(block[a + b * p]) against \(wanted)")
            }
        }
        // Every row: the same sums over all 600.
        design.weightedGram(d, over: .all, block: &block, cross: &cross)
        for a in 0..<p {
            let wantedCross = (0..<n).reduce(0) { $0 + d[$1] * values[$1 + a * n] }
            #expect(abs(cross[a] - wantedCross) < 1e-12 * Double(n), "cross \(a): \(cross[a]) against \(wantedCross)")
            for b in a..<p {
                let wanted = (0..<n).reduce(0) { $0 + d[$1] * values[$1 + a * n] * values[$1 + b * n] }
                #expect(abs(block[a + b * p] - wanted) < 1e-5 * Double(n), "(\(a), \(b)): \(block[a + b * p]) against \(wanted)")
            }
        }
    }
}
