import FairlabCore
import Testing

/// The eight-lane screen for NaN and infinities finds the first bad value wherever it sits: inside a screened
/// block, at a block's edge, or in a scalar tail.
@Suite struct FiniteCheckTests {
    @Test(arguments: [0, 7, 8, 4095, 4096, 4099, 10_001])
    func findsTheFirstBadValue(_ position: Int) {
        for bad in [Double.nan, .infinity, -.infinity] {
            var values = (0..<10_002).map { Double($0 % 17) - 8 }
            values[position] = bad
            if position + 3 < values.count { values[position + 3] = .nan }  // a later one is not reported
            #expect(values.withUnsafeBufferPointer(firstNonFinite) == position, "\(bad) at \(position)")
        }
    }

    @Test func finiteAndEmptyValuesHaveNone() {
        let values = (0..<9_000).map { Double($0) * 1e300 }  // large but finite
        #expect(values.withUnsafeBufferPointer(firstNonFinite) == nil)
        #expect([Double]().withUnsafeBufferPointer(firstNonFinite) == nil)
        #expect(Matrix(rows: 3, cols: 2, columnMajor: [1, 2, 3, 4, .infinity, 6]).firstNonFiniteIndex == 4)
    }
}
