import FairlabCore
import Foundation

/// A run reduced to what a comparison table shows: per method, the mean and spread of every metric over the
/// seeds that succeeded. The standard deviation is the sample one (n − 1); with one seed it is absent.
public struct ComparisonSummary: Codable, Sendable {
    /// Mean, sample standard deviation (nil for one value) and number of seeds of one metric.
    public struct Statistic: Codable, Sendable, Equatable {
        public let mean: Double
        public let std: Double?
        public let count: Int

        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            count = values.count
            mean = values.reduce(0, +) / Double(values.count)
            if values.count > 1 {
                let m = mean
                std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            } else {
                std = nil
            }
        }
    }

    /// One method's row.
    public struct Row: Codable, Sendable {
        public let id: String
        public let name: String
        public let stage: String
        public let plugin: String
        public let pluginVersion: String
        public let parameters: String
        public let seedsSucceeded: Int
        public let seedsRun: Int
        /// Distinct failure reasons.
        public let errors: [String]
        /// Distinct notes of the seeds that succeeded (warnings the method logged, fallbacks applied).
        public let notes: [String]
        public let fitSeconds: Statistic?
        public let predictSeconds: Statistic?
        /// Overall and between-group metrics.
        public let metrics: [String: Statistic]
        /// Per-group metrics: metric → one statistic per group (nil where undefined).
        public let perGroup: [String: [Statistic?]]

        /// Whether the method's predictions were randomised and its expected metrics were computed.
        public var hasExpectedMetrics: Bool { metrics[ComparisonSummary.expectedPrefix + "accuracy"] != nil }

        /// "ok", "failed", or "2/3 ok".
        public var status: String {
            seedsSucceeded == seedsRun ? "ok" : seedsSucceeded == 0 ? "failed" : "\(seedsSucceeded)/\(seedsRun) ok"
        }
    }

    public let runID: String
    public let createdAt: String
    public let datasetPath: String
    public let datasetSHA256: String
    public let protectedAttributes: [String]
    public let groupNames: [String]
    public let groupPrivileged: [Bool]
    public let seeds: [UInt64]
    /// Which feature columns were standardised.
    public let standardization: Standardization
    public let testRows: [Int]
    public let fairlabVersion: String
    public let abiVersion: Int
    public let rows: [Row]
    public let metricPlugins: [String]
    public let pluginFailures: [PluginCatalog.LibraryFailure]
    /// For a shard of a sharded run: which (its table shows only the methods it ran).
    public let shard: Shard?

    /// The prefix of a metric's expected value over a randomised method's draws ("expected_accuracy").
    public static let expectedPrefix = "expected_"

    /// The metrics the comparison table shows, with their column headers, in order.
    public static let tableColumns: [(metric: String, header: String)] = [
        ("accuracy", "Accuracy"), ("balanced_accuracy", "Bal. acc."), ("statistical_parity_difference", "Stat. parity diff."),
        ("disparate_impact", "Disparate impact"), ("equal_opportunity_difference", "Equal opp. diff."),
        ("average_odds_difference", "Avg. odds diff."), ("equalized_odds_difference", "Eq. odds diff."),
        ("theil_index", "Theil index"),
    ]

    /// Summarises `run`.
    public init(_ run: RunRecord) {
        runID = run.id
        createdAt = run.createdAt
        datasetPath = run.datasetPath
        datasetSHA256 = run.datasetSHA256
        protectedAttributes = run.protectedAttributes
        groupNames = run.groupNames
        groupPrivileged = run.groupPrivileged
        seeds = run.seeds
        standardization = run.standardization
        testRows = run.splits.map(\.test.count)
        fairlabVersion = run.fairlabVersion
        abiVersion = run.abiVersion
        pluginFailures = run.pluginFailures
        metricPlugins = run.metricPlugins
        shard = run.shard
        rows = run.methods.filter { run.shard == nil || !$0.outcomes.isEmpty }.map { method in
            let succeeded = method.outcomes.filter(\.succeeded)
            var metrics: [String: Statistic] = [:]
            for name in Set(succeeded.flatMap { $0.metrics.overall.keys }) {
                metrics[name] = Statistic(succeeded.compactMap { $0.metrics.overall[name] }.filter { !$0.isNaN })
            }
            var perGroup: [String: [Statistic?]] = [:]
            for name in Set(succeeded.flatMap { $0.metrics.perGroup.keys }) {
                perGroup[name] = run.groupNames.indices.map { group in
                    Statistic(succeeded.compactMap { $0.metrics.perGroup[name]?[group] }.filter { !$0.isNaN })
                }
            }
            var errors: [String] = []
            for outcome in method.outcomes where !outcome.succeeded && !errors.contains(outcome.error) { errors.append(outcome.error) }
            var notes: [String] = []
            for note in succeeded.flatMap(\.notes) where !notes.contains(note) { notes.append(note) }
            return Row(
                id: method.id, name: method.name, stage: method.stage, plugin: method.plugin, pluginVersion: method.pluginVersion,
                parameters: method.parameters, seedsSucceeded: succeeded.count, seedsRun: method.outcomes.count, errors: errors, notes: notes,
                fitSeconds: Statistic(succeeded.map(\.fitSeconds)), predictSeconds: Statistic(succeeded.map(\.predictSeconds)),
                metrics: metrics, perGroup: perGroup)
        }
    }
}
