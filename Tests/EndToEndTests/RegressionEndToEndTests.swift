import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The regression task as a user meets it: `fairlab import --task regression`, `compare` on the shipped Wage
/// data running only the methods and metrics that handle regression, the stored run, the report, and the
/// one-line refusals.
@Suite(.serialized) struct RegressionEndToEndTests {
    @Test func compareOnWageRunsTheRegressionMethodsAndStoresRecomputableResults() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5", report = folder + "/report.html"
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("wage"), "--seeds", "2", "--out", results, "--report", report])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        // The binary methods are named as skipped, not run and not stored.
        #expect(run.stderr.contains("methods that do not handle regression data:") && run.stderr.contains("reweighing"), "stderr: \(run.stderr)")
        let record = try RunRecord.latest(in: results)
        #expect(record.task == .regression)
        #expect(record.methods.map(\.id) == ["baseline", "feature-adjustment", "group-balance", "bounded-group-loss", "fair-ridge", "group-mean-shift"])
        #expect(record.methods[0].name == "Unmitigated ridge regression" && record.metricPlugins.count == 1)

        for method in record.methods {
            for outcome in method.outcomes {
                #expect(outcome.succeeded, "\(method.id): \(outcome.error)")
                let split = try #require(record.splits.first { $0.seed == outcome.seed })
                // Predictions are prices, not 0/1; and the stored MAE and mean-prediction gap are those of them.
                #expect(Set(outcome.predictions).count > 100)
                let errors = zip(split.testLabels, outcome.predictions).map { abs($0 - $1) }
                let mae = errors.reduce(0, +) / Double(errors.count)
                #expect(abs(try #require(outcome.metrics.overall["mean_absolute_error"]) - mae) < 1e-9 * mae)
                var sums = [Double](repeating: 0, count: record.groupNames.count), counts = sums
                for (code, prediction) in zip(split.testGroupCodes, outcome.predictions) { sums[Int(code)] += prediction; counts[Int(code)] += 1 }
                let means = zip(sums, counts).filter { $0.1 > 0 }.map { $0.0 / $0.1 }
                let gap = means.max()! - means.min()!
                #expect(abs(try #require(outcome.metrics.overall["mean_prediction_difference"]) - gap) < 1e-9 * gap)
            }
        }
        // The mean-price gap, mean over seeds: the fair ridge closes part of the baseline's, and costs R².
        let gap = "mean_prediction_difference"
        #expect(try record.meanOverSeeds("fair-ridge", gap) < 0.75 * record.meanOverSeeds("baseline", gap))
        #expect(try record.meanOverSeeds("fair-ridge", "r2_score") < record.meanOverSeeds("baseline", "r2_score"))
        // The report plots R² against the gap and draws per-group mean predictions.
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("R²") && html.contains("|Mean pred. diff.|") && html.contains("Mean prediction per group"))
    }

    @Test func binaryMethodsAndStressOnRegressionDataAreOneLineErrors() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let named = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("wage"), "--methods", "reweighing,fair-ridge", "--out", results])
        #expect(named.status != 0)
        let lines = named.stderr.split(separator: "\n").filter { $0.hasPrefix("fairlab: error") || $0.hasPrefix("Error") }
        #expect(lines.count == 1 && lines[0].contains("regression") && lines[0].contains("reweighing"), "stderr: \(named.stderr)")
        #expect(!FileManager.default.fileExists(atPath: results))

        let stress = try TestEnvironment.fairlab(["stress", TestEnvironment.dataset("wage"), "--inject", "label-bias", "--levels", "0,0.2"])
        #expect(stress.status != 0 && stress.stderr.contains("need a binary dataset"), "stderr: \(stress.stderr)")
    }

    @Test func importReadsARegressionLabelAsANumber() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = ["x,group,price"]
        for i in 0..<60 { lines.append("\(i % 7),\(i % 3 == 0 ? "rural" : "urban"),\(100 + Double(i) * 1.5)") }
        try lines.joined(separator: "\n").write(toFile: folder + "/prices.csv", atomically: true, encoding: .utf8)
        let imported = try TestEnvironment.fairlab(["import", folder + "/prices.csv", "--task", "regression", "--label", "price", "--protected", "group=urban", "-o", folder + "/prices.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let dataset = try DatasetFile.read(folder + "/prices.h5")
        #expect(dataset.task == .regression && dataset.labels[3] == 104.5 && dataset.labels.count == 60)

        lines[5] = "4,urban,n/a"
        try lines.joined(separator: "\n").write(toFile: folder + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try TestEnvironment.fairlab(["import", folder + "/bad.csv", "--task", "regression", "--label", "price", "--protected", "group=urban", "-o", folder + "/bad.h5"])
        #expect(bad.status != 0 && bad.stderr.contains("line 6, column price: 'n/a' is not a number"), "stderr: \(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad.h5"))
        let both = try TestEnvironment.fairlab(["import", folder + "/prices.csv", "--task", "regression", "--favorable", "1", "--label", "price", "--protected", "group=urban", "-o", folder + "/x.h5"])
        #expect(both.status != 0 && both.stderr.contains("--favorable is for a binary label"), "stderr: \(both.stderr)")
    }

    /// tools/synth/make_regression.py plants a gap of 10 between the groups' mean prices, independent of every
    /// feature: the ridge baseline recovers it as the gap between its groups' mean test predictions (mean of 3
    /// seeds, within 1: about three standard deviations of that mean over random splits of this file, 0.34), and the
    /// fair ridge at a large λ (below 1) and the mean shift (below 1.5, its test gap being that same split noise
    /// left after equalising the validation means) close it.
    @Test func thePlantedGroupEffectIsRecovered() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = TestEnvironment.packageRoot.appendingPathComponent("tools/synth/make_regression.py").path
        let made = try TestEnvironment.run("/usr/bin/env", ["python3", script, "--rows", "4000", "--effect", "10", "--seed", "1", "-o", folder + "/synth.csv"])
        #expect(made.status == 0 && made.stdout.contains("planted gap 10.0"), "stderr: \(made.stderr)")
        let imported = try TestEnvironment.fairlab(["import", folder + "/synth.csv", "--task", "regression", "--label", "price", "--protected", "group=A", "-o", folder + "/synth.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", folder + "/synth.h5", "--seeds", "3", "--methods", "fair-ridge,group-mean-shift", "--param", "fair-ridge.lambda=100",
            "--bootstrap", "0", "--out", results])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let record = try RunRecord.latest(in: results)
        let baseline = try record.meanOverSeeds("baseline", "mean_prediction_difference")
        let fairRidge = try record.meanOverSeeds("fair-ridge", "mean_prediction_difference")
        let meanShift = try record.meanOverSeeds("group-mean-shift", "mean_prediction_difference")
        #expect(abs(baseline - 10) < 1, "the baseline's gap \(baseline), planted 10")
        #expect(fairRidge < 1 && meanShift < 1.5, "fair ridge \(fairRidge), mean shift \(meanShift)")
    }
}
