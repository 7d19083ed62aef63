import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// `fairlab stress` on Adult: label bias planted in the women's favourable training labels at 0, 0.2 and 0.4
/// over three seeds. The baseline's parity gap grows with the level on clean test labels; reweighing,
/// massaging and the threshold methods close it; the run is stored with its injected rows, reproduces bit for
/// bit from the seed, and replays from the stored rows to the same predictions.
@Suite(.serialized) struct StressEndToEndTests {
    static let methods = "reweighing,massaging,threshold-optimizer,group-thresholds"
    static let options = ["--inject", "label-bias", "--levels", "0.2,0.4", "--seeds", "3", "--methods", methods, "--jobs", "2"]

    @Test func labelBiasOnAdultIsRecoveredReproducedAndReplayed() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let adult = TestEnvironment.dataset("adult"), results = folder + "/stress.h5"
        let first = try TestEnvironment.fairlab(["stress", adult, "--out", results, "--report", folder + "/stress.html"] + Self.options)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("running 45 jobs (5 methods × 3 seeds × 3 levels of label-bias, 2 at a time)"), "\(first.stderr)")
        #expect(first.stdout.contains("label-bias in group Female at levels 0, 0.2, 0.4; 3 seeds"), "\(first.stdout)")
        let run = try RunRecord.latest(in: results)
        let stress = try #require(run.stress)
        #expect(stress.levels == [0, 0.2, 0.4] && stress.injection == Injection(kind: .labelBias))
        #expect(run.methods.allSatisfy { $0.outcomes.count == 9 && $0.outcomes.allSatisfy(\.succeeded) })
        #expect(run.methods[0].outcomes.map(\.level) == [0, 0.2, 0.4, 0, 0.2, 0.4, 0, 0.2, 0.4])

        // What was stored is what the definition says: on each seed, favourable training or validation rows of
        // women, nested across levels, none at level 0; the test labels are the dataset's own.
        let dataset = try DatasetFile.read(adult)
        let partition = try GroupPartition(dataset: dataset)
        for split in run.splits {
            #expect(split.test.map { dataset.labels[$0] } == split.testLabels)
            let rows = stress.injected.filter { $0.seed == split.seed }
            #expect(rows.map(\.level) == [0, 0.2, 0.4] && rows[0].rows.isEmpty && Set(rows[1].rows).isSubset(of: rows[2].rows))
            let trainOrValidation = Set(split.train + split.validation)
            #expect(rows[2].rows.allSatisfy { trainOrValidation.contains($0) && partition.names[Int(partition.codes[$0])] == "Female" && dataset.labels[$0] == 1 })
            // About 40 % of the women's favourable training and validation rows (binomial, 4 standard errors).
            let eligible = Double(trainOrValidation.filter { partition.names[Int(partition.codes[$0])] == "Female" && dataset.labels[$0] == 1 }.count)
            #expect(abs(Double(rows[2].rows.count) - 0.4 * eligible) < 4 * (eligible * 0.24).squareRoot())
        }

        // The planted gap shows on the clean test labels and grows with the level; the methods built to equalise
        // selection rates absorb nearly all of it and close more than all of it (they start below the baseline).
        let summary = try StressSummary(run)
        let gap02 = try #require(summary.injectedGap[1]), gap04 = try #require(summary.injectedGap[2])
        #expect(gap02 > 0.01 && gap04 > gap02, "gaps \(gap02), \(gap04)")
        #expect(summary.injectedGapIsNoise == [false, false, false] && !first.stdout.contains("~:"))
        for row in summary.rows where row.id != MethodRecord.baselineID {
            for cell in row.cells.dropFirst() {
                #expect((cell.recovery ?? 0) > 1, "\(row.id) at \(cell.level): recovery \(cell.recovery ?? .nan)")
                #expect((cell.passThrough ?? 1) < (row.id == "reweighing" ? 0.5 : 0.25), "\(row.id) at \(cell.level): pass-through \(cell.passThrough ?? .nan)")
            }
        }
        let baseline = summary.rows[0]
        #expect(baseline.cells.map(\.recovery) == [nil, 0, 0] && baseline.cells.map(\.passThrough) == [nil, 1, 1])
        #expect(baseline.cells[2].accuracyChange! < 0)

        // Bit for bit from the seed: the same command gives the same rows and predictions.
        let again = try TestEnvironment.fairlab(["stress", adult, "--out", results] + Self.options)
        #expect(again.status == 0, "\(again.stderr)")
        let rerun = try RunRecord.latest(in: results)
        #expect(rerun.stress?.injected == stress.injected)
        ShardingTests.expectIdentical(rerun, run)
        #expect(rerun.methods.flatMap { $0.outcomes.map(\.level) } == run.methods.flatMap { $0.outcomes.map(\.level) })

        // Replayed from the stored rows, whatever the generator would draw: the same predictions.
        let replay = try TestEnvironment.fairlab(["stress", adult, "--replay", results, "--replay-run", run.id, "--methods", Self.methods, "--out", results])
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try RunRecord.latest(in: results)
        #expect(replayed.stress?.injected == stress.injected && replayed.seeds == run.seeds)
        ShardingTests.expectIdentical(replayed, run)
        let wrongData = try TestEnvironment.fairlab(["stress", TestEnvironment.dataset("german"), "--replay", results, "--replay-run", run.id])
        #expect(wrongData.status == 1 && wrongData.stderr.contains("german.h5: not the dataset stress run \(run.id) was made from"), "\(wrongData.stderr)")

        // Exports and the report read the stored run.
        let csv = try TestEnvironment.fairlab(["export", results, "--run", run.id, "--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.split(separator: "\n").count == 1 + 5 * 3)
        let level = try TestEnvironment.fairlab(["export", results, "--run", run.id, "--level", "0.4"])
        #expect(level.status == 0 && level.stdout.contains("| threshold-optimizer"), "\(level.stderr)")
        let html = try String(contentsOfFile: folder + "/stress.html", encoding: .utf8)
        #expect(html.contains("id=\"recovery-accuracy\"") && html.contains("id=\"recovery-metric\"") && html.contains("<table class=\"stress\" id=\"recovery\""))
        // Every other metric has its curve too: one plot per metric column of the comparison table.
        let others = try #require(summary.cleanSummary).columns.count - 2
        #expect(others > 5 && html.contains("<details id=\"recovery-other\">") && html.contains("id=\"recovery-other-\(others - 1)\"") && !html.contains("id=\"recovery-other-\(others)\""))
        // The accuracy curve recomputed here from the stored predictions and clean test labels: the share of rows
        // right, or for a randomised method the expected share, Σ P(ŷ = y) / n, averaged over the seeds.
        for (row, method) in zip(summary.rows, run.methods) {
            for (index, level) in stress.levels.enumerated() {
                let perSeed = method.outcomes.filter { $0.level == level }.map { outcome -> Double in
                    let labels = run.splits.first { $0.seed == outcome.seed }!.testLabels
                    let right = labels.indices.map { i in
                        outcome.probabilities.map { labels[i] == 1 ? $0[i] : 1 - $0[i] } ?? (outcome.predictions[i] == labels[i] ? 1 : 0)
                    }
                    return right.reduce(0, +) / Double(labels.count)
                }
                let mean = perSeed.reduce(0, +) / Double(perSeed.count)
                #expect(abs((row.curves["accuracy"]?[index]?.mean ?? .nan) - mean) < 1e-12, "\(row.id) at \(level)")
            }
        }
        // The curves: at each level every method's point stands apart from the others' (no bar hides another), and
        // the numbers at the lines' ends are at least a label's height apart, each in its line's colour.
        let svg = RecoveryPlot(metric: "accuracy", title: "Accuracy").render(summary, id: "check")
        func attribute(_ name: String, in element: Substring) -> Double? {
            element.range(of: " \(name)=\"").flatMap { start in Double(element[start.upperBound...].prefix { $0 != "\"" }) }
        }
        let circles = svg.split(separator: "<circle").dropFirst().filter { $0.contains("class=\"point\"") }
        let xs = circles.compactMap { attribute("cx", in: $0) }
        #expect(xs.count == summary.rows.count * stress.levels.count && Set(xs).count == xs.count, "\(xs)")
        let labels = svg.split(separator: "<text").dropFirst().filter { $0.contains("class=\"point-label\"") }.compactMap { attribute("y", in: $0) }.sorted()
        #expect(labels.count == summary.rows.count && zip(labels, labels.dropFirst()).allSatisfy { $1 - $0 >= RecoveryPlot.labelSpacing - 1e-9 }, "\(labels)")
        #expect(RecoveryPlot.spread([100, 101, 300, 100.5], top: 20, bottom: 360) == [100, 122, 300, 111])
        #expect(RecoveryPlot.spread([355, 356, 357], top: 20, bottom: 360) == [338, 349, 360])
        // The tables' dots are in the colour of each method's points in the curves (not its stage's).
        for row in summary.rows {
            let point = try #require(html.components(separatedBy: "<circle").first { $0.contains("class=\"point\" data-method=\"\(row.id)\"") })
            let fill = try #require(point.components(separatedBy: "fill=\"").dropFirst().first?.prefix { $0 != "\"" })
            #expect(html.contains("<tr data-method=\"\(row.id)\"><td class=\"method\"><span class=\"dot\" style=\"background:\(fill)\">"), "\(row.id): \(fill)")
        }

        // In a real browser: it loads offline, silently, with the curves drawn.
        try #require(FileManager.default.isExecutableFile(atPath: ReportEndToEndTests.chromium), "chromium is not installed (.ci/run installs it)")
        let visit = try ReportEndToEndTests.visit(folder + "/stress.html", folder: folder)
        #expect(visit.console.isEmpty && visit.requests.isEmpty, "console: \(visit.console), network: \(visit.requests)")
        #expect(visit.dom.contains("<svg id=\"recovery-accuracy\"") && visit.screenshot.count > 20_000)
        for method in ["baseline"] + Self.methods.split(separator: ",").map(String.init) {
            #expect(html.contains("class=\"point\" data-method=\"\(method)\""), "\(method)")
        }
    }

    /// A method that predicts one class for every test row closes any gap by telling no one apart: LFR on German
    /// predicts every row favourable (its parity difference 0), and its recovery, the highest, is marked c with the
    /// legend; reweighing's, from real predictions, is not.
    @Test func aOneClassPredictorsRecoveryIsMarked() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/s.h5"
        let run = try TestEnvironment.fairlab([
            "stress", TestEnvironment.dataset("german"), "--inject", "label-bias", "--levels", "0,0.4", "--seeds", "2", "--jobs", "2",
            "--methods", "reweighing,lfr", "--out", results])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try RunRecord.latest(in: results)
        let summary = try StressSummary(record)
        let lfr = try #require(summary.rows.first { $0.id == "lfr" }), reweighing = try #require(summary.rows.first { $0.id == "reweighing" })
        // Recomputed from the stored predictions: every one of LFR's is 1, on both seeds and levels.
        let method = try #require(record.methods.first { $0.id == "lfr" })
        #expect(method.outcomes.allSatisfy { $0.predictions.allSatisfy { $0 == 1 } })
        #expect(lfr.cells.allSatisfy(\.predictsOneClass) && !reweighing.cells.contains(where: \.predictsOneClass))
        #expect(run.stdout.contains("| lfr        | pre      | ") && run.stdout.contains(" c ") && run.stdout.contains(StressTable.oneClassLegend), "\(run.stdout)")

        // On a ratio, gaps are distances from its ideal 1, 1 − min(DI, 1/DI), not |DI|: reweighing's recovery on
        // disparate impact recomputed from the stored predictions, DI the unprivileged side's selection rate over
        // the privileged one's.
        let ratio = try StressSummary(record, metric: "disparate_impact")
        func distance(_ outcome: SeedOutcome) -> Double {
            let codes = record.splits.first { $0.seed == outcome.seed }!.testGroupCodes
            func rate(_ privileged: Bool) -> Double {
                let rows = codes.indices.filter { record.groupPrivileged[Int(codes[$0])] == privileged }
                return rows.map { outcome.predictions[$0] }.reduce(0, +) / Double(rows.count)
            }
            let di = rate(false) / rate(true)
            return 1 - min(di, 1 / di)
        }
        func at(_ id: String, _ level: Double, _ seed: UInt64) -> Double {
            distance(record.methods.first { $0.id == id }!.outcomes.first { $0.level == level && $0.seed == seed }!)
        }
        let seeds = Double(record.seeds.count)
        let gap = record.seeds.map { at("baseline", 0.4, $0) - at("baseline", 0, $0) }.reduce(0, +) / seeds
        let closed = record.seeds.map { at("baseline", 0.4, $0) - at("reweighing", 0.4, $0) }.reduce(0, +) / seeds
        #expect(abs((ratio.injectedGap[1] ?? .nan) - gap) < 1e-12 && gap > 0, "gap \(String(describing: ratio.injectedGap[1])) against \(gap)")
        let recovery = try #require(ratio.rows.first { $0.id == "reweighing" }?.cells[1].recovery)
        #expect(abs(recovery - closed / gap) < 1e-12, "\(recovery) against \(closed / gap)")
        let ratioTable = try TestEnvironment.fairlab(["export", results, "--metric", "disparate_impact"])
        #expect(ratioTable.stdout.contains("Injected gap in Disparate impact's distance from 1 (the baseline's"), "\(ratioTable.stdout)")
        // A score has no gap to recover.
        let score = try TestEnvironment.fairlab(["export", results, "--metric", "accuracy"])
        #expect(score.status == 1 && score.stderr.contains("'accuracy' is a score (use one of: statistical_parity_difference, disparate_impact"), "\(score.stderr)")
        // --metric is the recovery tables': refused with one level's comparison, and on a run that is no stress run.
        let withLevel = try TestEnvironment.fairlab(["export", results, "--level", "0.4", "--metric", "disparate_impact"])
        #expect(withLevel.status == 1 && withLevel.stderr.contains("--metric sets the recovery tables' metric"), "\(withLevel.stderr)")
        let plain = folder + "/plain.h5"
        #expect(try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "reweighing", "--out", plain]).status == 0)
        let notStress = try TestEnvironment.fairlab(["export", plain, "--metric", "disparate_impact"])
        #expect(notStress.status == 1 && notStress.stderr.contains("is not a stress run: --metric is for stress runs"), "\(notStress.stderr)")
        // One level exported as a comparison says which level it is.
        let level = try TestEnvironment.fairlab(["export", results, "--level", "0.4"])
        #expect(level.stdout.hasPrefix(TestEnvironment.dataset("german") + " — ") && level.stdout.split(separator: "\n")[0]
            .hasSuffix("; level 0.4 of label-bias in group age<=25's training and validation rows (test labels clean)"), "\(level.stdout)")
    }

    /// Flipping favourable labels in the privileged group (age > 25 on German) brings the baseline closer to parity:
    /// the gap is negative beyond the seeds' noise, marked, and recovery and pass-through are left undefined, not
    /// shown as negative shares.
    @Test func aNarrowedGapHasNoRecovery() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TestEnvironment.fairlab([
            "stress", TestEnvironment.dataset("german"), "--inject", "label-bias:group=age>25", "--levels", "0.2", "--seeds", "8", "--jobs", "2",
            "--methods", "reweighing", "--format", "json", "--out", folder + "/narrowed.h5",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let gaps = try #require(json["injectedGap"] as? [Double]), narrows = try #require(json["injectedGapNarrows"] as? [Bool])
        #expect(gaps[1] < -0.05 && narrows == [false, true], "\(gaps) \(narrows)")
        let rows = try #require(json["rows"] as? [[String: Any]])
        for row in rows {
            let cell = try #require((row["cells"] as? [[String: Any]])?[1])
            #expect(cell["recovery"] == nil && cell["passThrough"] == nil, "\(row["id"] ?? "")")
        }
        let markdown = try TestEnvironment.fairlab(["export", folder + "/narrowed.h5"])
        #expect(markdown.stdout.contains(" (narrowed)") && markdown.stdout.contains("(narrowed): the injection brought the baseline closer to the ideal"), "\(markdown.stdout)")
    }

    /// A proxy of the group adds nothing the baseline did not have where the group's own column is a feature:
    /// its gap is noise, and recovery and pass-through say so (marked, with the legend).
    @Test func aGapWithinTheSeedsNoiseIsMarked() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = ["stress", TestEnvironment.dataset("german"), "--inject", "proxy", "--levels", "0.3", "--seeds", "3", "--methods", "reweighing"]
        let result = try TestEnvironment.fairlab(options + ["--format", "csv", "--out", folder + "/proxy.h5"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines.first?.firstIndex(of: "injected_gap_within_noise"))
        let gapColumn = try #require(lines.first?.firstIndex(of: "injected_gap"))
        // The gap recomputed from the baseline's stored predictions: per seed |SPD at 0.3| − |SPD at 0|, SPD the
        // unprivileged side's selection rate minus the privileged one's; its t-interval (t = 4.303, 2 df).
        let run = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/proxy.h5")[0], from: folder + "/proxy.h5")
        func spd(_ outcome: SeedOutcome) -> Double {
            let codes = run.splits.first { $0.seed == outcome.seed }!.testGroupCodes
            func rate(_ privileged: Bool) -> Double {
                let rows = codes.indices.filter { run.groupPrivileged[Int(codes[$0])] == privileged }
                return rows.map { outcome.predictions[$0] }.reduce(0, +) / Double(rows.count)
            }
            return rate(false) - rate(true)
        }
        let baseline = run.methods[0].outcomes
        let gaps = run.seeds.map { seed in
            abs(spd(baseline.first { $0.seed == seed && $0.level == 0.3 }!)) - abs(spd(baseline.first { $0.seed == seed && $0.level == 0 }!))
        }
        let mean = gaps.reduce(0, +) / 3, std = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        let withinNoise = abs(mean) <= 4.303 * std / 3.0.squareRoot()
        #expect(withinNoise, "gaps \(gaps)")
        #expect(abs(Double(lines[2][gapColumn])! - mean) < 1e-12, "\(lines[2][gapColumn]) against \(mean)")
        #expect(lines.dropFirst().map { $0[column] } == ["false", "true", "false", "true"], "\(result.stdout)")
        let markdown = try TestEnvironment.fairlab(options)
        #expect(markdown.stdout.contains("p = 0.3: \(CellText.number(mean, signed: true)) ~") && markdown.stdout.contains("~: the injected gap is within the seeds' noise"), "\(markdown.stdout)")
    }

    /// The metric plugins say which metrics exist only once they ran: a mistyped --metric is reported after the
    /// run is shown (on the default metric) and saved, not instead of them.
    @Test func anUnknownMetricCostsNoRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TestEnvironment.fairlab([
            "stress", TestEnvironment.dataset("german"), "--inject", "label-bias", "--levels", "0.3", "--methods", "reweighing", "--metric", "spd",
            "--out", folder + "/stress.h5",
        ])
        #expect(result.status == 1 && result.stderr.contains("has no metric 'spd'"), "\(result.stderr)")
        #expect(result.stdout.contains("Recovery: share of the injected |Stat. parity diff.| gap closed"), "\(result.stdout)")
        // One seed (the default): the noise cannot be judged, and the table says so.
        #expect(result.stdout.contains("One seed: whether an injected gap exceeds the seeds' noise cannot be judged"), "\(result.stdout)")
        #expect(try ResultsFile.runIDs(in: folder + "/stress.h5").count == 1)
    }

    @Test func badStressInputIsOneLineErrorBeforeAnyJob() throws {
        let adult = TestEnvironment.dataset("adult")
        func expectError(_ arguments: [String], _ fragment: String) throws {
            let result = try TestEnvironment.fairlab(["stress", adult, "--methods", "reweighing"] + arguments)
            #expect(result.status == 1, "\(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("fairlab: found") && !$0.hasPrefix("fairlab: plugin skipped") }
            #expect(lines.count == 1 && result.stderr.contains(fragment), "stderr: \(result.stderr)")
            #expect(!result.stderr.contains("running "), "a job ran: \(result.stderr)")
        }
        try expectError(["--inject", "label-bias", "--levels", "0,1.5"], "--levels: 1.5 is outside [0, 1]")
        try expectError(["--inject", "label-bias", "--levels", "0,x"], "--levels: 'x' is not a number")
        try expectError(["--inject", "label-bias:group=Martian"], "unknown group 'Martian' (the groups are Female, Male)")
        try expectError(["--inject", "under-sample", "--levels", "1"], "level 1 of under-sample on seed 0 leaves no training rows of group Female with label 1: lower the level")
        try expectError(["--inject", "flip"], "--inject flip: unknown kind")
        try expectError([], "give --inject KIND")
        try expectError(["--inject", "label-bias", "--format", "latex"], "--format latex renders one comparison")
        try expectError(["--inject", "label-bias", "--levels", "-0.1"], "--levels: -0.1 is outside [0, 1]")
        try expectError(["--inject", "label-bias", "--levels", "0,-0"], "--levels names a level twice")
        try expectError(["--inject", "label-bias", "--levels", "0"], "--levels: give a level above 0")
        try expectError(["--inject", "label-bias:"], "--inject label-bias:: expected KIND or KIND:group=NAME")
        try expectError(["--inject", "label-bias", "--metric", "accuracy"], "--metric accuracy: recovery is measured on a fairness metric with an ideal value")
        // German's validation rows run out of young applicants with good credit before its training rows do.
        let german = try TestEnvironment.fairlab(["stress", TestEnvironment.dataset("german"), "--methods", "eq-odds", "--inject", "under-sample", "--levels", "0.98"])
        #expect(german.status == 1 && german.stderr.contains("level 0.98 of under-sample on seed 0 leaves no validation rows of group age<=25 with label 1: lower the level")
            && !german.stderr.contains("running "), "\(german.stderr)")
    }
}
