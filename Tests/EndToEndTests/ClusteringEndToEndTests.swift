import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The clustering task as a user meets it: `fairlab import --task clustering`, `compare` on the shipped Vietnam
/// households running only the methods and metrics that handle clustering, the stored run with its k, the
/// guarantees the fair methods give, the planted effect of the synthetic generator, and the one-line refusals.
@Suite(.serialized) struct ClusteringEndToEndTests {
    /// Every permutation of 0 ..< n.
    static func renamings(of n: Int) -> [[Int]] {
        guard n > 1 else { return [Array(0..<n)] }
        return renamings(of: n - 1).flatMap { shorter in (0...shorter.count).map { at in
            var longer = shorter
            longer.insert(n - 1, at: at)
            return longer
        } }
    }

    /// Per group and cluster, the test rows' count, from stored cluster ids.
    static func cells(_ predictions: [Double], _ codes: [Int32], groups: Int, clusters: Int) -> [[Int]] {
        var cells = [[Int]](repeating: [Int](repeating: 0, count: clusters), count: groups)
        for (cluster, code) in zip(predictions, codes) { cells[Int(code)][Int(cluster)] += 1 }
        return cells
    }

    @Test func compareOnVietnamRunsTheClusteringMethodsWithTheirGuarantees() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5", report = folder + "/report.html"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("vietnam"), "--seeds", "2", "--bootstrap", "50", "--out", results, "--report", report])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("methods that do not handle clustering data:") && run.stderr.contains("reweighing") && run.stderr.contains("fair-ridge"),
                "stderr: \(run.stderr)")
        let record = try RunRecord.latest(in: results)
        #expect(record.task == .clustering && record.clusterCount == 4)
        #expect(record.methods.map(\.id) == ["baseline", "feature-adjustment", "group-balance", "fair-assignment", "fairlets"])
        #expect(record.methods[0].name == "Unmitigated k-means" && record.methods[0].parameters == "k=4, n_init=10")
        for method in record.methods {
            #expect(method.outcomes.count == 2, "\(method.id)")
            for outcome in method.outcomes {
                #expect(outcome.succeeded, "\(method.id): \(outcome.error)")
                let split = try #require(record.splits.first { $0.seed == outcome.seed })
                #expect(outcome.predictions.allSatisfy { [0, 1, 2, 3].contains($0) } && outcome.scores == nil)
                // The stored shares and gap are those of the stored cluster ids.
                let cells = Self.cells(outcome.predictions, split.testGroupCodes, groups: 2, clusters: 4)
                let rows = Double(outcome.predictions.count), shares = cells.map { Double($0.reduce(0, +)) / rows }
                var gap = 0.0
                for c in 0..<4 where cells[0][c] + cells[1][c] > 0 {
                    let size = Double(cells[0][c] + cells[1][c])
                    for g in 0..<2 {
                        gap = max(gap, abs(Double(cells[g][c]) / size - shares[g]))
                        #expect(abs(try #require(outcome.metrics.perGroup["cluster_\(c)_share"])[g] - Double(cells[g][c]) / size) < 1e-12)
                    }
                }
                #expect(abs(try #require(outcome.metrics.overall["max_share_gap"]) - gap) < 1e-12, "\(method.id): gap")
                if method.id == "fair-assignment" {
                    // δ = 0.2: every group's share of every cluster is within [0.8 p, p / 0.8], up to the rounding of counts
                    // (with the method's own 1e-9 of slack for a bound that is a whole number up to rounding). Its
                    // k-means is the baseline's (the same rows, the same starts), and it keeps each cluster's size.
                    let baseline = try #require(record.methods[0].outcomes.first { $0.seed == outcome.seed }).predictions
                    for c in 0..<4 {
                        let size = Double(cells[0][c] + cells[1][c])
                        #expect(outcome.predictions.filter { $0 == Double(c) }.count == baseline.filter { $0 == Double(c) }.count)
                        for g in 0..<2 {
                            let count = Double(cells[g][c])
                            #expect(count >= (0.8 * shares[g] * size - 1e-9).rounded(.up) && count <= (shares[g] * size / 0.8 + 1e-9).rounded(.down),
                                    "fair-assignment: group \(g) has \(count) of cluster \(c)'s \(size) rows")
                        }
                    }
                }
                if method.id == "fairlets" {
                    // Every cluster is a union of fairlets of balance ≥ 1/t, t = ⌈n_majority / n_minority⌉ of the test rows.
                    let totals = cells.map { $0.reduce(0, +) }
                    let t = Double((totals.max()! + totals.min()! - 1) / totals.min()!)
                    #expect(try #require(outcome.metrics.overall["balance"]) >= 1 / t - 1e-12, "fairlets: balance below 1/\(t)")
                }
            }
        }
        // Ids are aligned: the baseline's clusters are named by size, and each method's keep most rows under the
        // baseline's name (identity is the best renaming of the rows in common).
        for (position, baseline) in record.methods[0].outcomes.enumerated() {
            let sizes = (0..<4).map { c in baseline.predictions.filter { $0 == Double(c) }.count }
            #expect(sizes == sizes.sorted(by: >), "baseline sizes \(sizes)")
            for method in record.methods.dropFirst() {
                let predictions = method.outcomes[position].predictions
                var common = [[Int]](repeating: [0, 0, 0, 0], count: 4)
                for (a, b) in zip(predictions, baseline.predictions) { common[Int(a)][Int(b)] += 1 }
                let kept = (0..<4).map { common[$0][$0] }.reduce(0, +)
                // Identity keeps the most rows of any of the 24 renamings, counted by brute force.
                #expect(Self.renamings(of: 4).allSatisfy { rename in (0..<4).map { common[$0][rename[$0]] }.reduce(0, +) <= kept },
                        "\(method.id): \(common)")
                #expect(kept > predictions.count / 2, "\(method.id) keeps \(kept) rows in the baseline's clusters")
            }
        }
        // The fair methods close most of the baseline's gap and pay for it in cost.
        for id in ["feature-adjustment", "fair-assignment", "fairlets"] {
            #expect(try record.meanOverSeeds(id, "max_share_gap") < 0.5 * record.meanOverSeeds("baseline", "max_share_gap"), "\(id)")
            #expect(try record.meanOverSeeds(id, "inertia") > record.meanOverSeeds("baseline", "inertia"), "\(id)")
        }
        // The report plots the cost against the gap and draws each cluster's make-up.
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("Clusters&#39; make-up by group") || html.contains("Clusters' make-up by group"))
        #expect(html.contains("Cluster 3: each group&#39;s share of it") || html.contains("Cluster 3: each group's share of it"))
        #expect(html.contains(">Inertia<") && html.contains("Max share gap"))
    }

    /// tools/synth/make_clustering.py plants three segments that urban and rural rows fill in different
    /// proportions: the k-means baseline recovers them, so its clusters' rural shares are the planted 0.079, 0.3
    /// and 0.5625 (within 0.05 on 1,000 test rows: the binomial standard errors of the three shares, on about 380, 300
    /// and 320 rows, are 0.014, 0.026 and 0.028, so 0.05 is 1.8 to 3.6 of them).
    @Test func thePlantedSegmentsAndTheirMakeUpAreRecovered() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = TestEnvironment.packageRoot.appendingPathComponent("tools/synth/make_clustering.py").path
        let made = try TestEnvironment.run("/usr/bin/env", ["python3", script, "--rows", "5000", "--seed", "2", "-o", folder + "/segments.csv"])
        #expect(made.status == 0 && made.stdout.contains("planted 0.0789, 0.3000, 0.5625"), "stdout: \(made.stdout) stderr: \(made.stderr)")
        let imported = try TestEnvironment.fairlab([
            "import", folder + "/segments.csv", "--task", "clustering", "--clusters", "3", "--protected", "area=urban", "--drop", "area",
            "-o", folder + "/segments.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab(["compare", folder + "/segments.h5", "--methods", "baseline", "--bootstrap", "0", "--out", results])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let record = try RunRecord.latest(in: results)
        #expect(record.groupNames == ["rural", "urban"])
        let shares = record.methods[0].outcomes[0].metrics.perGroup.filter { $0.key.hasSuffix("_share") && $0.key.hasPrefix("cluster_") }
        let rural = shares.values.map { $0[0] }.sorted()
        #expect(rural.count == 3)
        for (found, planted) in zip(rural, [0.0789, 0.3, 0.5625]) { #expect(abs(found - planted) < 0.05, "rural shares \(rural)") }
    }

    @Test func importWithoutALabelAndTheOneLineRefusals() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = ["spend,visits,area"]
        for i in 0..<40 { lines.append("\(i % 7),\(Double(i) * 0.5),\(i % 3 == 0 ? "rural" : "urban")") }
        try lines.joined(separator: "\n").write(toFile: folder + "/shops.csv", atomically: true, encoding: .utf8)
        func importing(_ extra: [String]) throws -> TestEnvironment.ProcessResult {
            try TestEnvironment.fairlab(["import", folder + "/shops.csv", "--protected", "area=urban", "--drop", "area", "-o", folder + "/shops.h5"] + extra)
        }
        let imported = try importing(["--task", "clustering", "--clusters", "3"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let dataset = try DatasetFile.read(folder + "/shops.h5")
        #expect(dataset.task == .clustering && dataset.clusterCount == 3 && dataset.rows == 40 && dataset.featureNames == ["spend", "visits"])
        let inspected = try TestEnvironment.fairlab(["inspect", folder + "/shops.h5"])
        #expect(inspected.stdout.contains("no label: clustering into 3 clusters"), "stdout: \(inspected.stdout)")

        let labelled = try importing(["--task", "clustering", "--clusters", "3", "--label", "spend"])
        #expect(labelled.status != 0 && labelled.stderr.contains("a clustering dataset has no label"), "stderr: \(labelled.stderr)")
        let noK = try importing(["--task", "clustering"])
        #expect(noK.status != 0 && noK.stderr.contains("--task clustering needs --clusters K"), "stderr: \(noK.stderr)")
        let tooMany = try importing(["--task", "clustering", "--clusters", "41"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("41 clusters need at least as many rows; 40 remain"), "stderr: \(tooMany.stderr)")

        // k above the rows at compare time, k on a binary dataset, binary methods named on clustering data: one
        // line each, before any job and with nothing written.
        let results = folder + "/results.h5"
        let big = try TestEnvironment.fairlab(["compare", folder + "/shops.h5", "--clusters", "41", "--out", results])
        #expect(big.status != 0 && big.stderr.contains("41 clusters for 40 rows") && big.stderr.contains("shops.h5"), "stderr: \(big.stderr)")
        let training = try TestEnvironment.fairlab(["compare", folder + "/shops.h5", "--clusters", "30", "--out", results])
        #expect(training.status != 0 && training.stderr.contains("30 clusters need as many training rows; seed 0's split has"), "stderr: \(training.stderr)")
        let binary = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--clusters", "3", "--out", results])
        #expect(binary.status != 0 && binary.stderr.contains("--clusters is for a clustering dataset; this one is binary"), "stderr: \(binary.stderr)")
        let named = try TestEnvironment.fairlab(["compare", folder + "/shops.h5", "--methods", "reweighing", "--out", results])
        #expect(named.status != 0 && named.stderr.contains("the dataset is clustering, which reweighing cannot handle"), "stderr: \(named.stderr)")
        #expect(!FileManager.default.fileExists(atPath: results))

        let starts = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--n-init", "3", "--out", results])
        #expect(starts.status != 0 && starts.stderr.contains("--n-init is for a clustering dataset; this one is binary"), "stderr: \(starts.stderr)")
        #expect(!FileManager.default.fileExists(atPath: results))

        // --clusters overrides the dataset's k and --n-init the starts, and the baseline's parameters record them.
        let overridden = try TestEnvironment.fairlab([
            "compare", folder + "/shops.h5", "--clusters", "2", "--n-init", "3", "--methods", "baseline", "--bootstrap", "0", "--out", results])
        #expect(overridden.status == 0, "stderr: \(overridden.stderr)")
        let record = try RunRecord.latest(in: results)
        #expect(record.clusterCount == 2 && record.methods[0].outcomes[0].predictions.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(record.methods[0].parameters == "k=2, n_init=3")
    }

    /// Fairlets are for two groups: on the four intersections of two attributes their row fails with the reason
    /// (and the run's exit status says a row failed); fair assignment, for any number of groups, runs.
    @Test func fairletsOnFourGroupsFailTheirRowOnly() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = ["spend,visits,area,sex"]
        for i in 0..<300 { lines.append("\(Double(i % 9)),\(Double(i % 5)),\(i % 3 == 0 ? "rural" : "urban"),\(i % 2 == 0 ? "f" : "m")") }
        try lines.joined(separator: "\n").write(toFile: folder + "/shops.csv", atomically: true, encoding: .utf8)
        let imported = try TestEnvironment.fairlab([
            "import", folder + "/shops.csv", "--task", "clustering", "--clusters", "2", "--protected", "area=urban", "--protected", "sex=m",
            "--drop", "area", "--drop", "sex", "-o", folder + "/shops.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", folder + "/shops.h5", "--protected", "area,sex", "--methods", "fairlets,fair-assignment", "--param", "fair-assignment.delta=0.6",
            "--bootstrap", "0", "--out", results])
        #expect(run.status == 3, "stderr: \(run.stderr)")
        let record = try RunRecord.latest(in: results)
        let fairlets = try #require(record.methods.first { $0.id == "fairlets" }?.outcomes.first)
        #expect(!fairlets.succeeded && fairlets.error.contains("fairlets are defined for two groups; this run has 4"), "\(fairlets.error)")
        #expect(record.methods.first { $0.id == "fair-assignment" }?.outcomes.first?.succeeded == true)
    }
}
