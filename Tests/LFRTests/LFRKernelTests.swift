import CFairlabKernels
import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// LFR's passes compute their exponentials and logarithms with the kernels' own vectorised functions (the same bits
/// on every processor, unlike glibc's exp and log, one call per value): checked here against glibc's, through the
/// passes themselves, on values spanning what an objective meets and beyond (distances up to 800, predictions down
/// to the subnormals), for each prototype count the kernels compile apart and one they do not.
@Suite struct LFRKernelTests {
    /// Each membership is softmax(−distance) of its row to within 4 units in the last place of glibc's exp
    /// (the exponential's one, and the normalisation's sum and division), the distances exact.
    @Test(arguments: [2, 5, 7])
    func membershipsAreTheSoftmaxOfTheDistances(prototypes k: Int) {
        var generator = SeededGenerator(seed: UInt64(k))
        let n = 2_000
        // ‖x‖² − 2 s + ‖v‖² = d²: products chosen for distances from 0 to 800.
        let rowNorms = (0..<n).map { _ in Double.random(in: 0...1, using: &generator) }
        let prototypeNorms = (0..<k).map { _ in Double.random(in: 0...1, using: &generator) }
        var products = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            let spread = [1.0, 10, 800][i % 3]
            for j in 0..<k {
                let distance = Double.random(in: 0...spread, using: &generator)
                products[i * k + j] = (rowNorms[i] + prototypeNorms[j] - distance * distance) / 2
            }
        }
        var distances = [Double](repeating: 0, count: n * k), memberships = distances
        fairlab_lfr_memberships(products, rowNorms, prototypeNorms, Int64(n), Int64(k), &distances, &memberships)
        var worst = 0.0
        for i in 0..<n {
            let row = (0..<k).map { max(rowNorms[i] - 2 * products[i * k + $0] + prototypeNorms[$0], 0).squareRoot() }
            let nearest = row.min()!
            let exponentials = row.map { Foundation.exp(nearest - $0) }
            let total = exponentials.reduce(0, +)
            for j in 0..<k {
                #expect(distances[i * k + j] == row[j])
                let expected = exponentials[j] / total
                // Below the smallest normal, in units of the smallest subnormal.
                worst = max(worst, unitsInTheLastPlace(memberships[i * k + j], from: expected))
            }
        }
        #expect(worst <= 4, "worst membership \(worst) units in the last place from glibc's")
    }

    /// The prediction term −Σ [y log ŷ + (1 − y) log(1 − ŷ)] equals glibc's logarithms summed in row order, to within
    /// 2 × 10⁻¹⁵ relative, for 0/1 and fractional labels, with ŷ from subnormals (below 2⁻¹⁰²², which the logarithm
    /// scales first) up to 1 − 10⁻¹²; each row's gradient g_ŷ, which takes no logarithm, is the same bits as computed
    /// here.
    @Test func predictionTermMatchesGlibcsLogarithms() {
        var generator = SeededGenerator(seed: 11)
        let n = 1_200, k = 2, clip = 0x1p-1063
        // Two prototypes with label weights 0 and 1: ŷ is the second membership.
        let favourable = (0..<n).map { i in
            [0x1p-1030, 1e-300, 1e-200, 1e-12, 0.3, 1 - 1e-12][i % 6] * Double.random(in: 0.5...1, using: &generator)
        }
        let memberships = favourable.flatMap { [1 - $0, $0] }
        let labels = (0..<n).map { [0.0, 1, 0.25][$0 % 3] }
        let zeros = [Double](repeating: 0, count: n * k), ones = [Double](repeating: 1, count: n)
        var membershipGradient = zeros, predictionGradient = [Double](repeating: 0, count: n), sums = [Double](repeating: 0, count: 2 + k)
        fairlab_lfr_terms(memberships, zeros, [0, 0, 0, 0], [0, 1], [Double](repeating: 0, count: n), ones, ones, labels, Int64(n), Int64(k), 1, 1, clip,
                          &membershipGradient, &predictionGradient, &sums)
        var expected = 0.0
        for i in 0..<n {
            // ŷ as the pass computes it: the memberships times the label weights, in order.
            let yHat = max(clip, min(1 - clip, memberships[2 * i] * 0 + memberships[2 * i + 1] * 1)), y = labels[i]
            if i % 6 == 0 { #expect(yHat < 0x1p-1022 && yHat > clip, "row \(i) should be subnormal: \(yHat)") }
            expected -= y == 1 ? Foundation.log(yHat) : y == 0 ? Foundation.log(1 - yHat) : y * Foundation.log(yHat) + (1 - y) * Foundation.log(1 - yHat)
            #expect(predictionGradient[i] == (yHat > clip && yHat < 1 - clip ? (yHat - y) / (yHat * (1 - yHat)) : 0))
        }
        #expect(abs(sums[1] - expected) <= 2e-15 * abs(expected), "\(sums[1]) against \(expected)")
    }
}
