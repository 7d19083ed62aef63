import FairlabCore
import Foundation

/// Everything one `compare` run produced: what was compared on which rows, and what each method did. It is
/// what the results file stores and what every export renders.
public struct RunRecord: Codable, Sendable {
    public var id: String
    public var createdAt: String
    public var command: String
    public var datasetPath: String
    public var datasetSHA256: String
    public var protectedAttributes: [String]
    public var groupNames: [String]
    public var groupPrivileged: [Bool]
    public var seeds: [UInt64]
    /// Which feature columns were standardised (results files written before this field: all).
    public var standardization: Standardization = .all
    public var fairlabVersion: String
    public var abiVersion: Int
    public var splits: [SplitRecord]
    public var methods: [MethodRecord]
    /// The metric plugins that computed the metrics: "id version (library-id library-version)".
    public var metricPlugins: [String]
    /// Plugin libraries that could not be used, and metric plugins that failed.
    public var pluginFailures: [PluginCatalog.LibraryFailure]
    /// For one shard of a sharded run: which. Its methods then hold only the outcomes of the shard's own jobs,
    /// and its splits only the seeds it ran on; `fairlab merge` joins the shards into one whole run.
    public var shard: Shard? = nil
    /// Resamples of each seed's test rows behind the bootstrap intervals (0: the run has none).
    public var bootstrapResamples: Int = 0
    /// What the metric plugins said their overall metrics are, in their order (empty for runs before ABI 4).
    public var metricDescriptors: [MetricDescriptor] = []
    /// The dataset's task (runs written before regression datasets were binary).
    public var task: TaskKind = .binary
    /// For a clustering run, the number of clusters its methods were asked for; 0 otherwise.
    public var clusterCount = 0
    /// For a stress run (`fairlab stress`): the injection, its levels and what it did in every (seed, level).
    /// Each outcome then carries its level, and `atLevel` gives the run as one level saw it.
    public var stress: StressRecord? = nil

    /// The run as it was at one stress level: every method with only that level's outcomes (a run without
    /// levels is returned as it is).
    public func atLevel(_ level: Double) -> RunRecord {
        guard stress != nil else { return self }
        var run = self
        run.stress = nil
        for index in run.methods.indices { run.methods[index].outcomes = methods[index].outcomes.filter { $0.level == level } }
        return run
    }

    /// A new run id: `run-` and the UTC time to the second, then 4 random hex digits.
    public static func newID() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let suffix = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        return "run-\(formatter.string(from: Date()))-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }
}

/// The rows of one seed's split, and the test labels and groups every metric is computed from.
public struct SplitRecord: Codable, Sendable {
    public var seed: UInt64
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
    public var testLabels: [Double]
    public var testGroupCodes: [Int32]
}

/// One row of the comparison: a method and what it did on every seed.
public struct MethodRecord: Codable, Sendable {
    /// The method id, or "baseline".
    public var id: String
    public var name: String
    /// "baseline", "pre", "in" or "post".
    public var stage: String
    /// The plugin library's id and version ("fairlab" for the baseline).
    public var plugin: String
    public var pluginVersion: String
    /// The parameters it ran with, as `key=value` pairs.
    public var parameters: String
    public var outcomes: [SeedOutcome]

    /// The id under which the unmitigated baseline appears.
    public static let baselineID = "baseline"
}

/// What one method did on one seed's split.
public struct SeedOutcome: Codable, Sendable {
    public var seed: UInt64
    /// "ok" or "failed".
    public var status: String
    /// Why it failed (empty when ok).
    public var error: String
    public var fitSeconds: Double
    public var predictSeconds: Double
    /// Test predictions and scores (empty / nil when it failed).
    public var predictions: [Double]
    public var scores: [Double]?
    /// For a randomised method: each test row's probability of a favourable prediction (nil otherwise).
    public var probabilities: [Double]? = nil
    /// Every metric value, from every metric plugin.
    public var metrics: MetricValues
    /// Warnings the method logged and fallbacks applied on this seed (empty for most runs).
    public var notes: [String] = []
    /// Each overall metric's value on every bootstrap resample of the seed's test rows, in resample order (empty
    /// when the run has no intervals).
    public var bootstrap: [String: [Double]] = [:]
    /// The injected level, in a stress run (nil otherwise).
    public var level: Double? = nil

    public var succeeded: Bool { status == Self.ok }
    public static let ok = "ok"
    public static let failed = "failed"
}

/// What a stress run injected: the kind and group, the levels, and the rows touched in every (seed, level).
public struct StressRecord: Codable, Sendable {
    public var injection: Injection
    /// Ascending, from 0.
    public var levels: [Double]
    /// One per (seed, level), seed by seed.
    public var injected: [InjectedRows]
}
