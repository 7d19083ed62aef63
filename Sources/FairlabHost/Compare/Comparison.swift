import CFairlabPlugin
import FairlabCore
import Foundation

/// Runs a comparison: the unmitigated baseline and every selected method on the same split(s), each in its
/// own worker process, then every metric plugin over all their predictions.
public struct Comparison {
    /// What to compare and how.
    public struct Options: Sendable {
        public var datasetPath: String
        /// Protected attributes forming the groups (empty: the dataset's first).
        public var protectedAttributes: [String] = []
        /// The seeds, one split per seed.
        public var seeds: [UInt64] = [0]
        /// Method ids to run besides the baseline, which always runs (nil: every mitigation method found;
        /// "baseline" may be named, alone to run only it).
        public var methodIDs: [String]?
        /// Extra plugin folders (`--plugins`).
        public var pluginFolders: [String] = []
        /// Load libraries from world-writable places too.
        public var allowWorldWritablePlugins = false
        /// `--param method.key=value` overrides, by method id then key.
        public var parameterOverrides: [String: [String: String]] = [:]
        /// Which feature columns are standardised before methods see them.
        public var standardization: Standardization = .all
        /// Workers run at once.
        public var jobs: Int = 1
        /// Seconds a worker may run.
        public var timeout: Double = 600
        /// Address-space limit of a worker in MiB (0: none).
        public var memoryLimitMB: Int = 8192
        /// The fairlab executable that workers run (its folder is also searched for plugins).
        public var executablePath: String
        /// Relay every worker's log (plugins' `fl_host.log` lines) to `progress`.
        public var verbose = false
        /// The command line, stored with the run.
        public var command: String = ""
        /// The environment (for FAIRLAB_PLUGIN_PATH).
        public var environment: [String: String] = ProcessInfo.processInfo.environment

        public init(datasetPath: String, executablePath: String) {
            self.datasetPath = datasetPath
            self.executablePath = executablePath
        }
    }

    /// The smallest worker memory limit: below it the Swift runtime and OpenBLAS cannot start.
    public static let minimumMemoryLimitMB = 512

    public let options: Options
    /// Receives one line per progress event (stderr in the CLI).
    public let progress: @Sendable (String) -> Void

    public init(options: Options, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.options = options
        self.progress = progress
    }

    /// Checks the inputs, runs everything and returns the run. Throws only for problems with the inputs
    /// (dataset, method ids, parameters); a failing method becomes a failed row instead.
    public func run() throws -> RunRecord {
        try UntrustedFile.check(options.datasetPath, as: .dataset, executable: options.executablePath, progress: progress)
        let reading = ThrottledProgress(progress)
        let dataset = try DatasetFile.read(options.datasetPath) { reading.reportRows($0, of: $1, reading: options.datasetPath) }
        let partition = try GroupPartition(dataset: dataset, attributes: options.protectedAttributes)
        let workFolder = try TemporaryFolder.make(prefix: "fairlab")
        defer { try? FileManager.default.removeItem(atPath: workFolder) }

        guard options.memoryLimitMB == 0 || options.memoryLimitMB >= Self.minimumMemoryLimitMB else {
            throw FairlabError("--memory-limit must be 0 (none) or at least \(Self.minimumMemoryLimitMB) MiB, which a worker needs to start")
        }
        let pool = WorkerPool(
            executable: options.executablePath, parallelism: options.jobs, timeout: options.timeout,
            memoryLimitMB: options.memoryLimitMB)
        let (catalog, folders) = try PluginCatalog.find(
            executable: options.executablePath, pluginFolders: options.pluginFolders, environment: options.environment,
            allowWorldWritable: options.allowWorldWritablePlugins, pool: pool, workFolder: workFolder)
        progress("found \(catalog.methods.count) methods in \(folders.joined(separator: ", "))")
        for failure in catalog.failures { progress("plugin skipped: \(failure.path): \(failure.reason)") }

        let selected = try selectMethods(catalog)
        var parameters: [String: ResolvedParameters] = [:]
        // Overrides are checked for every method they name, selected or not, so a typo never passes silently.
        for method in catalog.methods where selected.contains(method) || method.stage == .metric || options.parameterOverrides[method.id] != nil {
            parameters[method.id] = try ResolvedParameters(method: method, overrides: options.parameterOverrides[method.id] ?? [:])
        }
        let known = Set((catalog.methods).map(\.id))
        if let unknown = options.parameterOverrides.keys.sorted().first(where: { !known.contains($0) }) {
            throw FairlabError("--param names unknown method '\(unknown)'")
        }
        guard !catalog.metrics.isEmpty else {
            throw FairlabError("no metric plugin found (looked in \(folders.joined(separator: ", ")))")
        }

        if dataset.split != nil, options.seeds.count > 1 {
            progress("note: the dataset fixes its split, so all \(options.seeds.count) seeds share it; only the methods' random streams differ")
        }
        let splits = options.seeds.map { seed -> SplitRecord in
            let split = dataset.split.map(DatasetSplit.init(fixed:))
                ?? DatasetSplit(stratifiedBy: dataset.labels, groups: partition.codes, seed: seed)
            return SplitRecord(
                seed: seed, train: split.train, validation: split.validation, test: split.test,
                testLabels: split.test.map { dataset.labels[$0] }, testGroupCodes: split.test.map { partition.codes[$0] })
        }

        // One task per (method, seed); the baseline first.
        let rows: [MethodInfo?] = [nil] + selected
        var jobs: [(row: Int, seedIndex: Int)] = []
        var tasks: [WorkerTask] = []
        for (row, method) in rows.enumerated() {
            for (seedIndex, split) in splits.enumerated() {
                let name = "job-\(row)-\(seedIndex)"
                let job = MethodJob(
                    datasetPath: options.datasetPath, protectedAttributes: partition.attributeNames, seed: split.seed,
                    train: split.train, validation: split.validation, test: split.test, method: method,
                    parameters: method.map { parameters[$0.id]! }, standardization: options.standardization)
                try WorkerCoding.write(job, to: "\(workFolder)/\(name).json")
                jobs.append((row, seedIndex))
                tasks.append(WorkerTask(
                    arguments: ["worker", WorkerEntry.Kind.method.rawValue, "\(workFolder)/\(name).json", "\(workFolder)/\(name).out.json"],
                    label: "\(method?.id ?? MethodRecord.baselineID) (seed \(split.seed))", logPath: "\(workFolder)/\(name).log"))
            }
        }
        var outcomes = [[SeedOutcome?]](repeating: [SeedOutcome?](repeating: nil, count: splits.count), count: rows.count)
        var done = 0
        progress("running \(tasks.count) jobs (\(rows.count) methods × \(splits.count) seeds, \(options.jobs) at a time)")
        try pool.run(tasks) { index, failure in
            let (row, seedIndex) = jobs[index]
            let seed = splits[seedIndex].seed
            var outcome: SeedOutcome
            do {
                if let failure { throw FairlabError(failure.description) }
                let result: MethodOutcome
                do {
                    result = try WorkerEntry.readReply(MethodOutcome.self, from: "\(workFolder)/job-\(row)-\(seedIndex).out.json")
                } catch where pool.reachedMemoryLimit(index) {
                    throw FairlabError("\(error) (the worker used \(pool.lastPeakMemoryMB[index] ?? 0) MiB of its \(options.memoryLimitMB) MiB memory limit)")
                }
                guard result.predictions.count == splits[seedIndex].test.count else {
                    throw FairlabError("returned \(result.predictions.count) predictions for \(splits[seedIndex].test.count) test rows")
                }
                outcome = SeedOutcome(
                    seed: seed, status: SeedOutcome.ok, error: "", fitSeconds: result.fitSeconds, predictSeconds: result.predictSeconds,
                    predictions: result.predictions, scores: result.scores, probabilities: result.probabilities, metrics: MetricValues(),
                    notes: result.notes)
            } catch {
                outcome = SeedOutcome(
                    seed: seed, status: SeedOutcome.failed, error: "\(error)", fitSeconds: 0, predictSeconds: 0,
                    predictions: [], scores: nil, metrics: MetricValues())
            }
            outcomes[row][seedIndex] = outcome
            if options.verbose {
                for line in WorkerPool.logTail(tasks[index].logPath) { progress("  \(tasks[index].label): \(line)") }
            }
            done += 1
            let detail = outcome.succeeded
                ? String(format: "ok, fit %.3f s", outcome.fitSeconds) + outcome.notes.map { "; note: \($0)" }.joined()
                : "FAILED: \(outcome.error)"
            progress("[\(done)/\(tasks.count)] \(tasks[index].label): \(detail)")
        }

        var pluginFailures = catalog.failures
        let evaluated = try evaluateMetrics(
            catalog.metrics, parameters: parameters, outcomes: outcomes.map { $0.map { $0! } }, splits: splits,
            partition: partition, pool: pool, workFolder: workFolder, failures: &pluginFailures)

        let methods = rows.enumerated().map { row, method in
            MethodRecord(
                id: method?.id ?? MethodRecord.baselineID,
                name: method?.name ?? "Unmitigated logistic regression",
                stage: method?.stage.rawValue ?? MethodRecord.baselineID,
                plugin: method?.libraryID ?? "fairlab", pluginVersion: method?.libraryVersion ?? fairlabVersion,
                parameters: method.map { parameters[$0.id]!.summary } ?? "C=1.0",
                outcomes: evaluated[row])
        }
        return RunRecord(
            id: Self.makeRunID(), createdAt: ISO8601DateFormatter().string(from: Date()), command: options.command,
            datasetPath: options.datasetPath, datasetSHA256: try SHA256.hexDigest(ofFile: options.datasetPath),
            protectedAttributes: partition.attributeNames, groupNames: partition.names, groupPrivileged: partition.privileged,
            seeds: options.seeds, standardization: options.standardization, fairlabVersion: fairlabVersion,
            abiVersion: Int(FAIRLAB_ABI_VERSION), splits: splits,
            methods: methods, metricPlugins: catalog.metrics.map { "\($0.id) \($0.version) (\($0.libraryID) \($0.libraryVersion))" },
            pluginFailures: pluginFailures)
    }

    private func selectMethods(_ catalog: PluginCatalog) throws -> [MethodInfo] {
        guard let ids = options.methodIDs else {
            // Pipeline order (pre, in, post), then id: the table reads as the pipeline does.
            let order = Dictionary(uniqueKeysWithValues: MethodStage.allCases.enumerated().map { ($1, $0) })
            return catalog.mitigations.sorted { (order[$0.stage]!, $0.id) < (order[$1.stage]!, $1.id) }
        }
        if let repeated = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw FairlabError("--methods names \(repeated) twice")
        }
        // The baseline always runs; naming it (alone, to run only it) is allowed.
        return try ids.filter { $0 != MethodRecord.baselineID }.map { id in
            guard let method = catalog.mitigations.first(where: { $0.id == id }) else {
                let known = catalog.mitigations.map(\.id).joined(separator: ", ")
                throw FairlabError("unknown method id '\(id)' (available: \(known.isEmpty ? "none" : known))")
            }
            return method
        }
    }

    /// Runs each metric plugin once, in its own worker, over every successful prediction set.
    private func evaluateMetrics(
        _ metrics: [MethodInfo], parameters: [String: ResolvedParameters], outcomes: [[SeedOutcome]], splits: [SplitRecord],
        partition: GroupPartition, pool: WorkerPool, workFolder: String, failures: inout [PluginCatalog.LibraryFailure]
    ) throws -> [[SeedOutcome]] {
        var outcomes = outcomes
        var positions: [(Int, Int)] = []
        var items: [MetricJob.Item] = []
        for (row, seeds) in outcomes.enumerated() {
            for (seedIndex, outcome) in seeds.enumerated() where outcome.succeeded {
                positions.append((row, seedIndex))
                items.append(MetricJob.Item(
                    labels: splits[seedIndex].testLabels, predictions: outcome.predictions, scores: outcome.scores,
                    groupCodes: splits[seedIndex].testGroupCodes, probabilities: outcome.probabilities))
            }
        }
        guard !items.isEmpty else { return outcomes }
        var tasks: [WorkerTask] = []
        for (index, metric) in metrics.enumerated() {
            let job = MetricJob(
                metric: metric, parameters: parameters[metric.id]!, groupNames: partition.names,
                groupPrivileged: partition.privileged, items: items)
            // As for method jobs: a job that cannot be written (disk full) stops the run, not a row.
            try WorkerCoding.write(job, to: "\(workFolder)/metric-\(index).json")
            tasks.append(WorkerTask(
                arguments: ["worker", WorkerEntry.Kind.metric.rawValue, "\(workFolder)/metric-\(index).json", "\(workFolder)/metric-\(index).out.json"],
                label: metric.id, logPath: "\(workFolder)/metric-\(index).log"))
        }
        progress("computing metrics: \(metrics.map(\.id).joined(separator: ", ")) over \(items.count) prediction sets")
        var collected: [(Int, [MetricValues])] = []
        try pool.run(tasks) { index, failure in
            do {
                if let failure { throw FairlabError(failure.description) }
                let values = try WorkerEntry.readReply([MetricValues].self, from: "\(workFolder)/metric-\(index).out.json")
                guard values.count == items.count else { throw FairlabError("returned \(values.count) results for \(items.count) prediction sets") }
                collected.append((index, values))
            } catch {
                failures.append(.init(path: metrics[index].libraryPath, reason: "metric \(metrics[index].id): \(error)"))
                progress("metric \(metrics[index].id) FAILED: \(error)")
            }
        }
        // Merge in plugin order, so that with two plugins reporting one name the later one is deterministic.
        for (_, values) in collected.sorted(by: { $0.0 < $1.0 }) {
            for (item, (row, seedIndex)) in positions.enumerated() {
                outcomes[row][seedIndex].metrics.overall.merge(values[item].overall) { $1 }
                outcomes[row][seedIndex].metrics.perGroup.merge(values[item].perGroup) { $1 }
            }
        }
        return outcomes
    }

    private static func makeRunID() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let suffix = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        return "run-\(formatter.string(from: Date()))-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }
}
