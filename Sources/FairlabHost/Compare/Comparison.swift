import CFairlabPlugin
import FairlabCore
import Foundation

/// Runs a comparison: the unmitigated baseline and every selected method on the same split(s), each in its
/// own worker process, then every metric plugin over all their predictions.
public struct Comparison: Sendable {
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
        /// Method ids to leave out of the methods found (`--skip`; not with `methodIDs`).
        public var skippedMethodIDs: [String] = []
        /// Extra plugin folders (`--plugins`).
        public var pluginFolders: [String] = []
        /// Load libraries from world-writable places too.
        public var allowWorldWritablePlugins = false
        /// `--param method.key=value` overrides, by method id then key.
        public var parameterOverrides: [String: [String: String]] = [:]
        /// Which feature columns are standardised before methods see them.
        public var standardization: Standardization = .numeric
        /// The slice of the (method, seed) grid to run (nil: all of it).
        public var shard: Shard?
        /// For a stress run: the bias injected, and the levels every method runs at on every seed.
        public var stress: StressPlan?
        /// For a clustering dataset: the number of clusters, instead of the one the dataset asks for.
        public var clusters: Int?
        /// For a clustering dataset: the k-means++ starts of every k-means fit (scikit-learn's `n_init`; nil: 10).
        public var kMeansStarts: Int?
        /// Resamples of each seed's test rows behind every metric's bootstrap interval (0: no intervals).
        public var bootstrapResamples: Int = ComparisonSummary.defaultBootstrapResamples
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
        /// Whether the caller writes the run to a results file afterwards (`--out`): the host then loads libhdf5
        /// while the workers run. Without one, no HDF5 is needed, and loading it would take a core from them.
        public var writesResults = false
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
    ///
    /// The run is a sequence of steps that read and write files in a private work folder: a prepare worker reads
    /// the dataset (the run's only reading of it) and writes one prepared split per seed; one worker per
    /// (method, seed) maps its seed's split, the baseline first, writing its scores for the seed's post-processing
    /// jobs; one worker per metric plugin evaluates every prediction set.
    public func run() throws -> RunRecord {
        // A signal while the run holds its work folder stops it at its next pool, or at its end, so that the folder
        // is removed (the caller's append, after, is safe to kill).
        try WorkerPool.catchingInterrupts { try runInWorkFolder() }
    }

    private func runInWorkFolder() throws -> RunRecord {
        guard options.memoryLimitMB == 0 || options.memoryLimitMB >= Self.minimumMemoryLimitMB else {
            throw FairlabError("--memory-limit must be 0 (none) or at least \(Self.minimumMemoryLimitMB) MiB, which a worker needs to start")
        }
        guard FileManager.default.fileExists(atPath: options.datasetPath) else { throw FairlabError(file: options.datasetPath, "no such file") }
        if let starts = options.kMeansStarts, !(1...1_000).contains(starts) { throw FairlabError("--n-init must be between 1 and 1000") }
        let workFolder = try TemporaryFolder.make(prefix: "fairlab")
        defer { try? FileManager.default.removeItem(atPath: workFolder) }
        let pool = WorkerPool(
            executable: options.executablePath, parallelism: options.jobs, timeout: options.timeout,
            memoryLimitMB: options.memoryLimitMB)
        // Without shards every seed is prepared whatever the plugins are, so the prepare worker reads the dataset
        // while another describes the plugins (on Adult's four-job run the describing worker was a sixth of the wall
        // time); a shard's seeds depend on its methods, so it prepares after.
        let cancellation = WorkerCancellation()
        let comparison = self
        let earlyPrepare = options.shard == nil
            ? BackgroundStep { try comparison.prepare(seeds: comparison.options.seeds, workFolder: workFolder, cancellation: cancellation) }
            : nil
        // Whatever ends this function, the prepare thread has stopped before the work folder goes (this `defer`
        // runs before the folder's): cancelling a finished step changes nothing.
        defer {
            cancellation.cancel()
            _ = try? earlyPrepare?.value()
        }
        let (catalog, folders) = try PluginCatalog.find(
            executable: options.executablePath, pluginFolders: options.pluginFolders, environment: options.environment,
            allowWorldWritable: options.allowWorldWritablePlugins, pool: pool, workFolder: workFolder)

        // The plugins are described, so a core is about to be free: the worker template starts there, before the
        // prepare step ends, and every job's worker is then a copy of it (see `WorkerPool.startTemplate`).
        pool.startTemplate()
        let selected = try selectMethods(catalog)
        // An override must be for a method that runs: one for an unknown method is a typo, and one for a method
        // left out of --methods would silently change nothing.
        let known = Set((catalog.methods).map(\.id)), running = Set(selected.map(\.id) + catalog.metrics.map(\.id))
        for id in options.parameterOverrides.keys.sorted() where !running.contains(id) {
            let key = options.parameterOverrides[id]?.keys.sorted().first.map { ".\($0)" } ?? ""
            throw FairlabError(known.contains(id)
                ? "--param \(id)\(key): method '\(id)' is not being run (add it to --methods)"
                : "--param names unknown method '\(id)'")
        }
        var parameters: [String: ResolvedParameters] = [:]
        for method in catalog.methods where running.contains(method.id) {
            parameters[method.id] = try ResolvedParameters(method: method, overrides: options.parameterOverrides[method.id] ?? [:])
        }
        guard !catalog.metrics.isEmpty else {
            let failed = catalog.failures.first.map { "; \(catalog.failures.count) plugin libraries failed to load, e.g. \($0.path): \($0.reason)" } ?? ""
            throw FairlabError("no metric plugin found (looked in \(folders.joined(separator: ", ")))\(failed)")
        }

        // The grid: one job per (method, condition), the baseline's row first, a condition being a seed, or for a
        // stress run a (seed, level); a shard owns a slice of it, and runs a baseline it does not own when one of
        // its post-processing jobs needs that baseline's scores.
        let rows: [MethodInfo?] = [nil] + selected
        let seeds = options.seeds
        let levels: [Double?] = options.stress.map { $0.levels.map { Optional($0) } } ?? [nil]
        let conditionCount = seeds.count * levels.count
        let owned = rows.indices.map { row in (0..<conditionCount).map { options.shard?.owns(job: row * conditionCount + $0) ?? true } }
        let baselineNeeded = (0..<conditionCount).map { condition in
            rows.indices.contains { row in owned[row][condition] && (row == 0 || rows[row]?.stage == .post) }
        }
        let seedIndices = seeds.indices.filter { seedIndex in
            rows.indices.contains { row in levels.indices.contains { owned[row][seedIndex * levels.count + $0] } }
        }
        if let shard = options.shard {
            let count = owned.joined().filter { $0 }.count
            progress("shard \(shard): \(count) of the \(rows.count * conditionCount) jobs, on \(seedIndices.count) of \(seeds.count) seeds")
        }

        let prepared = try earlyPrepare?.value() ?? prepare(seeds: seedIndices.map { seeds[$0] }, workFolder: workFolder)
        // Not earlier: while the dataset is read and the plugins described, both cores are busy.
        if options.writesResults { HDF5File.loadInBackground() }
        // Reported once the dataset has read cleanly, so a bad dataset's error stands alone.
        progress("found \(catalog.methods.count) methods in \(folders.joined(separator: ", "))")
        for failure in catalog.failures { progress("plugin skipped: \(failure.path): \(failure.reason)") }
        if prepared.fixedSplit, seeds.count > 1 {
            progress("note: the dataset fixes its split, so all \(seeds.count) seeds share it; only the methods' random streams differ")
        }
        // Methods and metrics run only on data of a task they declared. Ownership of the grid was dealt before the
        // task was known (the host never reads the dataset itself), over the same rows in every shard, so leaving
        // a row out here leaves it out of every shard alike.
        let task = prepared.task
        let unsuited = selected.filter { !$0.handles(task) }
        if options.methodIDs != nil, !unsuited.isEmpty {
            throw FairlabError(file: options.datasetPath, "the dataset is \(task.rawValue), which \(unsuited.map(\.id).joined(separator: ", ")) cannot handle (they declare \(Set(unsuited.flatMap(\.taskKinds)).map(\.rawValue).sorted().joined(separator: ", ")) only)")
        }
        if !unsuited.isEmpty {
            progress("skipped \(unsuited.count) methods that do not handle \(task.rawValue) data: \(unsuited.map(\.id).joined(separator: ", "))")
        }
        let runs = rows.map { $0?.handles(task) ?? true }
        if options.kMeansStarts != nil, task != .clustering {
            throw FairlabError(file: options.datasetPath, "--n-init is for a clustering dataset; this one is \(task.rawValue)")
        }
        let kMeansStarts = options.kMeansStarts ?? BaseLearner.defaultKMeansStarts
        let metrics = catalog.metrics.filter { $0.handles(task) }
        guard !metrics.isEmpty else {
            throw FairlabError(file: options.datasetPath, "no metric plugin handles \(task.rawValue) data (found: \(catalog.metrics.map(\.id).joined(separator: ", ")))")
        }
        let idleMetrics = catalog.metrics.filter { !$0.handles(task) }
        if !idleMetrics.isEmpty {
            progress("metrics for other tasks not used: \(idleMetrics.map(\.id).joined(separator: ", "))")
        }
        // A clustering's ids are renamed to match the baseline's (`ClusterAlignment`), so every shard runs the
        // baseline wherever it runs a method, recorded or not.
        let baselineRuns = (0..<conditionCount).map { condition in
            baselineNeeded[condition] || (task == .clustering && rows.indices.contains { runs[$0] && owned[$0][condition] })
        }
        // Position of each seed in the prepared run.
        var preparedIndex: [Int: Int] = [:]
        for (position, seedIndex) in seedIndices.enumerated() { preparedIndex[seedIndex] = position }

        // The tasks: every baseline first, then the other methods condition by condition (each seed and level in
        // turn, every method on it), so the first conditions show what each method takes and the estimate of the
        // time left (`RemainingTime`) is sound early; a post-processing job waits for its condition's baseline.
        var jobs: [(row: Int, seedIndex: Int, levelIndex: Int, recorded: Bool)] = []
        var tasks: [WorkerTask] = []
        var channels: [WorkerChannel] = []
        var baselineTask: [Int: Int] = [:]
        let conditions: [(seedIndex: Int, levelIndex: Int)] = seedIndices.flatMap { seedIndex in levels.indices.map { (seedIndex, $0) } }
        let methodRows = rows.indices.filter { runs[$0] && $0 != 0 }
        var order: [(row: Int, seedIndex: Int, levelIndex: Int)] = runs[0] ? conditions.map { (0, $0.seedIndex, $0.levelIndex) } : []
        for condition in conditions { order += methodRows.map { ($0, condition.seedIndex, condition.levelIndex) } }
        for (row, seedIndex, levelIndex) in order {
            let method = rows[row], level = levels[levelIndex]
            let split = prepared.splits[preparedIndex[seedIndex]!]
            let grid = seedIndex * levels.count + levelIndex
            guard owned[row][grid] || (row == 0 && baselineRuns[grid]) else { continue }
            // Its position among the prepared conditions (the prepare step prepared only this shard's seeds).
            let condition = preparedIndex[seedIndex]! * levels.count + levelIndex
            let name = "job-\(row)-\(seedIndex)-\(levelIndex)"
            let scoresPath = "\(workFolder)/baseline-scores-\(seedIndex)-\(levelIndex).f64"
            let channel = WorkerChannel(.method, folder: workFolder, name: name)
            try channel.writeJob(MethodJob(
                splitPath: prepared.splitPaths[condition], seed: split.seed, method: method,
                parameters: method.map { parameters[$0.id]! },
                baselineScoresPath: row == 0 || method?.stage == .post ? scoresPath : nil,
                labelsPath: prepared.labelPaths.isEmpty ? nil : prepared.labelPaths[condition], kMeansStarts: kMeansStarts))
            let label = "\(method?.id ?? MethodRecord.baselineID) (seed \(split.seed)\(level.map { ", level \(Injection.levelText($0))" } ?? ""))"
                + (owned[row][grid] ? "" : ", for this shard's other methods")
            let dependencies = method?.stage == .post ? [baselineTask[condition]!] : []
            if row == 0 { baselineTask[condition] = tasks.count }
            jobs.append((row, seedIndex, levelIndex, owned[row][grid]))
            channels.append(channel)
            tasks.append(channel.task(label: label, after: dependencies))
        }
        var outcomes = [[SeedOutcome?]](repeating: [SeedOutcome?](repeating: nil, count: seeds.count * levels.count), count: rows.count)
        // Each condition's baseline predictions, recorded by this shard or not: a clustering's reference names.
        var baselinePredictions: [Int: [Double]] = [:]
        var done = 0
        var remaining = RemainingTime(kinds: jobs.map(\.row))
        let started = Date()
        progress("running \(tasks.count) jobs (\(runs.filter { $0 }.count) methods × \(seedIndices.count) seeds"
            + (options.stress.map { " × \($0.levels.count) levels of \($0.injection)" } ?? "") + ", \(options.jobs) at a time)")
        try pool.run(tasks) { index, failure in
            let (row, seedIndex, levelIndex, recorded) = jobs[index]
            let split = prepared.splits[preparedIndex[seedIndex]!]
            var outcome: SeedOutcome
            do {
                if let failure { throw FairlabError(failure.description) }
                let result: MethodOutcome
                do {
                    let reply = try channels[index].readReply(MethodReply.self)
                    guard reply.testRows == split.test.count else {
                        throw FairlabError("returned \(reply.testRows) predictions for \(split.test.count) test rows")
                    }
                    result = MethodOutcome(reply, arrays: try channels[index].readArrays(counts: reply.arrayCounts))
                    // The worker checked them; the host indexes by them (alignment), so it checks the reply too.
                    if task == .clustering, let bad = result.predictions.first(where: { !ClusterAlignment.isClusterID($0, count: prepared.clusterCount) }) {
                        throw FairlabError("returned \(bad), which is not a cluster id 0 to \(prepared.clusterCount - 1)")
                    }
                } catch where pool.reachedMemoryLimit(index) {
                    throw FairlabError("\(error) (the worker used \(pool.lastPeakMemoryMB[index] ?? 0) MiB of its \(options.memoryLimitMB) MiB memory limit)")
                }
                outcome = SeedOutcome(
                    seed: split.seed, status: SeedOutcome.ok, error: "", fitSeconds: result.fitSeconds, predictSeconds: result.predictSeconds,
                    predictions: result.predictions, scores: result.scores, probabilities: result.probabilities, metrics: MetricValues(),
                    notes: result.notes)
            } catch {
                outcome = SeedOutcome(
                    seed: split.seed, status: SeedOutcome.failed, error: "\(error)", fitSeconds: 0, predictSeconds: 0,
                    predictions: [], scores: nil, metrics: MetricValues())
            }
            outcome.level = levels[levelIndex]
            if row == 0, outcome.succeeded { baselinePredictions[seedIndex * levels.count + levelIndex] = outcome.predictions }
            if recorded { outcomes[row][seedIndex * levels.count + levelIndex] = outcome }
            if options.verbose {
                for line in WorkerPool.logTail(tasks[index].logPath) { progress("  \(tasks[index].label): \(line)") }
            }
            done += 1
            remaining.finished(
                task: index, seconds: outcome.succeeded ? outcome.fitSeconds + outcome.predictSeconds : nil, failedAfter: pool.lastRunSeconds[index] ?? 0)
            let detail = outcome.succeeded
                ? String(format: "ok, fit %.3f s", outcome.fitSeconds) + outcome.notes.map { "; note: \($0)" }.joined()
                : "FAILED: \(outcome.error)"
            // The clock from 5 s on: a quick run's lines stay as they were.
            let elapsed = Date().timeIntervalSince(started)
            let clock = elapsed < 5 || done == tasks.count ? ""
                : ", \(RemainingTime.clock(elapsed)) elapsed" + (remaining.secondsLeft(elapsed: elapsed).map { ", about \(RemainingTime.clock($0)) left" } ?? "")
            progress("[\(done)/\(tasks.count)\(clock)] \(tasks[index].label): \(detail)")
        }

        if task == .clustering {
            // The baseline's clusters named by size, every other method's to match them on the same test rows.
            let k = prepared.clusterCount
            let references = baselinePredictions.mapValues { ClusterAlignment.bySize($0, clusterCount: k) }
            for row in rows.indices {
                for grid in outcomes[row].indices {
                    guard let outcome = outcomes[row][grid], outcome.succeeded else { continue }
                    outcomes[row][grid]!.predictions = references[grid].map { ClusterAlignment.matching(outcome.predictions, to: $0, clusterCount: k) }
                        ?? ClusterAlignment.bySize(outcome.predictions, clusterCount: k)
                }
            }
        }

        var pluginFailures = catalog.failures
        let kept = rows.indices.filter { runs[$0] }
        let evaluated = try evaluateMetrics(
            metrics, parameters: parameters, outcomes: kept.map { outcomes[$0].compactMap { $0 } },
            splits: Dictionary(uniqueKeysWithValues: prepared.splits.map { ($0.seed, $0) }), groupNames: prepared.groupNames,
            groupPrivileged: prepared.groupPrivileged, task: task, pool: pool, workFolder: workFolder, failures: &pluginFailures,
            clusterCount: prepared.clusterCount,
            // Each seed's first condition's split: its test rows are the seed's at every stress level.
            splitPaths: Dictionary(uniqueKeysWithValues: prepared.splits.enumerated().map { ($1.seed, prepared.splitPaths[$0 * levels.count]) }))

        let baseLearner = BaseLearner.for(task, clusterCount: prepared.clusterCount, kMeansStarts: kMeansStarts)
        let methods = kept.enumerated().map { position, row in
            let method = rows[row]
            return MethodRecord(
                id: method?.id ?? MethodRecord.baselineID,
                name: method?.name ?? "Unmitigated \(baseLearner.name)",
                stage: method?.stage.rawValue ?? MethodRecord.baselineID,
                plugin: method?.libraryID ?? "fairlab", pluginVersion: method?.libraryVersion ?? fairlabVersion,
                parameters: method.map { parameters[$0.id]!.summary } ?? baseLearner.parameters,
                outcomes: evaluated.outcomes[position])
        }
        return RunRecord(
            id: RunRecord.newID(), createdAt: ISO8601DateFormatter().string(from: Date()), command: options.command,
            datasetPath: options.datasetPath, datasetSHA256: prepared.datasetSHA256,
            protectedAttributes: prepared.protectedAttributes, groupNames: prepared.groupNames, groupPrivileged: prepared.groupPrivileged,
            seeds: seeds, standardization: options.standardization, fairlabVersion: fairlabVersion,
            abiVersion: Int(FAIRLAB_ABI_VERSION), splits: prepared.splits,
            methods: methods, metricPlugins: metrics.map { "\($0.id) \($0.version) (\($0.libraryID) \($0.libraryVersion))" },
            pluginFailures: pluginFailures, shard: options.shard, bootstrapResamples: options.bootstrapResamples,
            metricDescriptors: evaluated.descriptors, task: task, clusterCount: prepared.clusterCount,
            stress: options.stress.map { StressRecord(injection: $0.injection, levels: $0.levels, injected: prepared.injected) })
    }

    /// The prepare step, in a worker: reads the dataset (as an untrusted file) and writes the seeds' splits.
    private func prepare(seeds: [UInt64], workFolder: String, cancellation: WorkerCancellation? = nil) throws -> PreparedRun {
        let channel = WorkerChannel(.prepare, folder: workFolder, name: "prepare")
        try channel.writeJob(PrepareJob(
            datasetPath: options.datasetPath, protectedAttributes: options.protectedAttributes, seeds: seeds,
            standardization: options.standardization, stress: options.stress, folder: workFolder, clusters: options.clusters))
        var prepared: PreparedRun = try UntrustedFile.read(
            options.datasetPath, through: channel, executable: options.executablePath, cancellation: cancellation, progress: progress)
        prepared.attach(try channel.readArrays(counts: prepared.splitArrayCounts))
        return prepared
    }

    private func selectMethods(_ catalog: PluginCatalog) throws -> [MethodInfo] {
        guard let ids = options.methodIDs else {
            for id in options.skippedMethodIDs where !catalog.mitigations.contains(where: { $0.id == id }) {
                throw FairlabError("--skip names unknown method id '\(id)' (available: \(catalog.mitigations.map(\.id).joined(separator: ", ")))")
            }
            // Pipeline order (pre, in, post), then id: the table reads as the pipeline does.
            let order = Dictionary(uniqueKeysWithValues: MethodStage.allCases.enumerated().map { ($1, $0) })
            return catalog.mitigations.filter { !options.skippedMethodIDs.contains($0.id) }
                .sorted { (order[$0.stage]!, $0.id) < (order[$1.stage]!, $1.id) }
        }
        if let repeated = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw FairlabError("--methods names \(repeated) twice")
        }
        // The baseline always runs; naming it (alone, to run only it) is allowed.
        return try ids.filter { $0 != MethodRecord.baselineID }.map { id in
            guard let method = catalog.mitigations.first(where: { $0.id == id }) else {
                let known = catalog.mitigations.map(\.id).joined(separator: ", ")
                // The method may be in a library that failed to load: say so, with the first reason.
                let failed = catalog.failures.first.map {
                    "; \(catalog.failures.count) plugin libraries failed to load, e.g. \($0.path): \($0.reason)"
                } ?? ""
                throw FairlabError("unknown method id '\(id)' (available: \(known.isEmpty ? "none" : known))\(failed)")
            }
            return method
        }
    }

    /// Runs each metric plugin over every successful prediction set and, when the run asks for intervals, over
    /// each seed's bootstrap resamples: one worker per (metric plugin, seed), so the resampling of several seeds
    /// runs in parallel.
    private func evaluateMetrics(
        _ metrics: [MethodInfo], parameters: [String: ResolvedParameters], outcomes: [[SeedOutcome]], splits: [UInt64: SplitRecord],
        groupNames: [String], groupPrivileged: [Bool], task: TaskKind, pool: WorkerPool, workFolder: String,
        failures: inout [PluginCatalog.LibraryFailure], clusterCount: Int, splitPaths: [UInt64: String]
    ) throws -> (outcomes: [[SeedOutcome]], descriptors: [MetricDescriptor]) {
        var outcomes = outcomes
        // Per seed, in the run's seed order: the (row, position) of each successful outcome on it (a stress run's
        // every level: they share the seed's clean test rows and its resamples).
        var positionsBySeed: [(seed: UInt64, positions: [(Int, Int)])] = []
        for (row, seeds) in outcomes.enumerated() {
            for (position, outcome) in seeds.enumerated() where outcome.succeeded {
                if let index = positionsBySeed.firstIndex(where: { $0.seed == outcome.seed }) {
                    positionsBySeed[index].positions.append((row, position))
                } else {
                    positionsBySeed.append((outcome.seed, [(row, position)]))
                }
            }
        }
        guard !positionsBySeed.isEmpty else { return (outcomes, []) }
        var jobs: [(metric: Int, seedIndex: Int, items: [MetricJob.ItemShape])] = []
        var tasks: [WorkerTask] = []
        var channels: [WorkerChannel] = []
        for (seedIndex, (seed, positions)) in positionsBySeed.enumerated() {
            let split = splits[seed]!
            let items = positions.map { row, position in
                let outcome = outcomes[row][position]
                return MetricJob.Item(
                    labels: split.testLabels, predictions: outcome.predictions, scores: outcome.scores,
                    groupCodes: split.testGroupCodes, probabilities: outcome.probabilities)
            }
            // One copy of the seed's prediction sets, read by every metric plugin's worker.
            let arraysPath = "\(workFolder)/metric-items-\(seedIndex).f64"
            try MetricJob.writeItems(items, to: arraysPath)
            for (index, metric) in metrics.enumerated() {
                let channel = WorkerChannel(.metric, folder: workFolder, name: "metric-\(index)-\(seedIndex)")
                // As for method jobs: a job that cannot be written (disk full) stops the run, not a row.
                try channel.writeJob(MetricJob(
                    metric: metric, parameters: parameters[metric.id]!, groupNames: groupNames, groupPrivileged: groupPrivileged,
                    seed: seed, bootstrapResamples: options.bootstrapResamples, arraysPath: arraysPath, items: items.map(\.shape), task: task,
                    clusterCount: clusterCount, featuresSplitPath: metric.needs(FL_NEEDS_FEATURES) ? splitPaths[seed] : nil))
                jobs.append((index, seedIndex, items.map(\.shape)))
                channels.append(channel)
                tasks.append(channel.task(label: positionsBySeed.count > 1 ? "\(metric.id) (seed \(seed))" : metric.id))
            }
        }
        let itemCount = positionsBySeed.map(\.positions.count).reduce(0, +)
        progress("computing metrics: \(metrics.map(\.id).joined(separator: ", ")) over \(itemCount) prediction sets"
            + (options.bootstrapResamples > 0 ? " and \(options.bootstrapResamples) bootstrap resamples of each" : ""))
        var collected: [(Int, MetricReply, [[Double]])] = []
        var failedMetrics = Set<Int>()
        try pool.run(tasks) { index, failure in
            let job = jobs[index]
            do {
                if let failure { throw FairlabError(failure.description) }
                let reply = try channels[index].readReply(MetricReply.self)
                guard reply.values.count == job.items.count, reply.replicateNames.count == job.items.count else {
                    throw FairlabError("returned \(reply.values.count) results for \(job.items.count) prediction sets")
                }
                let counts = reply.replicateNames.flatMap { names in names.map { _ in options.bootstrapResamples } }
                collected.append((index, reply, try channels[index].readArrays(counts: counts)))
            } catch {
                let metric = metrics[job.metric]
                // A metric plugin that fails on any seed is reported once and contributes to no seed.
                if failedMetrics.insert(job.metric).inserted {
                    failures.append(.init(path: metric.libraryPath, reason: "metric \(metric.id): \(error)"))
                    progress("metric \(metric.id) FAILED: \(error)")
                }
            }
        }
        // Merge in plugin order, so that with two plugins reporting one name the later one is deterministic.
        var descriptors: [MetricDescriptor] = []
        for (index, reply, replicates) in collected.sorted(by: { $0.0 < $1.0 }) where !failedMetrics.contains(jobs[index].metric) {
            for descriptor in reply.descriptors {
                if let known = descriptors.firstIndex(where: { $0.metric == descriptor.metric }) {
                    descriptors[known] = descriptor
                } else {
                    descriptors.append(descriptor)
                }
            }
            var arrays = replicates[...]
            for (item, (row, position)) in positionsBySeed[jobs[index].seedIndex].positions.enumerated() {
                outcomes[row][position].metrics.overall.merge(reply.values[item].overall) { $1 }
                outcomes[row][position].metrics.perGroup.merge(reply.values[item].perGroup) { $1 }
                for name in reply.replicateNames[item] { outcomes[row][position].bootstrap[name] = arrays.removeFirst() }
            }
        }
        return (outcomes, descriptors)
    }
}
