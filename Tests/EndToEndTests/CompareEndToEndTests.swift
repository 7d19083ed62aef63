import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The built `fairlab` executable on the shipped datasets, as a user runs it.
@Suite(.serialized) struct CompareEndToEndTests {
    @Test func compareOnAdultRunsEveryStageAndStoresRecomputableResults() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("adult"), "--out", results, "--jobs", "2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        for (method, stage) in [("baseline", "baseline"), ("reweighing", "pre"), ("fair-logreg", "in"), ("group-thresholds", "post")] {
            #expect(run.stdout.contains("| \(method)"), "missing row \(method)")
            let row = run.stdout.split(separator: "\n").first { $0.hasPrefix("| \(method) ") }
            #expect(row?.contains("| \(stage)") == true && row?.contains("| ok ") == true, "row: \(row ?? "none")")
        }
        // The comparison table's rows: those before the table of differences from the baseline.
        let comparison = run.stdout.components(separatedBy: "Difference from the baseline")[0]
        let ran = comparison.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Method") && !$0.contains("(expected)") }.count
        #expect(ran >= 8 && run.stderr.contains("[\(ran)/\(ran)]"), "stderr: \(run.stderr)")

        // Every stored metric recomputed here from the stored predictions, labels and groups.
        let id = try #require(try ResultsFile.runIDs(in: results).first)
        let record = try ResultsFile.read(runID: id, from: results)
        #expect(record.datasetSHA256 == (try SHA256.hexDigest(ofFile: TestEnvironment.dataset("adult"))))
        let split = record.splits[0]
        for method in record.methods {
            let outcome = method.outcomes[0]
            #expect(outcome.succeeded)
            func selectionRate(privileged: Bool) -> Double {
                let rows = split.testGroupCodes.indices.filter { record.groupPrivileged[Int(split.testGroupCodes[$0])] == privileged }
                return Double(rows.filter { outcome.predictions[$0] == 1 }.count) / Double(rows.count)
            }
            let accuracy = Double(zip(outcome.predictions, split.testLabels).filter { $0 == $1 }.count) / Double(split.test.count)
            #expect(abs(outcome.metrics.overall["accuracy"]! - accuracy) < 1e-12)
            let parity = selectionRate(privileged: false) - selectionRate(privileged: true)
            #expect(abs(outcome.metrics.overall["statistical_parity_difference"]! - parity) < 1e-12)
        }
        // The post-processor equalises selection rates: its parity gap is far below the baseline's.
        let gap = { (id: String) in abs(record.methods.first { $0.id == id }!.outcomes[0].metrics.overall["statistical_parity_difference"]!) }
        #expect(gap("group-thresholds") < 0.03 && gap("baseline") > 0.15)

        let json = try TestEnvironment.fairlab(["export", results, "--format", "json"])
        #expect(json.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        // The baseline first, then every method found, in pipeline order (pre, in, post).
        let rows = summary["rows"] as! [[String: Any]]
        #expect(rows.first?["id"] as? String == "baseline")
        let order = ["baseline": 0, "pre": 1, "in": 2, "post": 3]
        let stages = rows.map { order[$0["stage"] as! String]! }
        #expect(stages == stages.sorted())
        let ids = Set(rows.map { $0["id"] as! String })
        #expect(ids.isSuperset(of: ["reweighing", "fair-logreg", "group-thresholds", "threshold-optimizer", "eq-odds", "calibrated-eq-odds", "reject-option"]))
        for format in ["md", "csv", "latex"] {
            let export = try TestEnvironment.fairlab(["export", results, "--format", format])
            #expect(export.status == 0 && export.stdout.contains("reweighing"))
        }
    }

    @Test func seedsGiveMeanAndSpreadAndAppendKeepsEarlierRuns() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let first = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--seeds", "3", "--out", results, "--jobs", "2",
            "--methods", "reweighing,fair-logreg,group-thresholds"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("±"))
        #expect(first.stdout.contains("3 seeds"))
        let second = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "reweighing", "--out", results])
        #expect(second.status == 0)
        let ids = try ResultsFile.runIDs(in: results)
        #expect(ids.count == 2)
        let earlier = try ResultsFile.read(runID: ids[0], from: results)
        #expect(earlier.seeds == [0, 1, 2] && earlier.methods.count == 4)
        #expect(Set(earlier.splits.map(\.test)).count == 3)
    }

    @Test func intersectionalGroupsOnCompas() throws {
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("compas"), "--protected", "race, sex", "--methods", "reweighing"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("groups by race × sex"))
        #expect(run.stdout.contains("Caucasian/Female (privileged)"))
    }

    @Test func verboseRelaysWhatPluginsLog() throws {
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "group-thresholds", "--verbose"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("group-thresholds (seed 0): [group-thresholds] debug: common selection rate"), "stderr: \(run.stderr)")
        let quiet = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "group-thresholds"])
        #expect(!quiet.stderr.contains("common selection rate"))
    }

    @Test func parametersReachThePlugin() throws {
        let strong = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--methods", "fair-logreg", "--param", "fair-logreg.fairness_weight=0", "--format", "json"])
        #expect(strong.status == 0, "stderr: \(strong.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(strong.stdout.utf8)) as! [String: Any]
        let rows = summary["rows"] as! [[String: Any]]
        #expect(rows[1]["parameters"] as? String == "fairness_weight=0.0 c=1.0 max_iterations=1000")
    }
}

/// Errors a user can make get one line on stderr and a non-zero exit.
@Suite struct CommandLineErrorTests {
    func expectError(_ arguments: [String], _ fragment: String) throws {
        let result = try TestEnvironment.fairlab(arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("fairlab: found") && !$0.hasPrefix("fairlab: plugin skipped") }
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
    }

    @Test func badInputsAreOneLineErrors() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try expectError(["compare", folder + "/missing.h5"], "missing.h5: no such file")
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: folder + "/text.h5"))
        try expectError(["compare", folder + "/text.h5"], "text.h5: not an HDF5 file")
        try expectError(["compare", TestEnvironment.dataset("german"), "--methods", "nope"], "unknown method id 'nope'")
        try expectError(["compare", TestEnvironment.dataset("german"), "--param", "reweighing.nope=1"], "unknown parameter 'nope' for method reweighing")
        try expectError(["compare", TestEnvironment.dataset("german"), "--protected", "colour"], "unknown protected attribute 'colour'")
        try expectError(["compare", TestEnvironment.dataset("german"), "--methods", "reweighing,reweighing"], "--methods names reweighing twice")
        try expectError(["compare", TestEnvironment.dataset("german"), "--seed", "18446744073709551615", "--seeds", "2"], "leaves no room for 2 seeds")
        try expectError(["compare", TestEnvironment.dataset("german"), "--out", folder + "/missing/results.h5"], "its folder \(folder)/missing does not exist")
        try expectError(["compare", TestEnvironment.dataset("german"), "--memory-limit", "100"], "--memory-limit must be 0 (none) or at least 512 MiB")
        // Out-of-range method parameters are refused by name before any work.
        try expectError(["compare", TestEnvironment.dataset("german"), "--param", "disparate-impact-remover.repair_level=2"], "disparate-impact-remover.repair_level=2 is above its maximum 1.0")
        try expectError(["compare", TestEnvironment.dataset("german"), "--param", "correlation-remover.alpha=-1"], "correlation-remover.alpha=-1 is below its minimum 0.0")
        try expectError(["compare", TestEnvironment.dataset("german"), "--param", "group-upsampling.ratio=-0.5"], "group-upsampling.ratio=-0.5 is below its minimum 0.0")
        try expectError(["compare", TestEnvironment.dataset("german"), "--param", "reject-option.metric=accuracy"], "reject-option.metric=accuracy")

        // HDF5 datasets that cannot support a comparison.
        let valid = Dataset(
            features: Matrix(rows: 4, cols: 1, columnMajor: [1, 2, 3, 4]), featureNames: ["x"], labels: [1, 0, 1, 0], labelName: "y",
            favorableValue: "1", protected: [ProtectedAttribute(name: "g", codes: [0, 1, 0, 1], categories: ["a", "b"], privilegedCodes: [1])])
        var oneClass = valid
        oneClass.labels = [1, 1, 1, 1]
        try DatasetFile.write(oneClass, to: folder + "/one-class.h5")
        try expectError(["compare", folder + "/one-class.h5"], "one-class.h5: /label has only one class (1)")
        var oneGroup = valid
        oneGroup.protected = [ProtectedAttribute(name: "g", codes: [1, 1, 1, 1], categories: ["a", "b"], privilegedCodes: [1])]
        try DatasetFile.write(oneGroup, to: folder + "/one-group.h5")
        try expectError(["compare", folder + "/one-group.h5"], "one-group.h5: protected attribute g has only one group (b)")
        try DatasetFile.write(valid, to: folder + "/no-label.h5")
        do {
            let file = try HDF5File(path: folder + "/no-label.h5", mode: .readWrite)
            try file.delete("/label")
        }
        try expectError(["compare", folder + "/no-label.h5"], "no-label.h5: missing dataset /label")
        try expectError(["inspect", folder + "/no-label.h5"], "no-label.h5: missing dataset /label")

        let csv = folder + "/one.csv"
        try "x,g,y\n1,a,1\n2,b,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        try expectError(["import", csv, "--label", "y", "--favorable", "1", "--protected", "g=a", "-o", folder + "/one.h5"], "the label has one class")
        try "x,g,y\n1,a,1\n2,a,0\n".write(toFile: csv, atomically: true, encoding: .utf8)
        try expectError(["import", csv, "--label", "y", "--favorable", "1", "--protected", "g=a", "-o", folder + "/one.h5"], "has only one group")
        try expectError(["import", csv, "--label", "label", "--favorable", "1", "--protected", "g=a", "-o", folder + "/one.h5"], "--label names column 'label', which the file does not have")
    }
}

/// Paths that clash with a file the command reads or keeps, or that cannot be what they are named for, are refused
/// with one line before any work, and the files they would have replaced are intact afterwards.
@Suite struct OutputPathTests {
    @Test func clashingAndMistypedPathsAreRefusedBeforeAnyWork() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let errors = CommandLineErrorTests()
        let dataset = folder + "/german.h5", results = folder + "/r.h5"
        try FileManager.default.copyItem(atPath: TestEnvironment.dataset("german"), toPath: dataset)
        let saved = try TestEnvironment.fairlab(["compare", dataset, "--methods", "reweighing", "--out", results])
        try #require(saved.status == 0, "\(saved.stderr)")
        let compare = ["compare", dataset, "--methods", "reweighing"]

        // A report over the results, the dataset or the file replayed; over any HDF5 file; into a folder.
        try errors.expectError(compare + ["--out", results, "--report", results], "r.h5: is the --out results file: it would be overwritten")
        try errors.expectError(compare + ["--report", dataset], "german.h5: is the dataset: it would be overwritten")
        try errors.expectError(["report", results, "-o", results], "r.h5: is the results file reported: it would be overwritten")
        try errors.expectError(["report", results, "-o", dataset], "german.h5: is an HDF5 file (a dataset or results?): a report is not written over one")
        try errors.expectError(compare + ["--report", folder], "\(folder): is a folder, not a file to write")
        try errors.expectError(["stress", dataset, "--inject", "label-bias", "--replay-run", "x"], "--replay-run names a run of the --replay file: give --replay too")
        // Results that could not be appended: no path, a runs folder that is a file.
        try errors.expectError(compare + ["--out", ""], "an output file's path is empty")
        try Data().write(to: URL(fileURLWithPath: folder + "/x.h5.runs"))
        try errors.expectError(compare + ["--out", folder + "/x.h5"], "x.h5: its runs folder \(folder)/x.h5.runs is a file")
        // Mistyped names: a plugin folder that is not there, an empty method list, an empty run id.
        try errors.expectError(compare + ["--plugins", folder + "/nowhere"], "nowhere: no such plugin folder")
        try errors.expectError(["compare", dataset, "--methods", ""], "--methods names no method: ''")
        try errors.expectError(["export", results, "--run", ""], "r.h5: no run '' (runs: run-")

        // An import reads a CSV file only: not a folder, not a pipe (it would wait for ever); writes neither its own
        // input nor a results file; says what is wrong with a header-only file or a column protected twice.
        let importing = ["--label", "y", "--favorable", "1", "--protected", "g=a"]
        try errors.expectError(["import", folder] + importing + ["-o", folder + "/d.h5"], "\(folder): is a folder, not a CSV file")
        try #require(mkfifo(folder + "/pipe.csv", 0o600) == 0)
        try errors.expectError(["import", folder + "/pipe.csv"] + importing + ["-o", folder + "/d.h5"], "pipe.csv: is not a regular file (a pipe or a device)")
        let csv = folder + "/rows.csv"
        try "x,g,y\n1,a,1\n2,b,0\n3,a,0\n4,b,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        try errors.expectError(["import", csv] + importing + ["-o", csv], "rows.csv: is the CSV file read: it would be overwritten")
        try errors.expectError(["import", csv] + importing + ["-o", results], "r.h5: exists and is not a dataset an import may replace (")
        // A dataset it may replace: imported over itself, from the same CSV.
        let dataset2 = folder + "/d2.h5"
        #expect(try TestEnvironment.fairlab(["import", csv] + importing + ["-o", dataset2]).status == 0)
        let again = try TestEnvironment.fairlab(["import", csv] + importing + ["-o", dataset2])
        #expect(again.status == 0, "\(again.stderr)")
        try errors.expectError(["import", csv] + importing + ["--protected", "g=b", "-o", folder + "/d.h5"], "--protected names the column g twice")
        try "x,g,y\n".write(toFile: folder + "/header.csv", atomically: true, encoding: .utf8)
        try errors.expectError(["import", folder + "/header.csv"] + importing + ["-o", folder + "/d.h5"], "the file has no data rows, only its header")

        // Everything refused left the files as they were.
        let listed = try TestEnvironment.fairlab(["export", results, "--list"])
        #expect(listed.status == 0 && listed.stdout.hasPrefix("run-"), "\(listed.stdout) \(listed.stderr)")
        #expect(try TestEnvironment.fairlab(["inspect", dataset]).status == 0)
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("x,g,y"))
    }
}

/// With stdout and stderr sent to one file (`> log 2>&1`), a progress line never lands inside the table: stdout's
/// buffer is written out before each progress line.
@Suite struct SharedOutputTests {
    @Test func progressLinesStayOutOfTheTable() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.fairlab)
        // Three seeds of every pre-processing method: a table longer than stdout's 4 KiB buffer, then the append's line.
        process.arguments = ["compare", TestEnvironment.dataset("german"), "--seeds", "3", "--methods",
                             "reweighing,massaging,correlation-remover,disparate-impact-remover,uniform-sampling,preferential-sampling",
                             "--format", "csv", "--out", folder + "/r.h5"]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(process.terminationStatus == 0)
        // Every line is a progress line or a whole CSV row (as many fields as the header).
        let header = try #require(lines.first { $0.hasPrefix("run_id,method,") })
        let fields = header.split(separator: ",", omittingEmptySubsequences: false).count
        for line in lines where !line.hasPrefix("fairlab: ") {
            #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == fields, "\(line)")
        }
        #expect(lines.last?.hasPrefix("fairlab: appended run") == true, "\(lines.suffix(2))")
    }
}

/// Files that crash or hang libhdf5 itself (found by tools/fuzz) give a one-line error, never a crash or hang.
@Suite struct HostileFileTests {
    @Test(arguments: ["hdf5-crash-1.h5", "hdf5-crash-2.h5", "hdf5-hang-1.h5"])
    func libraryCrashesAndHangsBecomeErrors(_ name: String) throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("tools/fuzz/regressions/\(name)").path
        for command in [["inspect", path], ["compare", path], ["export", path]] {
            let result = try TestEnvironment.fairlab(command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("fairlab: error: \(path): "), "\(command): \(result.stderr)")
        }
    }
}
