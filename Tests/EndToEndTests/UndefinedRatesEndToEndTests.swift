import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// A comparison on groups whose rates are undefined on the test rows (one without negatives, one without
/// positives, a one-row group that has no validation rows), with the split fixed at import.
@Suite struct UndefinedRatesEndToEndTests {
    /// Group sizes and labels: A and B mixed, C all positive, D all negative, E a single positive test row.
    static func csv() -> String {
        var lines = ["x,z,group,y,part"]
        func part(_ i: Int) -> String { ["train", "train", "train", "validation", "test"][i % 5] }
        for i in 0..<150 {
            let group = i % 2 == 0 ? "A" : "B"
            let x = Double((i * 37) % 23) / 5 - 2
            let y = (x + (group == "B" ? 0.8 : 0) + Double((i * 11) % 7) / 3 - 1) > 0 ? 1 : 0
            lines.append("\(x),\(Double((i * 13) % 5)),\(group),\(y),\(part(i))")
        }
        for i in 0..<10 { lines.append("\(Double(i) / 3),1,C,1,\(part(i))") }
        for i in 0..<10 { lines.append("\(Double(i) / 4 - 2),2,D,0,\(part(i))") }
        lines.append("0.5,3,E,1,test")
        return lines.joined(separator: "\n")
    }

    @Test func equalizedOddsAndFallbacksOnUndefinedRates() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.csv().write(toFile: folder + "/u.csv", atomically: true, encoding: .utf8)
        let imported = try TestEnvironment.fairlab([
            "import", folder + "/u.csv", "--label", "y", "--favorable", "1", "--protected", "group=B", "--split-column", "part",
            "-o", folder + "/u.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab(["compare", folder + "/u.h5", "--out", results, "--jobs", "2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        // Group E has no validation rows: group thresholds uses the pooled rule there, and says so.
        #expect(run.stdout.contains("- group-thresholds: no fitting rows for group E: used the pooled threshold"), "stdout: \(run.stdout)")

        let record = try ResultsFile.read(runID: try #require(try ResultsFile.runIDs(in: results).first), from: results)
        let split = record.splits[0]
        let codes = split.testGroupCodes, labels = split.testLabels
        for method in record.methods {
            let outcome = method.outcomes[0]
            #expect(outcome.succeeded, "\(method.id): \(outcome.error)")
            // Fairlearn's equalized odds difference, recomputed here from its definition: per present group,
            // TPR and FPR with 0/0 counted as 0; the larger of the two max − min spreads.
            var tpr: [Double] = [], fpr: [Double] = []
            for group in Set(codes) {
                let rows = codes.indices.filter { codes[$0] == group }
                let positives = rows.filter { labels[$0] == 1 }, negatives = rows.filter { labels[$0] == 0 }
                let truePositives = Double(positives.filter { outcome.predictions[$0] == 1 }.count)
                let falsePositives = Double(negatives.filter { outcome.predictions[$0] == 1 }.count)
                tpr.append(positives.isEmpty ? 0 : truePositives / Double(positives.count))
                fpr.append(negatives.isEmpty ? 0 : falsePositives / Double(negatives.count))
            }
            let expected = max(tpr.max()! - tpr.min()!, fpr.max()! - fpr.min()!)
            let stored = try #require(outcome.metrics.overall["equalized_odds_difference"])
            #expect(abs(stored - expected) < 1e-12, "\(method.id): stored \(stored), Fairlearn's definition \(expected)")
            // The per-group rates themselves stay undefined (NaN) where their denominator is zero.
            let e = try #require(record.groupNames.firstIndex(of: "E")), c = try #require(record.groupNames.firstIndex(of: "C"))
            #expect(outcome.metrics.perGroup["false_positive_rate"]![e].isNaN)
            #expect(outcome.metrics.perGroup["false_positive_rate"]![c].isNaN)
        }
    }

    /// A fixed split with no validation rows: post-processing fits on the training rows and the row says so.
    @Test func postProcessingWithoutValidationRows() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.csv().replacingOccurrences(of: ",validation", with: ",train")
            .write(toFile: folder + "/u.csv", atomically: true, encoding: .utf8)
        _ = try TestEnvironment.fairlab([
            "import", folder + "/u.csv", "--label", "y", "--favorable", "1", "--protected", "group=B", "--split-column", "part",
            "-o", folder + "/u.h5"])
        let run = try TestEnvironment.fairlab(["compare", folder + "/u.h5", "--methods", "group-thresholds"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("- group-thresholds: the split has no validation rows: fitted on the training rows' (in-sample) scores"), "stdout: \(run.stdout)")
    }

    @Test func baselineAloneIsAValidMethodList() throws {
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "baseline", "--format", "csv"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let rows = run.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 1 && rows.first!.contains(",baseline,"))
    }
}

/// The shipped datasets are what tools/import-datasets.sh makes from the raw files in ../shared (and Wage and
/// VietNamH from datasets/raw), and COMPAS has AIF360's 6,167 rows.
@Suite struct ShippedDatasetTests {
    @Test func importScriptReproducesTheShippedDatasets() throws {
        let raw = TestEnvironment.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets/raw").path
        try #require(FileManager.default.fileExists(atPath: raw + "/propublica-recidivism.csv"), "no raw datasets at \(raw)")
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = TestEnvironment.packageRoot.appendingPathComponent("tools/import-datasets.sh").path
        let made = try TestEnvironment.run("/bin/bash", [script, raw, folder], environment: ["FAIRLAB": TestEnvironment.fairlab])
        #expect(made.status == 0, "stderr: \(made.stderr)")
        #expect(made.stdout.contains("compas.h5: 6167 rows, 401 features (read 7214, 1042 left out by --where, dropped 5 with missing values)"))
        for name in ["adult", "german", "compas", "wage", "vietnam"] {
            let shipped = try DatasetFile.read(TestEnvironment.dataset(name))
            let rebuilt = try DatasetFile.read("\(folder)/\(name).h5")
            #expect(shipped.features == rebuilt.features && shipped.featureNames == rebuilt.featureNames, "\(name)")
            #expect(shipped.labels == rebuilt.labels && shipped.protected == rebuilt.protected && shipped.task == rebuilt.task, "\(name)")
            #expect(shipped.clusterCount == rebuilt.clusterCount, "\(name)")
        }
        #expect(try DatasetFile.read(TestEnvironment.dataset("compas")).rows == 6_167)
    }
}

/// `--standardize numeric` is scikit-learn's canonical pipeline (StandardScaler on the numeric columns, one-hot
/// and protected columns left 0/1): on COMPAS's seed-0 split the baseline gives what AIF360's CompasDataset with
/// scikit-learn's LogisticRegression gives on the same rows with that pipeline (tools/golden/compas_aif360.py:
/// accuracy 0.6610, statistical parity difference −0.2037, disparate impact 0.7301), and the run records it.
@Suite struct StandardizationEndToEndTests {
    @Test func numericStandardizationIsTheCanonicalPipeline() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("compas"), "--methods", "baseline", "--standardize", "numeric", "--out", results])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        #expect(record.standardization == .numeric)
        let metrics = record.methods[0].outcomes[0].metrics.overall
        #expect(abs(metrics["accuracy"]! - 0.6610) < 5e-5)
        #expect(abs(metrics["statistical_parity_difference"]! - -0.2037) < 5e-5)
        #expect(abs(metrics["disparate_impact"]! - 0.7301) < 5e-5)
        let json = try TestEnvironment.fairlab(["export", results, "--format", "json"])
        #expect(json.stdout.contains("\"standardization\":\"numeric\"") || json.stdout.contains("\"standardization\" : \"numeric\""))
        let bad = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("compas"), "--standardize", "some"])
        #expect(bad.status != 0 && bad.stderr.contains("--standardize"))
    }
}
