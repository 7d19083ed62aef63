import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Adversarial debiasing is reproducible bit for bit from its seed (initial weights, shuffles and dropout all
/// come from the host's seeded stream), another seed trains another network, and the adversary changes the
/// result, on the golden rows of `PreProcessingGoldenTests`.
@Suite struct AdversarialDebiasingSeedTests {
    typealias Training = PreProcessingGoldenTests.Training

    static func scores(_ training: Training, seed: UInt64, debias: Bool = true) throws -> [Double] {
        let instance = try training.fitted(
            "AdversarialDebiasing", "adversarial-debiasing", ["num_epochs": "20", "batch_size": "32", "debias": "\(debias)"], seed: seed)
        return try #require(try instance.predict(training.testTable(), rows: training.testCodes.count).scores)
    }

    @Test func sameSeedSameScoresOtherSeedOrNoAdversaryOtherScores() throws {
        let training = try Training()
        let first = try Self.scores(training, seed: 4), again = try Self.scores(training, seed: 4)
        #expect(first == again)
        let other = try Self.scores(training, seed: 5), plain = try Self.scores(training, seed: 4, debias: false)
        #expect(zip(first, other).map { abs($0 - $1) }.max()! > 1e-3)
        #expect(zip(first, plain).map { abs($0 - $1) }.max()! > 1e-3)
        #expect(first.allSatisfy { $0 > 0 && $0 < 1 })
    }
}
