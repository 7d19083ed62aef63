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

    /// The sizes of one seed's split.
    public struct SplitSize: Codable, Sendable {
        /// The split's seed.
        public let seed: UInt64
        /// Training rows.
        public let train: Int
        /// Validation rows.
        public let validation: Int
        /// Test rows.
        public let test: Int
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
        /// Bootstrap intervals of the overall metrics (empty when the run has none).
        public let intervals: [String: BootstrapInterval]

        /// Whether the method's predictions were randomised and its expected metrics were computed.
        public var hasExpectedMetrics: Bool { metrics[ComparisonSummary.expectedPrefix + "accuracy"] != nil }

        /// Whether the stored metric `name` (prefix included) rests on fewer seeds than the method ran on (a seed
        /// failed, or the value was undefined on it); false where it has no value at all.
        public func isPartial(_ name: String) -> Bool {
            guard let statistic = metrics[name] else { return false }
            return statistic.count < seedsRun
        }

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
    /// The dataset's task.
    public let task: TaskKind
    public let testRows: [Int]
    /// Each seed's split sizes.
    public let splitSizes: [SplitSize]
    /// The command line that made the run.
    public let command: String
    public let fairlabVersion: String
    public let abiVersion: Int
    public let rows: [Row]
    public let metricPlugins: [String]
    public let pluginFailures: [PluginCatalog.LibraryFailure]
    /// For a shard of a sharded run: which (its table shows only the methods it ran).
    public let shard: Shard?
    /// Resamples of each seed's test rows behind the intervals (0: none).
    public let bootstrapResamples: Int

    /// Resamples a run draws for its intervals unless told otherwise.
    public static let defaultBootstrapResamples = 1000

    /// The prefix of a metric's expected value over a randomised method's draws ("expected_accuracy").
    public static let expectedPrefix = "expected_"

    /// What the run's metric plugins said their overall metrics are (empty for runs before ABI 4).
    public let metricDescriptors: [MetricDescriptor]
    /// What the selection rule picked, when one was given.
    public private(set) var selection: Selection?
    /// For one level of a stress run (`export --level`): what was injected there, which the description of the run
    /// says in Markdown, LaTeX and HTML (the table alone reads like a comparison on clean data) and the JSON holds;
    /// CSV has no description line.
    public var stressLevel: String?

    /// The overall metrics a table shows as columns, in order: those the metric plugins described, in their
    /// order, then any other the run has, by name. A randomised method's expected values are not columns of
    /// their own: they fill its "(expected)" row.
    public var columns: [MetricDescriptor] { metrics(includingExpected: false) }

    /// Every overall metric the run has, in table order: the described in their plugins' order, then the others
    /// by name; the expected values of randomised methods too when `includingExpected`.
    public func metrics(includingExpected: Bool) -> [MetricDescriptor] {
        let present = Set(rows.flatMap { $0.metrics.keys }).filter { includingExpected || !$0.hasPrefix(Self.expectedPrefix) }
        let described = metricDescriptors.filter { present.contains($0.metric) }
        let others = present.subtracting(described.map(\.metric)).sorted().map(MetricDescriptor.init(undescribed:))
        return described + others
    }

    /// The descriptor of `metric` (an undescribed one's when the plugin gave none).
    public func descriptor(of metric: String) -> MetricDescriptor {
        metricDescriptors.first { $0.metric == metric } ?? MetricDescriptor(undescribed: metric)
    }

    /// Summarises `run`, picking a method by `rule` when one is given (whose metrics must be the run's).
    public init(_ run: RunRecord, selecting rule: SelectionRule? = nil, file: String? = nil) throws {
        runID = run.id
        createdAt = run.createdAt
        datasetPath = run.datasetPath
        datasetSHA256 = run.datasetSHA256
        protectedAttributes = run.protectedAttributes
        groupNames = run.groupNames
        groupPrivileged = run.groupPrivileged
        seeds = run.seeds
        standardization = run.standardization
        task = run.task
        testRows = run.splits.map(\.test.count)
        splitSizes = run.splits.map { SplitSize(seed: $0.seed, train: $0.train.count, validation: $0.validation.count, test: $0.test.count) }
        command = run.command
        fairlabVersion = run.fairlabVersion
        abiVersion = run.abiVersion
        pluginFailures = run.pluginFailures
        metricPlugins = run.metricPlugins
        shard = run.shard
        bootstrapResamples = run.bootstrapResamples
        metricDescriptors = run.metricDescriptors.isEmpty ? MetricDescriptor.beforeDescriptors : run.metricDescriptors
        let baselineOutcomes = run.methods.first { $0.id == MethodRecord.baselineID }?.outcomes.filter(\.succeeded)
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
            var intervals: [String: BootstrapInterval] = [:]
            for name in Set(succeeded.flatMap { $0.bootstrap.keys }) {
                intervals[name] = BootstrapInterval(
                    metric: name, outcomes: succeeded, baseline: method.id == MethodRecord.baselineID ? nil : baselineOutcomes)
            }
            var errors: [String] = []
            for outcome in method.outcomes where !outcome.succeeded && !errors.contains(outcome.error) { errors.append(outcome.error) }
            var notes: [String] = []
            for note in succeeded.flatMap(\.notes) where !notes.contains(note) { notes.append(note) }
            return Row(
                id: method.id, name: method.name, stage: method.stage, plugin: method.plugin, pluginVersion: method.pluginVersion,
                parameters: method.parameters, seedsSucceeded: succeeded.count, seedsRun: method.outcomes.count, errors: errors, notes: notes,
                fitSeconds: Statistic(succeeded.map(\.fitSeconds)), predictSeconds: Statistic(succeeded.map(\.predictSeconds)),
                metrics: metrics, perGroup: perGroup, intervals: intervals)
        }
        if let rule {
            try rule.check(against: Set(rows.flatMap { $0.metrics.keys }), file: file)
            selection = Selection(rule: rule, summary: self)
        }
    }
}
