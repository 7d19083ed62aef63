import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The bagged ensemble of parity-penalised logistic regressions on the golden rows of `PreProcessingGoldenTests`,
/// its bootstrap samples replayed from the method's seeded stream (n draws ⌊u·n⌋ per member): without the
/// penalty each member is the host's learner with the sample's counts as weights, the score their mean and the
/// prediction their vote; with it, a one-member ensemble equals `fair-logreg` trained on the sample written out
/// row by row.
@Suite struct FairBaggingTests {
    typealias Training = PreProcessingGoldenTests.Training

    /// The multiplicities of each member's bootstrap sample, as the method draws them for `seed`.
    static func samples(members: Int, rows: Int, seed: UInt64) -> [[Double]] {
        var stream = SeededGenerator(seed: seed, stream: "method:fair-bagging")
        return (0..<members).map { _ in
            var counts = [Double](repeating: 0, count: rows)
            for _ in 0..<rows { counts[min(rows - 1, Int(stream.nextUniform() * Double(rows)))] += 1 }
            return counts
        }
    }

    @Test func unpenalisedMembersAreTheHostLearnerOnTheirSamples() throws {
        let training = try Training()
        let instance = try training.fitted("FairLogisticRegression", "fair-bagging", ["members": "4", "fairness_weight": "0"], seed: 7)
        let predicted = try instance.predict(training.testTable(), rows: training.testCodes.count)
        let scores = try #require(predicted.scores)
        let fits = LearnerControlTests.Fits(features: training.features)
        var memberScores: [[Double]] = []
        for counts in Self.samples(members: 4, rows: training.labels.count, seed: 7) {
            let fit = try fits.fit(labels: training.labels, weights: counts)
            memberScores.append((0..<training.testCodes.count).map { i in
                let margin = (0..<training.testFeatures.cols).reduce(fit.intercept) { $0 + fit.coefficients[$1] * training.testFeatures[i, $1] }
                return 1 / (1 + exp(-margin))
            })
        }
        var ties = 0
        for i in scores.indices {
            let mean = memberScores.reduce(0) { $0 + $1[i] } / 4, votes = memberScores.filter { $0[i] > 0.5 }.count
            #expect(abs(scores[i] - mean) < 1e-6, "row \(i): \(scores[i]) against \(mean)")
            if votes == 2 { ties += 1 }
            #expect(predicted.predictions[i] == (votes > 2 || (votes == 2 && mean > 0.5) ? 1 : 0), "row \(i): \(votes) votes")
        }
        #expect(ties > 0, "no tied vote among the test rows: the tie rule went untested")
    }

    @Test func penalisedMemberIsFairLogregOnItsSampleWrittenOut() throws {
        let training = try Training()
        let penalty = ["fairness_weight": "10"]
        let bagged = try training.fitted("FairLogisticRegression", "fair-bagging", penalty.merging(["members": "1"]) { $1 }, seed: 3)
        let baggedScores = try #require(try bagged.predict(training.testTable(), rows: training.testCodes.count).scores)
        let counts = Self.samples(members: 1, rows: training.labels.count, seed: 3)[0]
        let rows = counts.indices.flatMap { [Int](repeating: $0, count: Int(counts[$0])) }
        let features = Matrix(rows: rows.count, cols: training.features.cols) { storage in
            for (position, row) in rows.enumerated() {
                for j in 0..<training.features.cols { storage[position + j * rows.count] = training.features[row, j] }
            }
        }
        let table = DataTable(features: features, labels: rows.map { training.labels[$0] }, scores: nil, weights: nil,
                              groupCodes: rows.map { training.codes[$0] }, groups: training.groups, columns: training.columns)
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("FairLogisticRegression"))
        let info = try #require(try library.methods().first { $0.id == "fair-logreg" })
        let single = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: penalty), seed: 3)
        try single.fit(train: table, validation: nil)
        let singleScores = try #require(try single.predict(training.testTable(), rows: training.testCodes.count).scores)
        #expect(zip(baggedScores, singleScores).map { abs($0 - $1) }.max()! < 1e-7)
        // The penalty mattered: without it the scores differ.
        let plain = try training.fitted("FairLogisticRegression", "fair-bagging", ["members": "1", "fairness_weight": "0"], seed: 3)
        let plainScores = try #require(try plain.predict(training.testTable(), rows: training.testCodes.count).scores)
        #expect(zip(baggedScores, plainScores).map { abs($0 - $1) }.max()! > 1e-3)
    }
}
