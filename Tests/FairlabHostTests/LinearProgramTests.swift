import FairlabPluginKit
import FairlabTestSupport
import Foundation
import Testing

/// The interior-point solver's multipliers, which exponentiated gradient uses as its Lagrange multipliers λ:
/// against a dual solved by hand, and on the last linear program Fairlearn's `ExponentiatedGradient` solved on
/// COMPAS's 12 race × sex groups (where the dual, solved as a second program with a split free variable,
/// once failed to converge): same optimum as HiGHS, and multipliers that are dual feasible with the same value.
@Suite struct LinearProgramTests {
    /// min −x₁ − 2x₂ s.t. x₁ + x₂ ≤ 4, x₂ ≤ 3, x₁ − x₃ = 0: x = (1, 3, 1), value −7. The dual by complementary
    /// slackness: x₁, x₂, x₃ > 0 make their reduced costs zero, −1 − y₁ − y₃ = 0, −2 − y₁ − y₂ = 0, 0 + y₃ = 0, so
    /// y = (−1, −1, 0), and bᵀy = −7.
    @Test func multipliersEqualTheDualSolvedByHand() throws {
        var program = LinearProgram(variables: 3)
        program.cost = [-1, -2, 0]
        program.addInequality([(0, 1), (1, 1)], atMost: 4)
        program.addInequality([(1, 1)], atMost: 3)
        program.addEquality([(0, 1), (2, -1)], equals: 0)
        let solution = try program.solve()
        for (actual, wanted) in zip(solution.values, [1.0, 3, 1]) { #expect(abs(actual - wanted) < 1e-8) }
        for (actual, wanted) in zip(solution.multipliers, [-1.0, -1, 0]) { #expect(abs(actual - wanted) < 1e-8, "\(solution.multipliers)") }
        #expect(abs(solution.objective + 7) < 1e-9)
    }
}

extension LinearProgramTests {
    /// Every distribution program of Fairlearn's run on COMPAS (tools/golden/make_eg_linear_program_goldens.py),
    /// built as `LagrangianOracle.linearProgramStep` builds it: the optimum equals HiGHS's, and the multipliers
    /// λ = −y of the inequalities are feasible for Fairlearn's dual (λ ≥ 0, Σ λ ≤ B, reduced costs ≥ 0) with the
    /// dual's optimum as their value.
    @Test func exponentiatedGradientProgramsOnTwelveGroupsEqualHiGHS() throws {
        let golden = try #require(try TestEnvironment.fixture("eg_linear_programs.json") as? [String: Any])
        let programs = golden["programs"] as! [[String: Any]]
        #expect(programs.count > 10)
        for (index, program) in programs.enumerated() {
            let cost = (program["cost"] as! [NSNumber]).map(\.doubleValue)
            let rows = (program["inequalities"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let bounds = (program["bounds"] as! [NSNumber]).map(\.doubleValue)
            var linear = LinearProgram(variables: cost.count)
            linear.cost = cost
            for (row, bound) in zip(rows, bounds) { linear.addInequality(row.enumerated().map { ($0.offset, $0.element) }, atMost: bound) }
            linear.addEquality((0..<(cost.count - 1)).map { ($0, 1) }, equals: 1)
            let solution = try linear.solve()
            let primal = (program["primal_optimum"] as! NSNumber).doubleValue, dual = (program["dual_optimum"] as! NSNumber).doubleValue
            #expect(abs(solution.objective - primal) <= 1e-8 * (1 + abs(primal)), "program \(index): \(solution.objective) against HiGHS's \(primal)")
            let lambda = solution.multipliers.prefix(rows.count).map { -$0 }, mu = solution.multipliers[rows.count]
            #expect(lambda.allSatisfy { $0 >= -1e-9 } && lambda.reduce(0, +) <= cost.last! + 1e-7, "program \(index): λ \(lambda)")
            let reducedCosts = (0..<cost.count).map { h in cost[h] + zip(rows, lambda).reduce(0) { $0 + $1.0[h] * $1.1 } - (h < cost.count - 1 ? mu : 0) }
            #expect(reducedCosts.allSatisfy { $0 >= -1e-8 }, "program \(index): reduced costs \(reducedCosts.min()!)")
            #expect(abs(mu - dual) <= 1e-8 * (1 + abs(dual)), "program \(index): dual value \(mu) against HiGHS's \(dual)")
        }
    }
}
