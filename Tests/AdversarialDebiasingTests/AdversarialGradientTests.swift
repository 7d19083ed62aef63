@testable import AdversarialDebiasing
import CFairlabPlugin
@testable import FairlabHost
import Foundation
import Testing

/// The adversarial network's back-propagated gradients against central finite differences of its own losses,
/// for every parameter of both networks, with dropout zeroing some units and c negative (the |c| branch), so a
/// wrong term in the hand-written backward pass shows as a mismatch.
@Suite struct AdversarialGradientTests {
    /// With the rows stored sparse and dense (`FeatureRows`), each with c positive and negative, and sparse less
    /// each column's most common value (standardised one-hot rows: every product then corrected).
    @Test(arguments: [(0.7, true, false), (-0.4, true, false), (0.7, false, false), (-0.4, false, false), (-0.4, true, true)])
    func gradientsEqualFiniteDifferences(_ sharpness: Double, sparse: Bool, centred: Bool) throws {
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
        let labels: [Double] = [1, 0, 1, 1, 0, 0], sides: [Double] = [0, 0, 1, 1, 1, 0]
        let weights = [0.5, 1.5, 1, 2, 0.25, 0.75]
        let dropout = (0..<hidden * rows).map { $0 % 5 == 2 ? 0 : 1.25 }
        func evaluate() -> (label: Double, adversary: Double) {
            dropout.withUnsafeBufferPointer { mask in
                network.computeGradients(
                    rows: stored, batch: [5, 0, 1, 2, 3, 4].map { Int64($0) }, labels: labels, sides: sides, weights: weights, dropout: mask.baseAddress!,
                    debias: true)
            }
            return network.losses
        }
        _ = evaluate()
        let label = network.labelGradient, onClassifier = network.adversaryGradientOnClassifier, adversary = network.adversaryGradient
        // The other storage of the same rows gives the same losses and gradients (so a mistake both share with their
        // own finite differences, a skipped column or a misread batch order, shows as a mismatch here).
        let losses = network.losses
        dropout.withUnsafeBufferPointer { mask in
            network.computeGradients(
                rows: FeatureRows(columns: columns, width: features, count: rows, sparse: !sparse), batch: [5, 0, 1, 2, 3, 4].map { Int64($0) },
                labels: labels, sides: sides, weights: weights, dropout: mask.baseAddress!, debias: true)
        }
        let difference = zip(label + onClassifier + adversary, network.labelGradient + network.adversaryGradientOnClassifier + network.adversaryGradient)
            .map { abs($0 - $1) }.max()!
        #expect(difference < 1e-13 && abs(network.losses.label - losses.label) < 1e-13 && abs(network.losses.adversary - losses.adversary) < 1e-13,
                "sparse and dense storage differ by \(difference)")
        // Central differences of both losses along one parameter of either network.
        func differences(_ tensor: ReferenceWritableKeyPath<AdversarialNetwork, [Double]>, _ k: Int) -> (label: Double, adversary: Double) {
            let step = 1e-6, saved = network[keyPath: tensor][k]
            network[keyPath: tensor][k] = saved + step
            let up = evaluate()
            network[keyPath: tensor][k] = saved - step
            let down = evaluate()
            network[keyPath: tensor][k] = saved
            return ((up.label - down.label) / (2 * step), (up.adversary - down.adversary) / (2 * step))
        }
        var worst = 0.0
        for k in network.classifier.indices {
            let numeric = differences(\.classifier, k)
            worst = max(worst, abs(numeric.label - label[k]), abs(numeric.adversary - onClassifier[k]))
        }
        for k in network.adversary.indices {
            let numeric = differences(\.adversary, k)
            worst = max(worst, abs(numeric.adversary - adversary[k]))
            #expect(abs(numeric.label) < 1e-9)  // the adversary does not touch the label loss
        }
        #expect(worst < 1e-8, "largest gradient error \(worst)")
        // The gradients are not trivially zero.
        #expect(label.map(abs).max()! > 1e-3 && onClassifier.map(abs).max()! > 1e-4 && adversary.map(abs).max()! > 1e-3)
    }

    @Test func projectionRemovesTheAdversarysDirectionAndSubtractsAlphaOfIt() {
        // g = (3, 4), u = (2, 0), û = (1, 0): g − (g·û)û − α u = (3 − 3 − 0.2, 4) = (−0.2, 4); u not a unit
        // vector, so normalising û and not normalising the α term are both checked.
        let gradient: [Double] = [3, 4], adversary: [Double] = [2, 0]
        var result: [Double] = [0, 0]
        gradient.withUnsafeBufferPointer { g in
            adversary.withUnsafeBufferPointer { u in
                result.withUnsafeMutableBufferPointer { AdversarialDebiasing.project(g, awayFrom: u, alpha: 0.1, into: $0) }
            }
        }
        #expect(abs(result[0] + 0.2) < 1e-12 && abs(result[1] - 4) < 1e-12)
    }
}
