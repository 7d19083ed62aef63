import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// SMOTE, plain and group-aware, called through the ABI as `compare` calls it, on the golden inputs of
/// `PreProcessingGoldenTests` (400 training rows). imbalanced-learn's `SMOTE(k_neighbors=5)` on the same rows
/// (tools/golden/make_preprocessing_goldens.py) fixes how many rows it adds and each minority row's five nearest
/// minority neighbours; fairlab draws its (row, neighbour, gap) triples from the host's stream, not numpy's, so
/// each synthetic row is checked to lie on a segment imbalanced-learn could have drawn.
@Suite struct SMOTETests {
    typealias Training = PreProcessingGoldenTests.Training

    /// Fits and transforms the training rows, returning the grown data, and checks the test rows pass through.
    static func transform(_ training: Training, _ method: String, _ overrides: [String: String] = [:]) throws -> TransformedData {
        let (grown, tested) = try training.transformed(by: training.fitted("SMOTE", method, overrides, seed: 7))
        #expect(tested.features == training.testFeatures)
        // The original rows come first, unchanged.
        let n = training.labels.count
        #expect(grown.features.selectingRows(Array(0..<n)) == training.features)
        #expect(Array(grown.labels!.prefix(n)) == training.labels && Array(grown.groupCodes!.prefix(n)) == training.codes)
        #expect(grown.weights.allSatisfy { $0 == 1 })
        return grown
    }

    /// The gap g ∈ [0, 1) with x = a + g·(b − a), if x lies on that segment (to 1e-12), else nil.
    static func gap(of x: [Double], from a: [Double], to b: [Double]) -> Double? {
        guard let j = a.indices.max(by: { abs(b[$0] - a[$0]) < abs(b[$1] - a[$1]) }), abs(b[j] - a[j]) > 1e-9 else {
            return x == a ? 0 : nil
        }
        let g = (x[j] - a[j]) / (b[j] - a[j])
        guard g >= -1e-12, g < 1 else { return nil }
        return a.indices.allSatisfy { abs(a[$0] + g * (b[$0] - a[$0]) - x[$0]) < 1e-12 } ? g : nil
    }

    @Test func plainSMOTEAddsImbalancedLearnsRowCountOnItsNeighbourSegments() throws {
        let training = try Training()
        let golden = try PreProcessingGoldenTests.golden("smote")
        let minority = golden["minority_rows"] as! [Int], neighbours = golden["neighbours"] as! [[Int]]
        let grown = try Self.transform(training, "smote")
        let n = training.labels.count, added = grown.features.rows - n
        #expect(added == golden["n_synthetic"] as! Int)
        // Every class now has the majority's count of rows, as imbalanced-learn leaves them.
        let majority = (golden["class_counts"] as! [String: Int]).values.max()!
        #expect(grown.labels!.filter { $0 == 1 }.count == majority && grown.labels!.filter { $0 == 0 }.count == majority)
        func row(_ matrix: Matrix, _ i: Int) -> [Double] { (0..<matrix.cols).map { matrix[i, $0] } }
        var gaps: [Double] = [], slots = [Int](repeating: 0, count: 5)
        for s in n..<grown.features.rows {
            let x = row(grown.features, s)
            var found: (gap: Double, base: Int, partner: Int)?
            search: for (position, base) in minority.enumerated() {
                for (slot, partner) in neighbours[position].enumerated() {
                    if let g = Self.gap(of: x, from: row(training.features, base), to: row(training.features, partner)) {
                        found = (g, base, partner)
                        slots[slot] += 1
                        break search
                    }
                }
            }
            let segment = try #require(found, "synthetic row \(s) lies on no (minority row, imbalanced-learn neighbour) segment")
            gaps.append(segment.gap)
            #expect(grown.labels![s] == 1)
            // Its group is the nearer parent's.
            #expect(grown.groupCodes![s] == training.codes[segment.gap < 0.5 ? segment.base : segment.partner])
        }
        // Draws are uniform: the gaps' mean within 4 standard errors of ½, and the neighbour slots evenly used
        // (χ² with 4 degrees of freedom below its 0.999 quantile, 18.47).
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        #expect(abs(mean - 0.5) < 4 * (1.0 / 12 / Double(gaps.count)).squareRoot(), "mean gap \(mean)")
        let expected = Double(added) / 5
        let chiSquare = slots.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 18.47, "slots \(slots)")
    }

    /// Group-aware SMOTE raises every (group, label) cell to the largest cell's size, each synthetic row
    /// interpolated between two rows of its own cell, one of them among the other's five nearest in the cell.
    @Test func groupSMOTEBalancesEveryCellWithinTheCell() throws {
        try Self.checkGroupSMOTE(try Training())
    }

    /// With 0/1 columns (four of the seven) the neighbour search computes their products in single precision
    /// (exact for 0/1 values) and adds the numeric columns' in double: the neighbours are still the nearest.
    @Test func groupSMOTEFindsTheNearestWithIndicatorColumns() throws {
        let standardised = try Training()
        // The golden rows' columns are standardised (no 0/1 column): the other test takes the double-only path.
        #expect((0..<7).allSatisfy { j in (0..<standardised.features.rows).contains { standardised.features[$0, j] != 0 && standardised.features[$0, j] != 1 } })
        try Self.checkGroupSMOTE(standardised.withIndicatorColumns())
        // The indicator columns' products took the single-precision path, and only with them.
        for (training, taken) in [(standardised.withIndicatorColumns(), 4), (standardised, 0)] {
            let logged = try training.fitted("SMOTE", "group-smote", [:], seed: 7).logged.map(\.text)
            let line = try #require(logged.first { $0.hasPrefix("SMOTE adds") })
            #expect(line.contains("products of \(taken) of 7 columns"), "\(line)")
        }
    }

    /// Group SMOTE raises every (group, label) cell to the largest's size, each synthetic row between a row of its
    /// cell and one of that row's five nearest members of the cell (a tie with the fifth counts as one of them).
    static func checkGroupSMOTE(_ training: Training) throws {
        let grown = try Self.transform(training, "group-smote")
        let n = training.labels.count
        func cell(_ codes: [Int32], _ labels: [Double], _ i: Int) -> Int { Int(codes[i]) * 2 + Int(labels[i]) }
        let sizes = (0..<4).map { c in (0..<n).filter { cell(training.codes, training.labels, $0) == c }.count }
        let grownSizes = (0..<4).map { c in (0..<grown.features.rows).filter { cell(grown.groupCodes!, grown.labels!, $0) == c }.count }
        #expect(grownSizes == [Int](repeating: sizes.max()!, count: 4), "cells \(sizes) → \(grownSizes)")
        func row(_ matrix: Matrix, _ i: Int) -> [Double] { (0..<matrix.cols).map { matrix[i, $0] } }
        let points = (0..<n).map { row(training.features, $0) }
        func distance(_ i: Int, _ j: Int) -> Double { zip(points[i], points[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        // Brute force: each row's five nearest members of its own cell, by Euclidean distance, and any tied with the
        // fifth (rounding decides between tied rows).
        let nearest = (0..<n).map { i in
            let others = (0..<n).filter { $0 != i && cell(training.codes, training.labels, $0) == cell(training.codes, training.labels, i) }
                .map { (row: $0, distance: distance(i, $0)) }.sorted { $0.distance < $1.distance }
            let fifth = others[min(4, others.count - 1)].distance
            return others.filter { $0.distance <= fifth + 1e-9 }.map(\.row)
        }
        for s in n..<grown.features.rows {
            let x = row(grown.features, s), target = cell(grown.groupCodes!, grown.labels!, s)
            let onSegment = (0..<n).contains { base in
                cell(training.codes, training.labels, base) == target && nearest[base].contains { Self.gap(of: x, from: points[base], to: points[$0]) != nil }
            }
            #expect(onSegment, "synthetic row \(s) is not between a row of its cell and one of that row's five nearest")
        }
    }

    /// With `categorical=nearest` the one-hot block (c=0…c=2) and the protected column (s) are the nearer
    /// parent's, so every synthetic row keeps one of the categories training rows have; numeric columns are still
    /// interpolated.
    @Test func nearestCategoriesKeepOneHotRowsValid() throws {
        let training = try Training()
        let grown = try Self.transform(training, "smote", ["categorical": "nearest"])
        let n = training.labels.count
        func categories(_ matrix: Matrix, _ i: Int) -> [Double] { (3..<7).map { matrix[i, $0] } }
        let seen = Set((0..<n).map { categories(training.features, $0) })
        #expect(seen.count == 6, "2 sides × 3 categories")
        for s in n..<grown.features.rows {
            #expect(seen.contains(categories(grown.features, s)), "row \(s): \(categories(grown.features, s))")
        }
        let interpolated = (n..<grown.features.rows).filter { s in !(0..<n).contains { training.features[$0, 0] == grown.features[s, 0] } }
        #expect(interpolated.count > (grown.features.rows - n) / 2)
    }
}
