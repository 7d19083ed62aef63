import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

@Suite struct ResultsFileTests {
    static func run(id: String, accuracy: [Double]) -> RunRecord {
        let outcomes = accuracy.enumerated().map { seed, value in
            SeedOutcome(
                seed: UInt64(seed), status: SeedOutcome.ok, error: "", fitSeconds: 0.5, predictSeconds: 0.01,
                predictions: [1, 0, 1], scores: [0.9, 0.2, 0.6],
                metrics: MetricValues(overall: ["accuracy": value, "disparate_impact": .nan], perGroup: ["selection_rate": [0.5, 1]]))
        }
        let failed = accuracy.indices.map { seed in
            SeedOutcome(seed: UInt64(seed), status: SeedOutcome.failed, error: "crashed with SIGSEGV", fitSeconds: 0, predictSeconds: 0,
                        predictions: [], scores: nil, metrics: MetricValues())
        }
        return RunRecord(
            id: id, createdAt: "2026-11-22T10:00:0\(id.last!)Z", command: "fairlab compare x.h5", datasetPath: "x.h5",
            datasetSHA256: "00", protectedAttributes: ["sex"], groupNames: ["Female", "Male"], groupPrivileged: [false, true],
            seeds: accuracy.indices.map { UInt64($0) }, fairlabVersion: fairlabVersion, abiVersion: 1,
            splits: accuracy.indices.map { SplitRecord(seed: UInt64($0), train: [0, 1], validation: [2], test: [3, 4, 5], testLabels: [1, 0, 0], testGroupCodes: [0, 1, 1]) },
            methods: [
                MethodRecord(id: "baseline", name: "Baseline", stage: "baseline", plugin: "fairlab", pluginVersion: "0.1.0", parameters: "C=1.0", outcomes: outcomes),
                MethodRecord(id: "bad", name: "Bad", stage: "in", plugin: "org.x", pluginVersion: "1", parameters: "", outcomes: failed),
            ],
            metricPlugins: ["standard-metrics 1.0.0 (org.fairlab.standard-metrics 1.0.0)"],
            pluginFailures: [.init(path: "/p/libx.so", reason: "not a fairlab plugin")])
    }

    @Test func appendingKeepsEveryEarlierRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5"
        try ResultsFile.append(Self.run(id: "run-1", accuracy: [0.8, 0.9]), to: path)
        try ResultsFile.append(Self.run(id: "run-2", accuracy: [0.7]), to: path)
        #expect(try ResultsFile.runIDs(in: path) == ["run-1", "run-2"])
        let first = try ResultsFile.read(runID: "run-1", from: path)
        #expect(first.methods.map(\.id) == ["baseline", "bad"])
        #expect(first.methods[0].outcomes[1].metrics.overall["accuracy"] == 0.9)
        #expect(first.methods[0].outcomes[1].metrics.overall["disparate_impact"]!.isNaN)
        #expect(first.methods[0].outcomes[0].metrics.perGroup["selection_rate"] == [0.5, 1])
        #expect(first.methods[1].outcomes[0].error == "crashed with SIGSEGV")
        #expect(first.splits[1].test == [3, 4, 5])
        #expect(first.pluginFailures.first?.reason == "not a fairlab plugin")
        #expect(first.metricPlugins == ["standard-metrics 1.0.0 (org.fairlab.standard-metrics 1.0.0)"])
        #expect(throws: FairlabError.self) { try ResultsFile.append(Self.run(id: "run-1", accuracy: [0.8]), to: path) }
        #expect(try ResultsFile.runIDs(in: path) == ["run-1", "run-2"])
    }

    @Test func runsLiveInTheirOwnFilesLinkedFromTheIndex() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5"
        // A file in the earlier layout: its run inside the index.
        do {
            let legacy = try HDF5File(path: path, mode: .create)
            try legacy.setAttribute("fairlab_format", ResultsFile.formatName)
            try legacy.setAttribute("fairlab_format_version", ResultsFile.formatVersion)
            try ResultsFile.write(Self.run(id: "run-1", accuracy: [0.8]), sequence: 1, at: "/runs/run-1", into: legacy)
        }
        try ResultsFile.append(Self.run(id: "run-2", accuracy: [0.7]), to: path)
        try ResultsFile.append(Self.run(id: "run-3", accuracy: [0.6, 0.5]), to: path)
        #expect(try ResultsFile.runIDs(in: path) == ["run-1", "run-2", "run-3"])
        #expect(try ResultsFile.read(runID: "run-1", from: path).methods[0].outcomes[0].metrics.overall["accuracy"] == 0.8)
        #expect(try ResultsFile.read(runID: "run-3", from: path).methods[0].outcomes.map { $0.metrics.overall["accuracy"]! } == [0.6, 0.5])
        let index = try HDF5File(path: path, mode: .readOnly)
        #expect(index.externalLink("/runs/run-1") == nil)
        #expect(index.externalLink("/runs/run-2")?.file == "results.h5.runs/run-2.h5")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path + ".runs").sorted() == ["run-2.h5", "run-3.h5"])

        // The index and its runs folder move and rename together.
        try FileManager.default.createDirectory(atPath: folder + "/moved", withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: path, toPath: folder + "/moved/r.h5")
        // Without its runs folder, the index still lists its inline run (and would take appends); a linked run says
        // where its file should be.
        #expect(try ResultsFile.runIDs(in: folder + "/moved/r.h5") == ["run-1"])
        #expect(throws: FairlabError(
            "\(folder)/moved/r.h5: run run-2's file is missing from \(folder)/moved/r.h5.runs (a results file's .runs folder must stay beside it)"
        )) { try ResultsFile.read(runID: "run-2", from: folder + "/moved/r.h5") }
        try FileManager.default.moveItem(atPath: path + ".runs", toPath: folder + "/moved/r.h5.runs")
        #expect(try ResultsFile.runIDs(in: folder + "/moved/r.h5") == ["run-1", "run-2", "run-3"])
        #expect(try ResultsFile.read(runID: "run-2", from: folder + "/moved/r.h5").methods[0].outcomes[0].metrics.overall["accuracy"] == 0.7)

        // A link that is not to a run in the runs folder (a crafted file) is refused, not followed.
        let crafted = folder + "/crafted.h5"
        do {
            let file = try HDF5File(path: crafted, mode: .create)
            try file.setAttribute("fairlab_format", ResultsFile.formatName)
            try file.createGroup("/runs")
            try file.createExternalLink("/runs/x", file: "moved/r.h5.runs/run-2.h5", object: "/run")
        }
        #expect(throws: FairlabError("\(crafted): /runs/x links to moved/r.h5.runs/run-2.h5:/run, not to a run in its runs folder")) {
            try ResultsFile.runIDs(in: crafted)
        }
    }

    /// What the writer keeps consistent is checked when a run is read back, so a damaged or crafted file is refused
    /// with what is wrong rather than shown wrong: a run whose writer stopped before it finished, group flags that do
    /// not match the groups (a table would drop a group), a seed listed twice (the reader trapped on it), predictions
    /// of another length than the split's test rows.
    @Test func readingRefusesAnInconsistentRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func written(_ name: String, _ change: (inout RunRecord) -> Void = { _ in }, then alter: (HDF5File) throws -> Void = { _ in }) throws -> String {
            let path = "\(folder)/\(name).h5"
            var run = Self.run(id: "run-1", accuracy: [0.8])
            change(&run)
            let file = try HDF5File(path: path, mode: .create)
            try file.setAttribute("fairlab_format", ResultsFile.formatName)
            try file.setAttribute("fairlab_format_version", ResultsFile.formatVersion)
            try ResultsFile.write(run, sequence: 1, at: "/runs/run-1", into: file)
            try alter(file)
            return path
        }
        let sound = try written("sound")
        #expect(try ResultsFile.read(runID: "run-1", from: sound).methods[0].outcomes[0].predictions == [1, 0, 1])
        let incomplete = try written("incomplete", then: { try $0.setAttribute("complete", of: "/runs/run-1", Int64(0)) })
        #expect(throws: FairlabError("\(incomplete): run run-1 is incomplete (its writer stopped before it finished)")) {
            try ResultsFile.read(runID: "run-1", from: incomplete)
        }
        let flags = try written("flags", then: { try $0.setAttribute("group_privileged", of: "/runs/run-1", [Int64(0)]) })
        #expect(throws: FairlabError("\(flags): /runs/run-1 has 1 group_privileged flags for 2 groups")) {
            try ResultsFile.read(runID: "run-1", from: flags)
        }
        let seeds = try written("seeds", then: { try $0.setAttribute("seeds", of: "/runs/run-1", [Int64(0), 0]) })
        #expect(throws: FairlabError("\(seeds): /runs/run-1 lists a seed twice")) { try ResultsFile.read(runID: "run-1", from: seeds) }
        let shard = try written("shard", then: { try $0.setAttribute("shard", of: "/runs/run-1", "5/3") })
        #expect(throws: FairlabError("\(shard): /runs/run-1 has a shard attribute '5/3' that is not K/M with 1 ≤ K ≤ M")) {
            try ResultsFile.read(runID: "run-1", from: shard)
        }
        let short = try written("short", { $0.methods[0].outcomes[0].predictions = [1, 0] })
        #expect(throws: FairlabError("\(short): /runs/run-1/methods/baseline/seed_0/y_pred has 2 values for 3 test rows")) {
            try ResultsFile.read(runID: "run-1", from: short)
        }
        // Without predictions (a table's reading), the same file is read: the arrays left unread are not checked.
        #expect(try ResultsFile.read(runID: "run-1", from: short, predictions: false).methods.count == 2)
    }

    /// An index copied without its runs folder lists no run; asked for its latest, it says why rather than that it
    /// holds none.
    @Test func anIndexWithoutItsRunsFolderSaysSo() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5", copy = folder + "/copy.h5"
        try ResultsFile.append(Self.run(id: "run-1", accuracy: [0.8]), to: path)
        try ResultsFile.append(Self.run(id: "run-2", accuracy: [0.7]), to: path)
        #expect(try ResultsFile.latestRunID(in: path) == "run-2" && ResultsFile.runsWithoutFiles(in: path) == 0)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(try ResultsFile.runIDs(in: copy).isEmpty && ResultsFile.runsWithoutFiles(in: copy) == 2)
        #expect(throws: FairlabError(
            "\(copy): the file of each of its 2 runs is missing from \(copy).runs (a results file's .runs folder must stay beside it)"
        )) { try ResultsFile.latestRunID(in: copy) }
    }

    @Test func refusesFilesThatAreNotResults() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dataset = TestEnvironment.dataset("german")
        #expect(throws: FairlabError("\(dataset): not a fairlab results file")) { try ResultsFile.runIDs(in: dataset) }
    }

    @Test func summaryShowsMeanAndSampleStd() throws {
        let summary = try ComparisonSummary(Self.run(id: "run-1", accuracy: [0.8, 0.9]))
        let accuracy = try #require(summary.rows[0].metrics["accuracy"])
        #expect(abs(accuracy.mean - 0.85) < 1e-15)
        #expect(abs(accuracy.std! - 0.0707106781186548) < 1e-12)
        #expect(summary.rows[1].status == "failed")
        let markdown = try TableFormat.md.render(summary)
        #expect(markdown.contains("0.8500 ± 0.0707"))
        #expect(markdown.contains("- bad: crashed with SIGSEGV"))
        let csv = try TableFormat.csv.render(summary)
        #expect(csv.split(separator: "\n").count == 3)
        // A plugin's reason may hold any line break: CR LF (one Swift character, equal to neither "\r" nor "\n") and
        // CR alone are quoted too, or a CSV reader would end the row there.
        for field in ["solver failed\r\nsee log", "k=5\rz=1", "a\nb", "x,y", "say \"no\""] {
            #expect(CSVExport.quote(field) == "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"", "\(field.debugDescription)")
        }
        #expect(CSVExport.quote("plain text") == "plain text")
        #expect(try TableFormat.latex.render(summary).contains("$0.8500 \\pm 0.0707$"))
        let json = try JSONSerialization.jsonObject(with: Data(try TableFormat.json.render(summary).utf8)) as! [String: Any]
        #expect((json["rows"] as! [[String: Any]]).count == 2)
    }
}
