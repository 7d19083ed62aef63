@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// A randomised method's per-row probabilities reach the results file, its expected metrics equal their
/// definition on those probabilities, and every export shows them beside the drawn ones.
@Suite struct ExpectedMetricsEndToEndTests {
    @Test func randomisedMethodsReportExpectedMetricsEverywhere() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--methods", "threshold-optimizer,reject-option", "--out", results])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("| threshold-optimizer (expected) "))
        #expect(!run.stdout.contains("reject-option (expected)"))  // deterministic: no probabilities, no expected row

        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        let split = record.splits[0]
        let optimizer = try #require(record.methods.first { $0.id == "threshold-optimizer" }?.outcomes[0])
        let probabilities = try #require(optimizer.probabilities)
        #expect(record.methods.first { $0.id == "reject-option" }?.outcomes[0].probabilities == nil)
        // Expected accuracy from its definition: a row is right with probability p if its label is 1, 1 − p if 0.
        let expectedAccuracy = zip(probabilities, split.testLabels).reduce(0) { $0 + ($1.1 == 1 ? $1.0 : 1 - $1.0) } / Double(probabilities.count)
        #expect(abs(optimizer.metrics.overall["expected_accuracy"]! - expectedAccuracy) < 1e-12)
        // Expected selection rates per group, and their difference as AIF360 defines it.
        func expectedRate(privileged: Bool) -> Double {
            let rows = split.testGroupCodes.indices.filter { record.groupPrivileged[Int(split.testGroupCodes[$0])] == privileged }
            return rows.reduce(0) { $0 + probabilities[$1] } / Double(rows.count)
        }
        let parity = expectedRate(privileged: false) - expectedRate(privileged: true)
        #expect(abs(optimizer.metrics.overall["expected_statistical_parity_difference"]! - parity) < 1e-12)
        // Each drawn prediction is possible under its probability.
        #expect(zip(optimizer.predictions, probabilities).allSatisfy { $0 == 1 ? $1 > 0 : $1 < 1 })

        let csv = try TestEnvironment.fairlab(["export", results, "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").first?.contains("expected_accuracy") == true)
        let latex = try TestEnvironment.fairlab(["export", results, "--format", "latex"])
        #expect(latex.stdout.contains("threshold-optimizer (expected) & post"))
        let json = try TestEnvironment.fairlab(["export", results, "--format", "json"])
        #expect(json.stdout.contains("\"expected_accuracy\""))
    }
}
