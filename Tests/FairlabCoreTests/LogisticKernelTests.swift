import CFairlabKernels
import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// Every logistic model (the host's learner, the plugins' through `Logistic`) takes σ(z) and the cross-entropy
/// from the kernels' vectorised passes: checked against glibc's exp and log1p, one value at a time, over
/// logits spanning what a model meets and beyond (|z| up to 800, where eᶻ underflows), and against themselves one
/// value at a time.
@Suite struct LogisticKernelTests {
    /// 40,000 logits from a seeded stream, a quarter each within ±800, ±40, ±2 and ±10⁻³, and the edge cases.
    static func logits() -> [Double] {
        var generator = SeededGenerator(seed: 5)
        let spreads = [800.0, 40, 2, 1e-3]
        return (0..<40_000).map { i in Double.random(in: -spreads[i % 4]...spreads[i % 4], using: &generator) }
            + [0, -0.0, 0x1p-1030, -0x1p-1030, 36.7, -36.7, 745, -745, 746, -746, 709.7, -709.7, .infinity, -.infinity]
    }

    /// The farthest any value of a pass lies from `reference` of its index, in units in the last place, each value
    /// checked to be the same bits as `single` of its index (the function one value at a time).
    static func worstUnits(of pass: [Double], from reference: (Int) -> Double, single: (Int) -> Double) -> Double {
        var worst = 0.0
        for i in pass.indices {
            worst = max(worst, unitsInTheLastPlace(pass[i], from: reference(i)))
            #expect(pass[i].bitPattern == single(i).bitPattern, "value \(i) of the pass against one at a time")
        }
        return worst
    }

    @Test func sigmoidIsWithinTwoUnitsOfGlibcs() {
        let z = Self.logits()
        var out = [Double](repeating: .nan, count: z.count)
        fairlab_sigmoid(z, Int64(z.count), &out)
        let worst = Self.worstUnits(
            of: out, from: { z[$0] >= 0 ? 1 / (1 + exp(-z[$0])) : exp(z[$0]) / (1 + exp(z[$0])) }, single: { sigmoid(z[$0]) })
        #expect(worst <= 2, "worst σ \(worst) units in the last place from glibc's")
        #expect(sigmoid(.infinity) == 1 && sigmoid(-.infinity) == 0 && sigmoid(0) == 0.5 && sigmoid(-800) == 0)
        #expect(sigmoid(.nan).isNaN)
    }

    /// The cross-entropy keeps its two terms apart: within 3 units of glibc's max(z, 0) − z t + log1p(exp(−|z|)) for
    /// targets 0, 1 and between, where softplus(z) − z t would lose a confident right answer's loss (z = 40, t = 1:
    /// 4.2 · 10⁻¹⁸, not 0).
    @Test func crossEntropyIsWithinThreeUnitsOfGlibcs() {
        let z = Self.logits().filter(\.isFinite)
        var generator = SeededGenerator(seed: 9)
        let targets = z.indices.map { i in [0.0, 1, Double.random(in: 0...1, using: &generator)][i % 3] }
        var out = [Double](repeating: .nan, count: z.count)
        fairlab_cross_entropy(z, targets, Int64(z.count), &out)
        // Both terms are at least 0, so nothing cancels: each value to within a few units of its own.
        let worst = Self.worstUnits(
            of: out, from: { max(z[$0], 0) - z[$0] * targets[$0] + log1p(exp(-abs(z[$0]))) },
            single: { fairlab_cross_entropy_of(z[$0], targets[$0]) })
        #expect(worst <= 3, "worst cross-entropy \(worst) units in the last place from glibc's")
        let confident = fairlab_cross_entropy_of(40, 1)
        #expect(abs(confident - log1p(exp(-40.0))) <= 2 * confident.ulp && confident > 4.2e-18)
        #expect(fairlab_cross_entropy_of(-800, 0) == 0 && fairlab_cross_entropy_of(800, 0) == 800 && fairlab_cross_entropy_of(0, 1) == log(2.0))
        #expect(fairlab_cross_entropy_of(.infinity, 0) == .infinity && fairlab_cross_entropy_of(-.infinity, 0) == 0)
        #expect(fairlab_cross_entropy_of(.infinity, 1) == 0 && fairlab_cross_entropy_of(-.infinity, 1) == .infinity)
        #expect(fairlab_cross_entropy_of(.nan, 1).isNaN)
    }
}
