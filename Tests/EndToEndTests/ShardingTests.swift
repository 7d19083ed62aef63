import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// `compare --shard K/M` and `fairlab merge`: shards of one grid join into the run an unsharded compare makes.
@Suite(.serialized) struct ShardingTests {
    /// Every stored value of two runs, compared exactly (bit patterns for doubles); timings and identity aside.
    static func expectIdentical(_ merged: RunRecord, _ whole: RunRecord) {
        #expect(merged.seeds == whole.seeds && merged.datasetSHA256 == whole.datasetSHA256 && merged.groupNames == whole.groupNames)
        #expect(merged.splits.map(\.test) == whole.splits.map(\.test) && merged.splits.map(\.train) == whole.splits.map(\.train))
        #expect(merged.methods.map(\.id) == whole.methods.map(\.id))
        for (a, b) in zip(merged.methods, whole.methods) {
            #expect(a.outcomes.map(\.seed) == b.outcomes.map(\.seed), "\(a.id)")
            for (x, y) in zip(a.outcomes, b.outcomes) {
                #expect(x.status == y.status && x.notes == y.notes, "\(a.id) seed \(x.seed)")
                #expect(x.predictions.map(\.bitPattern) == y.predictions.map(\.bitPattern), "\(a.id) seed \(x.seed) predictions")
                #expect(x.scores?.map(\.bitPattern) == y.scores?.map(\.bitPattern), "\(a.id) seed \(x.seed) scores")
                #expect(x.probabilities?.map(\.bitPattern) == y.probabilities?.map(\.bitPattern), "\(a.id) seed \(x.seed) probabilities")
                #expect(x.metrics.overall.mapValues(\.bitPattern) == y.metrics.overall.mapValues(\.bitPattern), "\(a.id) seed \(x.seed) metrics")
                #expect(x.metrics.perGroup.mapValues { $0.map(\.bitPattern) } == y.metrics.perGroup.mapValues { $0.map(\.bitPattern) })
            }
        }
    }

    @Test func shardsMergeIntoTheUnshardedRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dataset = TestEnvironment.dataset("german")
        let options = ["--seeds", "2", "--seed", "4", "--methods", "reweighing,fair-logreg,threshold-optimizer,eq-odds", "--jobs", "2"]
        let whole = try TestEnvironment.fairlab(["compare", dataset, "--out", folder + "/whole.h5"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        // 5 rows × 2 seeds = 10 jobs in 3 shards: 4, 3 and 3 jobs; shards 2 and 3 own post-processing jobs
        // whose baseline another shard owns, and run that baseline for themselves without recording it.
        for shard in 1...3 {
            let run = try TestEnvironment.fairlab(["compare", dataset, "--shard", "\(shard)/3", "--out", folder + "/shard-\(shard).h5"] + options)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("shard \(shard)/3: \(shard == 1 ? 4 : 3) of the 10 jobs"), "\(run.stderr)")
        }
        let shard2 = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/shard-2.h5")[0], from: folder + "/shard-2.h5")
        #expect(shard2.shard == (try Shard(parsing: "2/3")))
        #expect(shard2.methods.map(\.outcomes.count).reduce(0, +) == 3)

        // Merged in any order, the shards give the unsharded run's every value, bit for bit.
        let merge = try TestEnvironment.fairlab(["merge", folder + "/shard-3.h5", folder + "/shard-1.h5", folder + "/shard-2.h5", "-o", folder + "/merged.h5"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("| threshold-optimizer"))
        let merged = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/merged.h5")[0], from: folder + "/merged.h5")
        let unsharded = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/whole.h5")[0], from: folder + "/whole.h5")
        #expect(merged.shard == nil && merged.methods.allSatisfy { $0.outcomes.count == 2 })
        Self.expectIdentical(merged, unsharded)
    }

    /// Runs `compare` on `dataset` with `options` whole and in 3 shards, merges the shards out of order, and returns
    /// the merged and the unsharded run.
    static func shardedAndWhole(_ dataset: String, _ options: [String]) throws -> (merged: RunRecord, whole: RunRecord) {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let whole = try TestEnvironment.fairlab(["compare", dataset, "--out", folder + "/whole.h5"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        for shard in 1...3 {
            let run = try TestEnvironment.fairlab(["compare", dataset, "--shard", "\(shard)/3", "--out", folder + "/shard-\(shard).h5"] + options)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let merge = try TestEnvironment.fairlab(["merge", folder + "/shard-2.h5", folder + "/shard-3.h5", folder + "/shard-1.h5", "-o", folder + "/merged.h5"])
        #expect(merge.status == 0, "\(merge.stderr)")
        return (try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/merged.h5")[0], from: folder + "/merged.h5"),
                try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/whole.h5")[0], from: folder + "/whole.h5"))
    }

    /// A regression run in shards, without --methods: every shard deals the same grid (the binary methods'
    /// rows included, as the task is only known once the dataset is read), leaves the binary rows out alike, and
    /// the merge is the unsharded run, task included.
    @Test func regressionShardsMergeIntoTheUnshardedRun() throws {
        let (merged, unsharded) = try Self.shardedAndWhole(TestEnvironment.dataset("wage"), ["--seeds", "2", "--bootstrap", "50", "--jobs", "2"])
        #expect(merged.task == .regression && unsharded.task == .regression)
        #expect(unsharded.methods.map(\.id) == ["baseline", "feature-adjustment", "group-balance", "bounded-group-loss", "fair-ridge", "group-mean-shift"])
        Self.expectIdentical(merged, unsharded)
    }

    /// A clustering run in shards: every shard that runs a method on a seed runs that seed's baseline too (its
    /// cluster ids are the names the method's are aligned to), so the merge is the unsharded run, ids, k and all.
    @Test func clusteringShardsMergeIntoTheUnshardedRun() throws {
        let (merged, unsharded) = try Self.shardedAndWhole(
            TestEnvironment.dataset("vietnam"), ["--seeds", "2", "--bootstrap", "50", "--jobs", "2", "--skip", "fairlets", "--clusters", "3", "--n-init", "4"])
        #expect(merged.task == .clustering && merged.clusterCount == 3 && unsharded.clusterCount == 3)
        #expect(merged.methods[0].parameters == "k=3, n_init=4")
        Self.expectIdentical(merged, unsharded)
    }

    /// A stress run's (method, seed, level) grid in shards: merged, every outcome with its level and every injected
    /// row, as the unsharded stress run has them.
    @Test func stressShardsMergeIntoTheUnshardedStressRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dataset = TestEnvironment.dataset("german")
        let options = ["--inject", "label-bias", "--levels", "0.2,0.4", "--seeds", "2", "--methods", "reweighing,threshold-optimizer", "--jobs", "2"]
        let whole = try TestEnvironment.fairlab(["stress", dataset, "--out", folder + "/whole.h5"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        // 3 rows × 2 seeds × 3 levels = 18 jobs in 4 shards.
        for shard in 1...4 {
            let run = try TestEnvironment.fairlab(["stress", dataset, "--shard", "\(shard)/4", "--out", folder + "/shard-\(shard).h5"] + options)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("shard \(shard)/4: \(shard <= 2 ? 5 : 4) of the 18 jobs"), "\(run.stderr)")
            #expect(run.stdout.contains(", shard \(shard)/4 of the grid (its jobs only"), "\(run.stdout)")
        }
        // A stress run has no LaTeX table: refused before the merged run is written (a second try would repeat it).
        let latex = try TestEnvironment.fairlab(["merge"] + (1...4).map { folder + "/shard-\($0).h5" } + ["-o", folder + "/merged.h5", "--format", "latex"])
        #expect(latex.status == 1 && latex.stderr.contains("--format latex renders one comparison"), "\(latex.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/merged.h5"))
        let merge = try TestEnvironment.fairlab(["merge"] + (1...4).reversed().map { folder + "/shard-\($0).h5" } + ["-o", folder + "/merged.h5"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("Pass-through"), "\(merge.stdout)")
        let merged = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/merged.h5")[0], from: folder + "/merged.h5")
        let unsharded = try ResultsFile.read(runID: try ResultsFile.runIDs(in: folder + "/whole.h5")[0], from: folder + "/whole.h5")
        Self.expectIdentical(merged, unsharded)
        #expect(merged.methods.flatMap { $0.outcomes.map(\.level) } == unsharded.methods.flatMap { $0.outcomes.map(\.level) })
        #expect(merged.stress?.injected == unsharded.stress?.injected && merged.stress?.levels == [0, 0.2, 0.4])
        // Shards of a stress run do not merge with another injection's.
        let other = try TestEnvironment.fairlab(["stress", dataset, "--shard", "1/4", "--out", folder + "/other.h5", "--inject", "label-noise"] + options.dropFirst(2))
        #expect(other.status == 0, "\(other.stderr)")
        let refused = try TestEnvironment.fairlab(["merge", folder + "/other.h5", folder + "/shard-2.h5", folder + "/shard-3.h5", folder + "/shard-4.h5", "-o", folder + "/bad.h5"])
        #expect(refused.status == 1 && refused.stderr.contains("its stress injection (label-bias:group=age<=25) differs from"), "\(refused.stderr)")
        // The default group named: the same injection, merged.
        let named = try TestEnvironment.fairlab(
            ["stress", dataset, "--shard", "1/4", "--out", folder + "/named.h5", "--inject", "label-bias:group=age<=25"] + options.dropFirst(2))
        #expect(named.status == 0, "\(named.stderr)")
        let joined = try TestEnvironment.fairlab(["merge", folder + "/named.h5", folder + "/shard-2.h5", folder + "/shard-3.h5", folder + "/shard-4.h5", "-o", folder + "/joined.h5"])
        #expect(joined.status == 0, "\(joined.stderr)")
    }

    @Test func badShardsAndMismatchedMergesAreRefusedWithoutWriting() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let german = TestEnvironment.dataset("german")
        for spec in ["3/2", "0/0", "a/b", "1/", "2/0", "1/3/5", "-1/3"] {
            let run = try TestEnvironment.fairlab(["compare", german, "--shard", spec, "--out", folder + "/x.h5"])
            let lines = run.stderr.split(separator: "\n")
            #expect(run.status != 0 && lines.count == 1 && lines[0].hasPrefix("fairlab: error: --shard \(spec): "), "\(spec): \(run.stderr)")
        }
        let noOut = try TestEnvironment.fairlab(["compare", german, "--shard", "1/2"])
        #expect(noOut.status != 0 && noOut.stderr.contains("--shard needs --out"))

        func shard(_ name: String, _ arguments: [String]) throws -> String {
            let path = "\(folder)/\(name).h5"
            let run = try TestEnvironment.fairlab(["compare"] + arguments + ["--methods", "reweighing", "--out", path])
            #expect(run.status == 0, "\(run.stderr)")
            return path
        }
        let one = try shard("one", [german, "--shard", "1/2"])
        let two = try shard("two", [german, "--shard", "2/2"])
        let otherSeeds = try shard("seeds", [german, "--shard", "2/2", "--seeds", "2"])
        let otherData = try shard("data", [TestEnvironment.dataset("compas"), "--shard", "2/2"])
        let otherCount = try shard("count", [german, "--shard", "2/3"])
        let otherStandardization = try shard("standardize", [german, "--shard", "2/2", "--standardize", "all"])
        let otherMethods = try TestEnvironment.fairlab(["compare", german, "--shard", "2/2", "--methods", "massaging", "--out", folder + "/methods.h5"])
        #expect(otherMethods.status == 0)
        let output = folder + "/merged.h5"
        let refusals: [([String], String)] = [
            ([one, otherSeeds], "its seeds (0,1) differs from \(one)'s (0)"),
            ([one, otherData], "its dataset (SHA-256"),
            ([one, otherCount], "its shard count (3) differs"),
            ([one, otherStandardization], "its standardization (all) differs from \(one)'s (numeric)"),
            ([one, folder + "/methods.h5"], "its method set (baseline,massaging) differs"),
            ([one], "shard 2/2 missing"),
            ([one, one], "is shard 1/2 again"),
            ([one, two, folder + "/absent.h5"], "\(folder)/absent.h5: no such file"),
        ]
        for (inputs, message) in refusals {
            let run = try TestEnvironment.fairlab(["merge"] + inputs + ["-o", output])
            let lines = run.stderr.split(separator: "\n")
            #expect(run.status != 0 && lines.count == 1 && lines[0].contains(message), "\(inputs): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "a refused merge wrote \(output)")
        }
        // A shard's index copied without its runs folder: the missing run file is named, not "no shard run".
        try FileManager.default.createDirectory(atPath: folder + "/copied", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: two, toPath: folder + "/copied/two.h5")
        let copied = try TestEnvironment.fairlab(["merge", one, folder + "/copied/two.h5", "-o", output])
        #expect(copied.status == 1 && copied.stderr.contains("copied/two.h5: the file of its one run is missing from"), "\(copied.stderr)")
        let merged = try TestEnvironment.fairlab(["merge", two, one, "-o", output])
        #expect(merged.status == 0, "\(merged.stderr)")
    }
}
