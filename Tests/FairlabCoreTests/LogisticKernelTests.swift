import CFairlabKernels
import FairlabCore
import Foundation
import Testing

/// Every logistic model (the host's learner, the plugins' through `Logistic`) takes σ(z), log(1 + eᶻ) and the
/// cross-entropy from the kernels' vectorised passes: checked against glibc's exp and log1p, one value at a time, over
/// logits spanning what a model meets and beyond (|z| up to 800, where eᶻ underflows), and against themselves one
/// value at a time.
@Suite struct LogisticKernelTests {
    /// How far `value` is from `reference`, in units of the last place of `reference` (below the smallest normal,
    /// in units of the smallest subnormal); infinite where one is NaN or infinite and the other not the same.
    static func ulps(_ value: Double, _ reference: Double) -> Double {
        if value == reference || (value.isNaN && reference.isNaN) { return 0 }
        guard value.isFinite, reference.isFinite else { return .infinity }
        return abs(value - reference) / max(reference.magnitude.ulp, 0x1p-1074)
    }

    /// 40,000 logits from a seeded stream, a quarter each within ±800, ±40, ±2 and ±10⁻³, and the edge cases.
    static func logits() -> [Double] {
        var generator = SeededGenerator(seed: 5)
        let spreads = [800.0, 40, 2, 1e-3]
        return (0..<40_000).map { i in Double.random(in: -spreads[i % 4]...spreads[i % 4], using: &generator) }
            + [0, -0.0, 0x1p-1030, -0x1p-1030, 36.7, -36.7, 745, -745, 746, -746, 709.7, -709.7, .infinity, -.infinity]
    }

    @Test func softplusIsWithinThreeUnitsOfGlibcs() {
        let z = Self.logits()
        var out = [Double](repeating: .nan, count: z.count)
        fairlab_softplus(z, Int64(z.count), &out)
        var worst = 0.0
        for (value, logit) in zip(out, z) {
            let reference = max(logit, 0) + log1p(exp(-abs(logit)))
            worst = max(worst, Self.ulps(value, reference))
            #expect(value.bitPattern == fairlab_softplus_of(logit).bitPattern, "softplus(\(logit)) one at a time")
        }
        #expect(worst <= 3, "worst softplus \(worst) units in the last place from glibc's")
        #expect(fairlab_softplus_of(.infinity) == .infinity && fairlab_softplus_of(-.infinity) == 0)
        #expect(fairlab_softplus_of(-800) == 0 && fairlab_softplus_of(800) == 800 && fairlab_softplus_of(0) == log(2.0))
        #expect(fairlab_softplus_of(.nan).isNaN)
    }

    @Test func sigmoidIsWithinTwoUnitsOfGlibcs() {
        let z = Self.logits()
        var out = [Double](repeating: .nan, count: z.count)
        fairlab_sigmoid(z, Int64(z.count), &out)
        var worst = 0.0
        for (value, logit) in zip(out, z) {
            let reference = logit >= 0 ? 1 / (1 + exp(-logit)) : exp(logit) / (1 + exp(logit))
            worst = max(worst, Self.ulps(value, reference))
            #expect(value.bitPattern == sigmoid(logit).bitPattern, "σ(\(logit)) one at a time")
        }
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
        var worst = 0.0
        for i in z.indices {
            let reference = max(z[i], 0) - z[i] * targets[i] + log1p(exp(-abs(z[i])))
            // Both terms are at least 0, so nothing cancels: each value to within a few units of its own.
            worst = max(worst, Self.ulps(out[i], reference))
            #expect(out[i].bitPattern == fairlab_cross_entropy_of(z[i], targets[i]).bitPattern, "cross-entropy(\(z[i]), \(targets[i])) one at a time")
        }
        #expect(worst <= 3, "worst cross-entropy \(worst) units in the last place from glibc's")
        let confident = fairlab_cross_entropy_of(40, 1)
        #expect(abs(confident - log1p(exp(-40.0))) <= 2 * confident.ulp && confident > 4.2e-18)
    }
}
