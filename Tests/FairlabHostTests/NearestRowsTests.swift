import FairlabCore
import FairlabPluginKit
import Testing

/// The kit's `NearestRows` (the compiled scan SMOTE's neighbour search uses) against a brute-force sort of the same
/// squared distances, on rows with duplicates, so ties at every position occur: nearest first, the earlier row
/// first among equals, the query's own row never.
@Suite struct NearestRowsTests {
    @Test func keepsTheKNearestInOrderWithTiesToTheEarlierRow() {
        var generator = SeededGenerator(seed: 11)
        let rows = 203, cols = 3, k = 5
        // Small integer coordinates: many rows share a distance, and every product is exact.
        let points = (0..<(rows * cols)).map { _ in Double(generator.next() % 4) }
        func point(_ i: Int) -> ArraySlice<Double> { points[(i * cols)..<((i + 1) * cols)] }
        let norms = (0..<rows).map { i in point(i).reduce(0) { $0 + $1 * $1 } }
        var nearest = NearestRows(k: k)
        for query in [0, 7, 100, 202] {
            let products = (0..<rows).map { j in zip(point(j), point(query)).reduce(0) { $0 + $1.0 * $1.1 } }
            // Split the products between the double and the single-precision inputs, as SMOTE does.
            let doubles = products.map { $0 - Double(Int($0) / 2) }, singles = products.map { Float(Int($0) / 2) }
            doubles.withUnsafeBufferPointer { doubles in
                singles.withUnsafeBufferPointer { singles in
                    norms.withUnsafeBufferPointer { norms in
                        nearest.search(products: doubles.baseAddress, indicatorProducts: singles.baseAddress, norms: norms.baseAddress!,
                                       count: rows, own: norms[query], excluding: query)
                    }
                }
            }
            let candidates: [(row: Int, distance: Double)] = (0..<rows).filter { $0 != query }.map { j in
                let distance: Double = norms[query] + norms[j] - 2 * products[j]
                return (j, max(0, distance))
            }
            let sorted = candidates.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.row < $1.row) }
            let expected = sorted.prefix(k).map { Int64($0.row) }
            #expect(Array(nearest.rows) == expected, "query \(query)")
        }
        // Without a row of its own to leave out, and with each input alone: row 0 is then its own nearest, at 0.
        let products = (0..<rows).map { j in zip(point(j), point(0)).reduce(0) { $0 + $1.0 * $1.1 } }
        let candidates: [(row: Int, distance: Double)] = (0..<rows).map { j in
            let distance: Double = norms[0] + norms[j] - 2 * products[j]
            return (j, max(0, distance))
        }
        let expected = candidates.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.row < $1.row) }.prefix(k).map { Int64($0.row) }
        #expect(expected[0] == 0)
        let singles = products.map(Float.init)
        products.withUnsafeBufferPointer { products in
            norms.withUnsafeBufferPointer { norms in
                nearest.search(products: products.baseAddress, indicatorProducts: nil, norms: norms.baseAddress!, count: rows, own: norms[0], excluding: -1)
            }
        }
        #expect(Array(nearest.rows) == expected)
        singles.withUnsafeBufferPointer { singles in
            norms.withUnsafeBufferPointer { norms in
                nearest.search(products: nil, indicatorProducts: singles.baseAddress, norms: norms.baseAddress!, count: rows, own: norms[0], excluding: -1)
            }
        }
        #expect(Array(nearest.rows) == expected)
        // Fewer rows than k: only they, not the last search's rows after them.
        products.withUnsafeBufferPointer { products in
            norms.withUnsafeBufferPointer { norms in
                nearest.search(products: products.baseAddress, indicatorProducts: nil, norms: norms.baseAddress!, count: 3, own: norms[0], excluding: 1)
            }
        }
        let few = [0, 2].sorted { (max(0, norms[0] + norms[$0] - 2 * products[$0]), $0) < (max(0, norms[0] + norms[$1] - 2 * products[$1]), $1) }
        #expect(Array(nearest.rows) == few.map(Int64.init))
    }

    /// Rows at an infinite distance (norms that overflowed) still fill the k places, the earlier rows first: a
    /// search of enough rows always finds k.
    @Test func infiniteDistancesStillFillTheKPlaces() {
        var nearest = NearestRows(k: 3)
        let norms = [Double](repeating: .infinity, count: 10), products = [Double](repeating: 0, count: 10)
        products.withUnsafeBufferPointer { products in
            norms.withUnsafeBufferPointer { norms in
                nearest.search(products: products.baseAddress, indicatorProducts: nil, norms: norms.baseAddress!, count: 10, own: 0, excluding: 0)
            }
        }
        #expect(Array(nearest.rows) == [1, 2, 3])
    }
}
