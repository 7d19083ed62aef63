import FairlabCore
import Foundation

/// A results file: an HDF5 file holding any number of runs, appended by several people and processes
/// (layout in docs/results-format.md).
///
/// Appending never edits the file in place: under an exclusive lock on `FILE.lock`, the current file is copied
/// next to itself, the run is written into the copy and flushed, and the copy is renamed over the original.
/// A writer killed at any moment therefore leaves the original untouched (at worst a stray temporary file),
/// and a second writer waits for the lock instead of interleaving.
public enum ResultsFile {
    /// The value of the root attribute `fairlab_format`.
    public static let formatName = "fairlab-results"
    public static let formatVersion: Int64 = 1
    /// Milliseconds to pause before publishing an append (tests only).
    static let appendPauseVariable = "FAIRLAB_TEST_APPEND_PAUSE_MS"

    /// Throws unless a run could be appended at `path`: its folder exists and is writable.
    public static func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw FairlabError(file: path, "its folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw FairlabError(file: path, "its folder \(folder) is not writable") }
    }

    /// Appends `run` to the results file at `path`, creating it if needed.
    public static func append(_ run: RunRecord, to path: String) throws {
        try checkWritable(path)
        let lock = try FileLock(path: path + ".lock")
        defer { lock.release() }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporaryPrefix = ".\(URL(fileURLWithPath: path).lastPathComponent)."
        // Copies left by writers that were killed mid-append: we hold the lock, so none is in use.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(temporaryPrefix) && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
        let temporary = "\(folder)/\(temporaryPrefix)\(getpid()).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }

        if FileManager.default.fileExists(atPath: path) {
            _ = try runIDs(in: path)  // refuse to append to something that is not a results file
            do {
                try FileManager.default.copyItem(atPath: path, toPath: temporary)
            } catch {
                throw FairlabError(file: path, "cannot copy the results file to append: \(error.localizedDescription)")
            }
        }
        do {
            let file = try HDF5File(path: temporary, mode: FileManager.default.fileExists(atPath: temporary) ? .readWrite : .create)
            if !file.hasAttribute("fairlab_format") {
                try file.setAttribute("fairlab_format", formatName)
                try file.setAttribute("fairlab_format_version", formatVersion)
            }
            try write(run, into: file)
            try file.flush()
        } catch let error as FairlabError {
            // Name the file the user gave, not the temporary copy.
            throw FairlabError(error.message.replacingOccurrences(of: temporary, with: path))
        }
        try syncFile(temporary)
        // Fault-injection point for the durability tests: widens the window between writing the copy and
        // publishing it, so that kills land inside an append.
        if let pause = ProcessInfo.processInfo.environment[appendPauseVariable].flatMap(UInt32.init) { usleep(pause * 1000) }
        guard rename(temporary, path) == 0 else {
            throw FairlabError(file: path, "cannot replace the results file: \(String(cString: strerror(errno)))")
        }
        try syncFile(folder)
    }

    /// The ids of the complete runs in the file, oldest first.
    public static func runIDs(in path: String) throws -> [String] {
        let file = try HDF5File(path: path, mode: .readOnly)
        guard (try? file.stringAttribute("fairlab_format")) == formatName else {
            throw FairlabError(file: path, "not a fairlab results file")
        }
        guard file.exists("/runs") else { return [] }
        let ids = try file.children(of: "/runs").filter { id in
            (try? file.integersAttribute("complete", of: "/runs/\(id)"))?.first == 1
        }
        // Appends are serialised by the lock, so the sequence number orders runs exactly, even within a second.
        let sequence = try Dictionary(uniqueKeysWithValues: ids.map { ($0, try file.integersAttribute("sequence", of: "/runs/\($0)").first ?? 0) })
        return ids.sorted { (sequence[$0]!, $0) < (sequence[$1]!, $1) }
    }

    /// Reads one run back.
    public static func read(runID: String, from path: String) throws -> RunRecord {
        let file = try HDF5File(path: path, mode: .readOnly)
        let base = "/runs/\(runID)"
        guard file.exists(base) else {
            let known = (try? runIDs(in: path))?.joined(separator: ", ") ?? ""
            throw FairlabError(file: path, "no run '\(runID)' (runs: \(known.isEmpty ? "none" : known))")
        }
        func text(_ name: String, _ object: String = base) throws -> String { try file.stringAttribute(name, of: object) }
        let seeds = try file.integersAttribute("seeds", of: base).map { UInt64(bitPattern: $0) }
        let groupNames = try file.stringsAttribute("group_names", of: base)
        // A shard holds only its own seeds' splits and its own jobs' outcomes.
        let shard = file.hasAttribute("shard", of: base) ? try Shard(parsing: try text("shard")) : nil
        func present(_ seeds: [UInt64], under folder: String) -> [UInt64] {
            shard == nil ? seeds : seeds.filter { file.exists("\(folder)/seed_\($0)") }
        }
        var splits: [SplitRecord] = []
        for seed in present(seeds, under: "\(base)/splits") {
            let splitPath = "\(base)/splits/seed_\(seed)"
            splits.append(SplitRecord(
                seed: seed, train: try file.readIntegers("\(splitPath)/train_index").map { Int($0) },
                validation: try file.readIntegers("\(splitPath)/validation_index").map { Int($0) },
                test: try file.readIntegers("\(splitPath)/test_index").map { Int($0) },
                testLabels: try file.readDoubles("\(splitPath)/y_true", rank: 1).values,
                testGroupCodes: try file.readIntegers("\(splitPath)/group_codes").map { code in
                    guard code >= 0, code < groupNames.count else { throw FairlabError(file: path, "\(splitPath)/group_codes holds \(code), not a group") }
                    return Int32(code)
                }))
        }
        let methodIDs = try file.stringsAttribute("method_order", of: base)
        let methods = try methodIDs.map { id -> MethodRecord in
            let methodPath = "\(base)/methods/\(id)"
            let outcomes = try present(seeds, under: methodPath).map { seed -> SeedOutcome in
                let seedPath = "\(methodPath)/seed_\(seed)"
                let status = try text("status", seedPath)
                var metrics = MetricValues()
                if status == SeedOutcome.ok {
                    let names = try file.readStrings("\(seedPath)/metrics/overall_names")
                    let values = try file.readDoubles("\(seedPath)/metrics/overall_values", rank: 1).values
                    guard names.count == values.count, Set(names).count == names.count else {
                        throw FairlabError(file: path, "\(seedPath)/metrics has \(names.count) overall names for \(values.count) values, or repeats one")
                    }
                    metrics.overall = Dictionary(uniqueKeysWithValues: zip(names, values))
                    let groupMetricNames = try file.readStrings("\(seedPath)/metrics/per_group_names")
                    let (shape, groupValues) = try file.readDoubles("\(seedPath)/metrics/per_group_values", rank: 2)
                    guard shape == [groupMetricNames.count, groupNames.count], Set(groupMetricNames).count == groupMetricNames.count else {
                        throw FairlabError(file: path, "\(seedPath)/metrics has a wrong shape or a repeated name")
                    }
                    for (index, name) in groupMetricNames.enumerated() {
                        metrics.perGroup[name] = Array(groupValues[(index * groupNames.count)..<((index + 1) * groupNames.count)])
                    }
                }
                return SeedOutcome(
                    seed: seed, status: status, error: try text("error", seedPath),
                    fitSeconds: try file.doublesAttribute("fit_seconds", of: seedPath).first ?? 0,
                    predictSeconds: try file.doublesAttribute("predict_seconds", of: seedPath).first ?? 0,
                    predictions: status == SeedOutcome.ok ? try file.readDoubles("\(seedPath)/y_pred", rank: 1).values : [],
                    scores: file.exists("\(seedPath)/y_score") ? try file.readDoubles("\(seedPath)/y_score", rank: 1).values : nil,
                    probabilities: file.exists("\(seedPath)/y_prob") ? try file.readDoubles("\(seedPath)/y_prob", rank: 1).values : nil,
                    metrics: metrics,
                    notes: file.hasAttribute("notes", of: seedPath) ? try file.stringsAttribute("notes", of: seedPath) : [])
            }
            return MethodRecord(
                id: id, name: try text("name", methodPath), stage: try text("stage", methodPath), plugin: try text("plugin", methodPath),
                pluginVersion: try text("plugin_version", methodPath), parameters: try text("parameters", methodPath), outcomes: outcomes)
        }
        let failurePaths = try file.stringsAttribute("plugin_failure_paths", of: base)
        let failureReasons = try file.stringsAttribute("plugin_failure_reasons", of: base)
        guard failurePaths.count == failureReasons.count else { throw FairlabError(file: path, "\(base) has unmatched plugin failure lists") }
        return RunRecord(
            id: runID, createdAt: try text("created_at"), command: try text("command"), datasetPath: try text("dataset_path"),
            datasetSHA256: try text("dataset_sha256"), protectedAttributes: try file.stringsAttribute("protected", of: base),
            groupNames: groupNames, groupPrivileged: try file.integersAttribute("group_privileged", of: base).map { $0 != 0 },
            seeds: seeds, standardization: try standardization(of: base, in: file, path: path), fairlabVersion: try text("fairlab_version"),
            abiVersion: Int(try file.integersAttribute("abi_version", of: base).first ?? 0), splits: splits, methods: methods,
            metricPlugins: try file.stringsAttribute("metric_plugins", of: base),
            pluginFailures: zip(failurePaths, failureReasons).map { PluginCatalog.LibraryFailure(path: $0, reason: $1) }, shard: shard)
    }

    private static func write(_ run: RunRecord, into file: HDF5File) throws {
        let base = "/runs/\(run.id)"
        guard !file.exists(base) else { throw FairlabError(file: file.path, "run \(run.id) is already in the file") }
        let sequence = Int64(file.exists("/runs") ? try file.children(of: "/runs").count + 1 : 1)
        try file.createGroup(base)
        try file.setAttribute("complete", of: base, Int64(0))
        try file.setAttribute("sequence", of: base, sequence)
        try file.setAttribute("created_at", of: base, run.createdAt)
        try file.setAttribute("command", of: base, run.command)
        try file.setAttribute("dataset_path", of: base, run.datasetPath)
        try file.setAttribute("dataset_sha256", of: base, run.datasetSHA256)
        try file.setAttribute("protected", of: base, run.protectedAttributes)
        try file.setAttribute("group_names", of: base, run.groupNames)
        try file.setAttribute("group_privileged", of: base, run.groupPrivileged.map { Int64($0 ? 1 : 0) })
        try file.setAttribute("seeds", of: base, run.seeds.map { Int64(bitPattern: $0) })
        try file.setAttribute("standardize", of: base, run.standardization.rawValue)
        try file.setAttribute("fairlab_version", of: base, run.fairlabVersion)
        try file.setAttribute("abi_version", of: base, Int64(run.abiVersion))
        try file.setAttribute("method_order", of: base, run.methods.map(\.id))
        try file.setAttribute("metric_plugins", of: base, run.metricPlugins)
        try file.setAttribute("plugin_failure_paths", of: base, run.pluginFailures.map(\.path))
        try file.setAttribute("plugin_failure_reasons", of: base, run.pluginFailures.map(\.reason))
        if let shard = run.shard { try file.setAttribute("shard", of: base, shard.description) }
        for split in run.splits {
            let splitPath = "\(base)/splits/seed_\(split.seed)"
            try file.createGroup(splitPath)
            try file.writeIntegers("\(splitPath)/train_index", split.train.map { Int64($0) })
            try file.writeIntegers("\(splitPath)/validation_index", split.validation.map { Int64($0) })
            try file.writeIntegers("\(splitPath)/test_index", split.test.map { Int64($0) })
            try file.writeDoubles("\(splitPath)/y_true", split.testLabels, shape: [split.testLabels.count])
            try file.writeIntegers("\(splitPath)/group_codes", split.testGroupCodes)
        }
        for method in run.methods {
            let methodPath = "\(base)/methods/\(method.id)"
            try file.createGroup(methodPath)
            try file.setAttribute("name", of: methodPath, method.name)
            try file.setAttribute("stage", of: methodPath, method.stage)
            try file.setAttribute("plugin", of: methodPath, method.plugin)
            try file.setAttribute("plugin_version", of: methodPath, method.pluginVersion)
            try file.setAttribute("parameters", of: methodPath, method.parameters)
            for outcome in method.outcomes {
                let seedPath = "\(methodPath)/seed_\(outcome.seed)"
                try file.createGroup(seedPath)
                try file.setAttribute("status", of: seedPath, outcome.status)
                try file.setAttribute("error", of: seedPath, outcome.error)
                if !outcome.notes.isEmpty { try file.setAttribute("notes", of: seedPath, outcome.notes) }
                try file.setAttribute("fit_seconds", of: seedPath, outcome.fitSeconds)
                try file.setAttribute("predict_seconds", of: seedPath, outcome.predictSeconds)
                guard outcome.succeeded else { continue }
                try file.writeDoubles("\(seedPath)/y_pred", outcome.predictions, shape: [outcome.predictions.count])
                if let scores = outcome.scores { try file.writeDoubles("\(seedPath)/y_score", scores, shape: [scores.count]) }
                if let probabilities = outcome.probabilities {
                    try file.writeDoubles("\(seedPath)/y_prob", probabilities, shape: [probabilities.count])
                }
                let overall = outcome.metrics.overall.sorted { $0.key < $1.key }
                let perGroup = outcome.metrics.perGroup.sorted { $0.key < $1.key }
                try file.createGroup("\(seedPath)/metrics")
                try file.writeStrings("\(seedPath)/metrics/overall_names", overall.map(\.key))
                try file.writeDoubles("\(seedPath)/metrics/overall_values", overall.map(\.value), shape: [overall.count])
                try file.writeStrings("\(seedPath)/metrics/per_group_names", perGroup.map(\.key))
                try file.writeDoubles(
                    "\(seedPath)/metrics/per_group_values", perGroup.flatMap(\.value), shape: [perGroup.count, run.groupNames.count])
            }
        }
        // Last: only a run whose every part was written counts as complete.
        try file.setAttribute("complete", of: base, Int64(1))
    }

    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FairlabError(file: path, "cannot open to sync") }
        fsync(descriptor)
        close(descriptor)
    }
}

/// An exclusive advisory lock (`flock`) on a lock file, held until released or the process ends.
struct FileLock {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw FairlabError(file: path, "cannot create the lock file: \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX) == 0 else {
            close(descriptor)
            throw FairlabError(file: path, "cannot lock: \(String(cString: strerror(errno)))")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

}

/// A run's `standardize` attribute; a run written before fairlab recorded it standardised every column.
private func standardization(of base: String, in file: HDF5File, path: String) throws -> Standardization {
    guard file.hasAttribute("standardize", of: base) else { return .all }
    let text = try file.stringAttribute("standardize", of: base)
    guard let value = Standardization(rawValue: text) else { throw FairlabError(file: path, "\(base) has an unknown standardize attribute '\(text)'") }
    return value
}
