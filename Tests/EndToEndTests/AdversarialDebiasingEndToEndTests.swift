@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Adversarial debiasing on Adult's three seeds against AIF360's TensorFlow one on the same splits at the same
/// hyperparameters (Fixtures/adversarial_debiasing_aif360.json). Their random streams differ (initial weights,
/// shuffles, dropout), so the comparison is of means over the seeds: accuracy within 0.01 (the issue's bar),
/// statistical parity difference within 0.03 (AIF360's own spread over these seeds is 0.016), and the plain
/// network (debias=false) likewise, so the adversary's effect is measured against a matching control.
@Suite struct AdversarialDebiasingEndToEndTests {
    static func means(_ record: RunRecord, _ id: String) throws -> (accuracy: Double, parity: Double) {
        let outcomes = try #require(record.methods.first { $0.id == id }).outcomes
        #expect(outcomes.allSatisfy { $0.succeeded }, "\(id): \(outcomes.map(\.error))")
        let accuracy = outcomes.map { $0.metrics.overall["accuracy"] ?? .nan }, parity = outcomes.map { $0.metrics.overall["statistical_parity_difference"] ?? .nan }
        return (accuracy.reduce(0, +) / Double(accuracy.count), parity.reduce(0, +) / Double(parity.count))
    }

    @Test func meansOverThreeSeedsMatchAIF360s() throws {
        let golden = try #require(try TestEnvironment.fixture("adversarial_debiasing_aif360.json") as? [String: Any])
        func mean(_ part: String, _ key: String) -> Double {
            let values = ((golden[part] as! [String: Any])[key] as! [NSNumber]).map(\.doubleValue)
            return values.reduce(0, +) / Double(values.count)
        }
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        for debias in ["true", "false"] {
            let run = try TestEnvironment.fairlab([
                "compare", TestEnvironment.dataset("adult"), "--methods", "adversarial-debiasing", "--param", "adversarial-debiasing.debias=\(debias)",
                "--seeds", "3", "--jobs", "2", "--out", results])
            #expect(run.status == 0, "stderr: \(run.stderr)")
        }
        let runs = try ResultsFile.runIDs(in: results)
        try #require(runs.count == 2, "runs \(runs)")
        for (runID, part) in zip(runs, ["debiased", "plain"]) {
            let (accuracy, parity) = try Self.means(try ResultsFile.read(runID: runID, from: results), "adversarial-debiasing")
            #expect(abs(accuracy - mean(part, "accuracy")) <= 0.01, "\(part): accuracy \(accuracy) against AIF360's \(mean(part, "accuracy"))")
            #expect(abs(parity - mean(part, "statistical_parity_difference")) <= 0.03, "\(part): SPD \(parity) against AIF360's \(mean(part, "statistical_parity_difference"))")
        }
    }
}
