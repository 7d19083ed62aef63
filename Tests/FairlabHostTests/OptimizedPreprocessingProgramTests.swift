import FairlabPluginKit
import FairlabTestSupport
import Foundation
import Testing

/// The optimized pre-processing program against AIF360 0.6.1's `OptTools` (solved by cvxpy/CLARABEL) and an
/// independent HiGHS solve of the same program, on two toys and the AIF360 Adult demo's setup on fairlab's
/// rows (tools/golden/make_optimpreproc_goldens.py). The program is degenerate (many mappings reach the optimum),
/// so the objective and the constraints are compared, not the mapping entry by entry.
@Suite struct OptimizedPreprocessingProgramTests {
    static func problems() throws -> [[String: Any]] {
        let golden = try #require(try TestEnvironment.fixture("optimpreproc_goldens.json") as? [String: Any])
        return golden["problems"] as! [[String: Any]]
    }

    @Test(arguments: ["toy_binary", "toy_three_groups", "adult_demo"]) func optimumEqualsReference(_ name: String) throws {
        let problem = try #require(try Self.problems().first { $0["name"] as? String == name })
        let rowGroup = problem["row_group"] as! [Int], rowCell = problem["row_xy"] as! [Int], rowCounts = (problem["counts"] as! [NSNumber]).map(\.doubleValue)
        let cellLabels = problem["y_of_column"] as! [Int]
        let groups = (rowGroup.max() ?? 0) + 1, cells = cellLabels.count
        var counts = [[Double]](repeating: [Double](repeating: 0, count: cells), count: groups)
        for (r, count) in rowCounts.enumerated() { counts[rowGroup[r]][rowCell[r]] += count }
        let distortion = (problem["distortion"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        let options = problem["options"] as! [String: Any]
        let epsilon = (options["epsilon"] as! NSNumber).doubleValue
        let levels = (options["clist"] as! [NSNumber]).map(\.doubleValue), limits = (options["dlist"] as! [NSNumber]).map(\.doubleValue)
        let solution = try OptimizedPreprocessingProgram(
            counts: counts, cellLabels: cellLabels, distortion: distortion, epsilon: epsilon, distortionLevels: levels, distortionLimits: limits).solve()

        let reference = problem["reference"] as! [String: Any], aif360 = problem["aif360"] as! [String: Any]
        let exact = (reference["objective_presolved"] as! NSNumber).doubleValue
        #expect(abs(solution.objective - exact) < 1e-8, "\(name): \(solution.objective) against HiGHS's \(exact)")
        let cvxpy = (aif360["objective"] as! NSNumber).doubleValue
        #expect(solution.objective <= cvxpy + 1e-8, "\(name): \(solution.objective) against AIF360's \(cvxpy)")
        // The mapping, recomputed from its definition: every row a distribution, discrimination within ε, every
        // excess-distortion limit kept, and its (X', Y') distribution at the optimal distance from the original.
        let total = counts.joined().reduce(0, +)
        var transformed = [Double](repeating: 0, count: cells), original = [Double](repeating: 0, count: cells)
        for d in 0..<groups {
            for i in 0..<cells {
                #expect(abs(solution.mapping[d][i].reduce(0, +) - 1) < 1e-12 && solution.mapping[d][i].allSatisfy { $0 >= 0 })
                original[i] += counts[d][i] / total
                for j in 0..<cells { transformed[j] += counts[d][i] / total * solution.mapping[d][i][j] }
            }
        }
        let distance = 0.5 * zip(transformed, original).reduce(0) { $0 + abs($1.0 - $1.1) }
        #expect(abs(distance - exact) < 1e-6, "\(name): the mapping's distance \(distance)")
        #expect(solution.discrimination <= epsilon + 1e-7, "\(name): discrimination \(solution.discrimination)")
        // The transformed (X', Y') distribution is not unique (AIF360's and HiGHS's differ by up to 0.046), but each
        // group's transformed label distribution P(Y' | d) is: equal to HiGHS's to 1e-6 (AIF360's to 1e-5).
        for (reference, tolerance) in [(reference, 1e-6), (aif360, 1e-5)] {
            let expected = (reference["p_yhat_given_d"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            for d in 0..<groups {
                let rows = counts[d].reduce(0, +)
                for label in 0..<expected[d].count {
                    let rate = (0..<cells).reduce(0.0) { acc, i in
                        acc + counts[d][i] / rows * (0..<cells).filter { cellLabels[$0] == label }.reduce(0) { $0 + solution.mapping[d][i][$1] }
                    }
                    #expect(abs(rate - expected[d][label]) < tolerance, "\(name): P(Y' = \(label) | d = \(d)) = \(rate), expected \(expected[d][label])")
                }
            }
        }
        for (level, limit) in zip(levels, limits) {
            for i in 0..<cells where original[i] > 0 {
                let excess = (0..<groups).reduce(0.0) { acc, d in
                    acc + counts[d][i] / total / original[i] * (0..<cells).filter { distortion[i][$0] >= level }.reduce(0) { $0 + solution.mapping[d][i][$1] }
                }
                #expect(excess <= limit + 1e-6, "\(name): cell \(i) level \(level): \(excess) > \(limit)")
            }
        }
    }
}
