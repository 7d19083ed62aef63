@testable import AdversarialDebiasing
import CFairlabPlugin
@testable import FairlabHost
import Foundation
import Testing

/// The adversarial network's back-propagated gradients against central finite differences of its losses, for every
/// parameter of both networks, with dropout zeroing some units and c negative (the |c| branch), so a wrong term in the
/// hand-written backward pass shows as a mismatch. The network computes in single precision, too coarse for finite
/// differences, so the losses are differenced as the test computes them itself: the forward pass written out in
/// double from the network's parameters, apart from its kernels.
@Suite struct AdversarialGradientTests {
    /// With the rows stored sparse and dense (`FeatureRows`), each with c positive and negative, and sparse less
    /// each column's most common value (standardised one-hot rows: every product then corrected).
    @Test(arguments: [(0.7, true, false), (-0.4, true, false), (0.7, false, false), (-0.4, false, false), (-0.4, true, true)])
    func gradientsEqualFiniteDifferences(_ sharpness: Float, sparse: Bool, centred: Bool) throws {
        let provider = HostServicesProvider(seed: 3, methodID: "gradient-check")
        let blas = provider.host.pointee.blas.pointee
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        let features = 5, hidden = 4, rows = 6
        let network = AdversarialNetwork(features: features, hidden: hidden, capacity: rows, blas: blas, uniform: uniform)
        network.adversary[0] = sharpness
        // Every third value zero, or with `centred` its column's offset: the rows are stored sparse, and a zero (or
        // the offset) must count as one.
        let offsets = (0..<features).map { 0.5 - Double($0) * 0.3 }
        let columns = (0..<features * rows).map { $0 % 3 == 1 ? 0 : 2 * uniform() - 1 }.enumerated().map { $1 + (centred ? offsets[$0 % features] : 0) }
        let stored = FeatureRows(columns: columns, width: features, count: rows, sparse: sparse, offsets: centred ? offsets : nil)
        #expect(stored.isSparse == sparse)
        #expect(stored.entries(in: [0, 1, 2, 3, 4, 5]) == (sparse ? features * rows - (features * rows + 1) / 3 : features * rows))
        let batch: [Int64] = [5, 0, 1, 2, 3, 4], labels: [Double] = [1, 0, 1, 1, 0, 0], sides: [Double] = [0, 0, 1, 1, 1, 0]
        let weights = [0.5, 1.5, 1, 2, 0.25, 0.75]
        let dropout: [Float] = (0..<hidden * rows).map { $0 % 5 == 2 ? 0 : 1.25 }
        func evaluate(_ rows: FeatureRows) {
            dropout.withUnsafeBufferPointer { mask in
                network.computeGradients(rows: rows, batch: batch, labels: labels, sides: sides, weights: weights, dropout: mask.baseAddress!, debias: true)
            }
        }
        evaluate(stored)
        let label = network.labelGradient, onClassifier = network.adversaryGradientOnClassifier, adversary = network.adversaryGradient
        // The other storage of the same rows gives the same losses and gradients, to single precision (so a mistake
        // one storage makes, a skipped column or a misread batch order, shows as a mismatch here).
        let networkLosses = network.losses
        evaluate(FeatureRows(columns: columns, width: features, count: rows, sparse: !sparse))
        let difference = zip(label + onClassifier + adversary, network.labelGradient + network.adversaryGradientOnClassifier + network.adversaryGradient)
            .map { abs($0 - $1) }.max()!
        #expect(difference < 1e-6 && abs(network.losses.label - networkLosses.label) < 1e-6 && abs(network.losses.adversary - networkLosses.adversary) < 1e-6,
                "sparse and dense storage differ by \(difference)")

        // The batch's weighted mean losses, in double: W₁ column-major (hidden × features), then b₁, w₂, b₂; the
        // adversary's c, its three weights, its bias.
        func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        func crossEntropy(_ z: Double, _ target: Double) -> Double { -(target * log(sigmoid(z)) + (1 - target) * log(1 - sigmoid(z))) }
        func losses(_ theta: [Double], _ phi: [Double]) -> (label: Double, adversary: Double) {
            var label = 0.0, adversary = 0.0
            for (position, row) in batch.map(Int.init).enumerated() {
                var logit = theta[theta.count - 1]
                for h in 0..<hidden {
                    var pre = theta[features * hidden + h]
                    for j in 0..<features { pre += theta[h + j * hidden] * columns[row * features + j] }
                    logit += theta[features * hidden + hidden + h] * max(pre, 0) * Double(dropout[position * hidden + h])
                }
                let y = labels[position], s = sigmoid((1 + abs(phi[0])) * logit)
                label += weights[position] * crossEntropy(logit, y) / Double(batch.count)
                adversary += weights[position] * crossEntropy(phi[1] * s + phi[2] * s * y + phi[3] * s * (1 - y) + phi[4], sides[position]) / Double(batch.count)
            }
            return (label, adversary)
        }
        let theta = network.classifier.map(Double.init), phi = network.adversary.map(Double.init)
        let atParameters = losses(theta, phi)
        #expect(abs(atParameters.label - networkLosses.label) < 1e-6 && abs(atParameters.adversary - networkLosses.adversary) < 1e-6,
                "losses \(networkLosses) against \(atParameters) written out")
        // Central differences of both losses along one parameter of either network.
        func differences(classifier: Bool, _ k: Int) -> (label: Double, adversary: Double) {
            let step = 1e-6
            var upTheta = theta, downTheta = theta, upPhi = phi, downPhi = phi
            if classifier { upTheta[k] += step; downTheta[k] -= step } else { upPhi[k] += step; downPhi[k] -= step }
            let up = losses(upTheta, upPhi), down = losses(downTheta, downPhi)
            return ((up.label - down.label) / (2 * step), (up.adversary - down.adversary) / (2 * step))
        }
        var worst = 0.0
        for k in theta.indices {
            let numeric = differences(classifier: true, k)
            worst = max(worst, abs(numeric.label - Double(label[k])), abs(numeric.adversary - Double(onClassifier[k])))
        }
        for k in phi.indices {
            let numeric = differences(classifier: false, k)
            worst = max(worst, abs(numeric.adversary - Double(adversary[k])))
        }
        // The adversary does not touch the network's label loss: moving any of its parameters leaves it as it was.
        for k in network.adversary.indices {
            let saved = network.adversary[k]
            network.adversary[k] += 0.5
            evaluate(stored)
            #expect(network.losses.label == networkLosses.label, "adversary parameter \(k) moved the label loss")
            network.adversary[k] = saved
        }
        #expect(worst < 1e-6, "largest gradient error \(worst)")
        // The gradients are not trivially zero.
        #expect(label.map(abs).max()! > 1e-3 && onClassifier.map(abs).max()! > 1e-4 && adversary.map(abs).max()! > 1e-3)
    }

    @Test func projectionRemovesTheAdversarysDirectionAndSubtractsAlphaOfIt() {
        // g = (3, 4), u = (2, 0), û = (1, 0): g − (g·û)û − α u = (3 − 3 − 0.2, 4) = (−0.2, 4); u not a unit
        // vector, so normalising û and not normalising the α term are both checked.
        let gradient: [Float] = [3, 4], adversary: [Float] = [2, 0]
        var result: [Float] = [0, 0]
        gradient.withUnsafeBufferPointer { g in
            adversary.withUnsafeBufferPointer { u in
                result.withUnsafeMutableBufferPointer { AdversarialDebiasing.project(g, awayFrom: u, alpha: 0.1, into: $0) }
            }
        }
        #expect(abs(result[0] + 0.2) < 1e-6 && abs(result[1] - 4) < 1e-6)
    }
}
