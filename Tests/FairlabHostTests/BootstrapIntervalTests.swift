import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Bootstrap intervals, computed as a run computes them (the metric worker's resampling through the standard
/// metric plugin, then the summary's quantiles), against an independent NumPy implementation of the same
/// resamples (tools/golden/make_bootstrap_goldens.py), and against Fairlearn's MetricFrame bootstrap.
@Suite struct BootstrapIntervalTests {
    static let tolerance = 1e-12

    /// The fixture's methods, each with its outcomes (replicates filled in by the metric worker's code).
    private static func evaluate(_ golden: [String: Any]) throws -> [String: [SeedOutcome]] {
        let resamples = golden["resamples"] as! Int
        let groupNames = golden["group_names"] as! [String], privileged = golden["group_privileged"] as! [Bool]
        let splits = Dictionary(uniqueKeysWithValues: (golden["splits"] as! [[String: Any]]).map { ($0["seed"] as! Int, $0) })
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("StandardMetrics"))
        let metric = try #require(try library.methods().first { $0.id == "standard-metrics" })
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // As a run does: one job per seed, holding every method's prediction set on it, whose replicates come back
        // as one array per item and metric, in order.
        var bySeed: [Int: [(id: String, item: MetricJob.Item)]] = [:]
        for method in golden["methods"] as! [[String: Any]] {
            for outcome in method["outcomes"] as! [[String: Any]] {
                let seed = outcome["seed"] as! Int
                let split = splits[seed]!
                bySeed[seed, default: []].append((method["id"] as! String, MetricJob.Item(
                    labels: (split["labels"] as! [NSNumber]).map(\.doubleValue),
                    predictions: (outcome["predictions"] as! [NSNumber]).map(\.doubleValue), scores: nil,
                    groupCodes: (split["group_codes"] as! [Int]).map(Int32.init),
                    probabilities: (outcome["probabilities"] as? [NSNumber])?.map(\.doubleValue))))
            }
        }
        var outcomes: [String: [SeedOutcome]] = [:]
        for (seed, entries) in bySeed.sorted(by: { $0.key < $1.key }) {
            let arraysPath = "\(folder)/items-\(seed).f64"
            try MetricJob.writeItems(entries.map(\.item), to: arraysPath)
            let (reply, replicates) = try MetricExecution.run(MetricJob(
                metric: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), groupNames: groupNames,
                groupPrivileged: privileged, seed: UInt64(seed), bootstrapResamples: resamples, arraysPath: arraysPath,
                items: entries.map(\.item.shape), task: .binary))
            #expect(replicates.count == reply.replicateNames.map(\.count).reduce(0, +) && replicates.allSatisfy { $0.count == resamples })
            var arrays = replicates[...]
            for (index, entry) in entries.enumerated() {
                let bootstrap = Dictionary(uniqueKeysWithValues: reply.replicateNames[index].map { ($0, arrays.removeFirst()) })
                outcomes[entry.id, default: []].append(SeedOutcome(
                    seed: UInt64(seed), status: SeedOutcome.ok, error: "", fitSeconds: 0, predictSeconds: 0, predictions: entry.item.predictions,
                    scores: nil, probabilities: entry.item.probabilities, metrics: reply.values[index], bootstrap: bootstrap))
            }
        }
        return outcomes
    }

    private static func close(_ actual: Double?, _ expected: Any?) -> Bool {
        guard let expected = expected as? Double else { return actual == nil }
        guard let actual else { return false }
        return abs(actual - expected) <= tolerance * max(1, abs(expected))
    }

    @Test func resamplesAreTheSeedsStream() throws {
        let golden = try #require(try TestEnvironment.fixture("bootstrap_goldens.json") as? [String: Any])
        let resamples = golden["resamples"] as! Int
        for split in golden["splits"] as! [[String: Any]] {
            let rows = (split["labels"] as! [Any]).count
            var resampler = BootstrapResampler(seed: UInt64(split["seed"] as! Int), rows: rows)
            var indices = [Int](repeating: 0, count: rows)
            indices.withUnsafeMutableBufferPointer { resampler.next(into: $0) }
            #expect(Array(indices.prefix(25)) == split["first_indices"] as! [Int])
            for _ in 1..<resamples { indices.withUnsafeMutableBufferPointer { resampler.next(into: $0) } }
            #expect(Array(indices.suffix(25)) == split["last_indices"] as! [Int])
        }
    }

    @Test func intervalsEqualTheNumPyReference() throws {
        let golden = try #require(try TestEnvironment.fixture("bootstrap_goldens.json") as? [String: Any])
        let outcomes = try Self.evaluate(golden)
        let baseline = outcomes[MethodRecord.baselineID]!
        var compared = 0, undefinedReplicates = 0
        for (id, metrics) in golden["intervals"] as! [String: [String: [String: Any]]] {
            let mine = try #require(outcomes[id])
            for (metric, expected) in metrics {
                let interval = try #require(BootstrapInterval(
                    metric: metric, outcomes: mine, baseline: id == MethodRecord.baselineID ? nil : baseline), "\(id) \(metric)")
                #expect(Self.close(interval.lower, expected["lower"]), "\(id) \(metric) lower \(interval.lower) vs \(expected["lower"]!)")
                #expect(Self.close(interval.upper, expected["upper"]), "\(id) \(metric) upper \(interval.upper) vs \(expected["upper"]!)")
                #expect(interval.resamples == expected["replicates"] as! Int && interval.seeds == expected["seeds"] as! Int, "\(id) \(metric)")
                if interval.resamples < golden["resamples"] as! Int { undefinedReplicates += 1 }
                if id != MethodRecord.baselineID {
                    #expect(Self.close(interval.difference?.lower, expected["diff_lower"]), "\(id) \(metric) difference lower")
                    #expect(Self.close(interval.difference?.upper, expected["diff_upper"]), "\(id) \(metric) difference upper")
                    #expect((interval.difference?.resamples ?? 0) == expected["diff_replicates"] as! Int, "\(id) \(metric)")
                    #expect((interval.difference?.seeds ?? 0) == expected["diff_seeds"] as! Int, "\(id) \(metric)")
                }
                compared += 1
            }
        }
        // The paired difference's estimate: for methods run on the baseline's seeds, the difference of the means.
        let points = golden["intervals"] as! [String: [String: [String: Any]]]
        for id in ["m1", "m2"] {
            for metric in ["accuracy", "statistical_parity_difference", "theil_index"] {
                let estimate = try #require(BootstrapInterval(metric: metric, outcomes: outcomes[id]!, baseline: baseline)?.difference?.estimate)
                let expected = (points[id]![metric]!["point"] as! Double) - (points["baseline"]![metric]!["point"] as! Double)
                #expect(abs(estimate - expected) < 1e-12, "\(id) \(metric): \(estimate) vs \(expected)")
            }
        }
        // Four methods, 11 metrics each and 11 expected ones for the randomised m2; disparate impact of m1 and m3
        // is undefined on some resamples (a privileged selection rate of 0), which the intervals leave out.
        #expect(compared == 55)
        #expect(undefinedReplicates == 2)
    }

    @Test func intervalsAgreeWithFairlearnsMetricFrameBootstrap() throws {
        let golden = try #require(try TestEnvironment.fixture("bootstrap_goldens.json") as? [String: Any])
        let fairlearn = golden["fairlearn"] as! [String: Any]
        let case_: [String: Any] = [
            "resamples": fairlearn["resamples"]!, "group_names": fairlearn["group_names"]!, "group_privileged": fairlearn["group_privileged"]!,
            "splits": [["seed": fairlearn["seed"]!, "labels": fairlearn["labels"]!, "group_codes": fairlearn["group_codes"]!]],
            "methods": [["id": "baseline", "outcomes": [["seed": fairlearn["seed"]!, "predictions": fairlearn["predictions"]!]]]],
        ]
        let outcomes = try Self.evaluate(case_)[MethodRecord.baselineID]!
        for (metric, key) in [("accuracy", "accuracy"), ("demographic_parity_difference", "dpd")] {
            let interval = try #require(BootstrapInterval(metric: metric, outcomes: outcomes, baseline: nil))
            let numpy = fairlearn["numpy_\(key)_ci"] as! [Double], reference = fairlearn["fairlearn_\(key)_ci"] as! [Double]
            #expect(Self.close(interval.lower, numpy[0]) && Self.close(interval.upper, numpy[1]), "\(metric): \(interval) vs NumPy \(numpy)")
            // Fairlearn draws its own resamples (pandas' sample), so the two agree to the bootstrap's own noise.
            #expect(abs(interval.lower - reference[0]) < 0.005 && abs(interval.upper - reference[1]) < 0.005,
                    "\(metric): [\(interval.lower), \(interval.upper)] vs Fairlearn \(reference)")
        }
    }

    /// The seeds' t-intervals use Student's 97.5 % quantile: SciPy's `stats.t.ppf(0.975, df)` to 3 decimals where
    /// tabulated (12.706 at 1, 2.776 at 4, 2.042 at 30), and within 0.003 beyond (2.0211 at 40, 1.9840 at 100).
    @Test func studentQuantilesAreSciPys() {
        for (df, scipy, tolerance) in [(1, 12.7062, 5e-4), (4, 2.7764, 5e-4), (30, 2.0423, 5e-4), (40, 2.0211, 3e-3), (100, 1.9840, 3e-3)] {
            #expect(abs(SeedInterval.studentT975(degreesOfFreedom: df) - scipy) < tolerance, "df \(df)")
        }
        let interval = try! #require(SeedInterval([1, 2, 3]))
        // mean 2, s = 1, half-width 4.303 / √3 = 2.484: [−0.484, 4.484].
        #expect(interval.mean == 2 && abs(interval.upper! - (2 + 4.303 / 3.0.squareRoot())) < 1e-12 && interval.contains(-0.4) && !interval.contains(4.5))
    }

    /// A randomised method's expected metric is paired with the deterministic baseline's plain one, resample by
    /// resample: differences (−0.10, −0.06, −0.02) on seed 0 and (−0.08, −0.04, 0) on seed 1, so the replicates'
    /// means are −0.09, −0.05, −0.01 and the estimate (0.71 − 0.81 + 0.73 − 0.81) / 2 = −0.09.
    @Test func expectedMetricsAreComparedWithTheBaselinesPlainOnes() throws {
        func outcome(_ seed: UInt64, _ name: String, _ value: Double, _ replicates: [Double]) -> SeedOutcome {
            SeedOutcome(seed: seed, status: SeedOutcome.ok, error: "", fitSeconds: 0, predictSeconds: 0, predictions: [], scores: nil,
                        metrics: MetricValues(overall: [name: value]), bootstrap: [name: replicates])
        }
        let baseline = [outcome(0, "accuracy", 0.81, [0.80, 0.78, 0.76]), outcome(1, "accuracy", 0.81, [0.80, 0.78, 0.76])]
        let method = [outcome(0, "expected_accuracy", 0.71, [0.70, 0.72, 0.74]), outcome(1, "expected_accuracy", 0.73, [0.72, 0.74, 0.76])]
        let interval = try #require(BootstrapInterval(metric: "expected_accuracy", outcomes: method, baseline: baseline))
        let difference = try #require(interval.difference)
        #expect(abs(difference.estimate! - -0.09) < 1e-12 && difference.seeds == 2)
        // Percentiles 2.5 and 97.5 of (−0.09, −0.05, −0.01), interpolated linearly as NumPy does: positions 0.05, 1.95.
        #expect(abs(difference.lower - (-0.09 + 0.05 * 0.04)) < 1e-12 && abs(difference.upper - (-0.05 + 0.95 * 0.04)) < 1e-12)
    }

    /// An empty axis or selection term is an error, not a crash.
    @Test func emptyTermsAreRefused() {
        for text in ["", ":", " "] {
            #expect(throws: FairlabError.self) { _ = try SelectionRule.Term(parsing: text) }
        }
    }
}
