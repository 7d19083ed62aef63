import FairlabCore
import Foundation

/// A results file: an HDF5 file holding any number of runs, appended by several people and processes
/// (layout in docs/results-format.md).
///
/// Each run appended is written to a file of its own in the folder `FILE.runs` beside it, and `FILE` itself is
/// the index: `/runs/<id>` is a link into that run's file (an HDF5 external link, which h5py and every HDF5
/// reader follow). Appending never edits a file in place: under an exclusive lock on `FILE.lock`, the run's file
/// is written, flushed and renamed into place, then the index is copied next to itself, the link added to the
/// copy, and the copy flushed and renamed over the index. A writer killed at any moment leaves every earlier
/// run reachable (at worst a stray temporary file, or a run file no index links to), a second writer waits for
/// the lock, and since the index holds links rather than runs, an append costs the same whatever the number of
/// runs already there. Files written before this layout, with runs inside the index, read and append as before.
public enum ResultsFile {
    /// The value of the root attribute `fairlab_format`.
    public static let formatName = "fairlab-results"
    public static let formatVersion: Int64 = 1
    /// Milliseconds to pause before publishing an append (tests only).
    static let appendPauseVariable = "FAIRLAB_TEST_APPEND_PAUSE_MS"

    /// Throws unless a run could be appended at `path`: it can be written (`OutputFile.checkWritable`), and neither
    /// of its companions is in the way: its runs folder (`path.runs`) is not a file, its lock file not a folder.
    public static func checkWritable(_ path: String) throws {
        try OutputFile.checkWritable(path)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path + runsFolderSuffix, isDirectory: &isFolder), !isFolder.boolValue {
            throw FairlabError(file: path, "its runs folder \(path + runsFolderSuffix) is a file")
        }
        if FileManager.default.fileExists(atPath: path + ".lock", isDirectory: &isFolder), isFolder.boolValue {
            throw FairlabError(file: path, "its lock file \(path).lock is a folder")
        }
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
        let runsFolder = path + runsFolderSuffix
        for name in (try? FileManager.default.contentsOfDirectory(atPath: runsFolder)) ?? [] where name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(atPath: "\(runsFolder)/\(name)")
        }
        let temporary = "\(folder)/\(temporaryPrefix)\(getpid()).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let exists = FileManager.default.fileExists(atPath: path)
        if exists { _ = try runIDs(in: path) }  // refuses what is not a results file
        // Counted from the index's links, without opening the runs' files: the cost stays flat as runs accumulate.
        let sequence = Int64(exists ? try runCount(in: path) + 1 : 1)

        // The run's own file, complete and durable before any index can name it.
        let runName = "\(run.id).h5"
        let runPath = "\(runsFolder)/\(runName)"
        guard !FileManager.default.fileExists(atPath: runPath) else { throw FairlabError(file: path, "run \(run.id) is already in the file") }
        do {
            try FileManager.default.createDirectory(atPath: runsFolder, withIntermediateDirectories: true)
        } catch {
            throw FairlabError(file: path, "cannot create its runs folder \(runsFolder): \(error.localizedDescription)")
        }
        let runTemporary = "\(runsFolder)/.\(runName).\(getpid()).tmp"
        defer { try? FileManager.default.removeItem(atPath: runTemporary) }
        try publish(runTemporary, as: runPath) { file in try write(run, sequence: sequence, at: "/run", into: file) }

        if exists {
            do {
                try FileManager.default.copyItem(atPath: path, toPath: temporary)
            } catch {
                throw FairlabError(file: path, "cannot copy the results file to append: \(error.localizedDescription)")
            }
        }
        try publish(temporary, as: path) { file in
            if !file.hasAttribute("fairlab_format") {
                try file.setAttribute("fairlab_format", formatName)
                try file.setAttribute("fairlab_format_version", formatVersion)
            }
            try file.createGroup("/runs")
            guard !file.exists("/runs/\(run.id)") else { throw FairlabError(file: path, "run \(run.id) is already in the file") }
            // Relative to the index's folder, so the index and its runs folder can move together.
            try file.createExternalLink(
                "/runs/\(run.id)", file: "\(URL(fileURLWithPath: path).lastPathComponent)\(runsFolderSuffix)/\(runName)", object: "/run")
        }
    }

    /// The folder beside a results file `FILE` holding its runs' files: `FILE.runs`.
    public static let runsFolderSuffix = ".runs"

    /// Writes a file at `temporary` (creating it, or opening the copy already there), flushes and syncs it, and
    /// renames it to `path`, syncing the folder: `path` is replaced only by a complete file.
    private static func publish(_ temporary: String, as path: String, _ body: (HDF5File) throws -> Void) throws {
        do {
            let file = try HDF5File(path: temporary, mode: FileManager.default.fileExists(atPath: temporary) ? .readWrite : .create)
            try body(file)
            try file.flush()
        } catch let error as FairlabError {
            // Name the file the user gave, not the temporary copy.
            throw FairlabError(error.message.replacingOccurrences(of: temporary, with: path))
        }
        try syncFile(temporary)
        // Fault-injection point for the durability tests: widens the window between writing a file and
        // publishing it, so that kills land inside an append.
        if let pause = ProcessInfo.processInfo.environment[appendPauseVariable].flatMap(UInt32.init) { usleep(pause * 1000) }
        guard rename(temporary, path) == 0 else {
            throw FairlabError(file: path, "cannot replace the file: \(String(cString: strerror(errno)))")
        }
        try syncFile(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// The file and group holding run `id` of the results file `index`: a linked run file, or the index itself
    /// for a run stored inline; nil when the linked file is missing.
    ///
    /// A linked run is looked for in the index's own runs folder, under the file name the link gives, whatever
    /// folder the link names: an index renamed together with its folder (`a.h5`, `a.h5.runs` to `b.h5`,
    /// `b.h5.runs`) still reads, and a crafted link cannot lead out of the folder. A link that is not a plain
    /// `FOLDER.runs/NAME` is refused.
    private static func location(of id: String, in index: HDF5File) throws -> (file: HDF5File, base: String)? {
        let base = "/runs/\(id)"
        guard let link = index.externalLink(base) else { return (index, base) }
        let parts = link.file.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasSuffix(runsFolderSuffix), !parts[1].isEmpty, !parts[1].hasPrefix("."),
              link.object == "/run" else {
            throw FairlabError(file: index.path, "\(base) links to \(link.file):\(link.object), not to a run in its runs folder")
        }
        let runPath = index.path + runsFolderSuffix + "/" + parts[1]
        guard FileManager.default.fileExists(atPath: runPath) else { return nil }
        return (try HDF5File(path: runPath, mode: .readOnly), link.object)
    }

    /// The runs the index links or holds, complete or not.
    private static func runCount(in path: String) throws -> Int {
        let file = try HDF5File(path: path, mode: .readOnly)
        return file.exists("/runs") ? try file.children(of: "/runs").count : 0
    }

    /// The id of the latest complete run in the file; throws, saying why, when there is none (`completeRunIDs`).
    public static func latestRunID(in path: String) throws -> String {
        try completeRunIDs(in: path).last!
    }

    /// The ids of the complete runs in the file, oldest first (`runIDs`); throws, saying why, when there is none: an
    /// index whose runs' files are all missing (copied without its runs folder) says so, not that it holds no run.
    public static func completeRunIDs(in path: String) throws -> [String] {
        let ids = try runIDs(in: path)
        guard ids.isEmpty else { return ids }
        let missing = try runsWithoutFiles(in: path)
        guard missing == 0 else {
            throw FairlabError(
                file: path, (missing == 1 ? "the file of its one run is" : "the file of each of its \(missing) runs is")
                    + " missing from \(path)\(runsFolderSuffix) (a results file's .runs folder must stay beside it)")
        }
        throw FairlabError(file: path, "the file holds no complete run")
    }

    /// How many of the runs the index links have no file in its runs folder.
    public static func runsWithoutFiles(in path: String) throws -> Int {
        let index = try HDF5File(path: path, mode: .readOnly)
        guard index.exists("/runs") else { return 0 }
        return try index.children(of: "/runs").filter { try location(of: $0, in: index) == nil }.count
    }

    /// The ids of the complete runs in the file, oldest first. A run whose file is missing from the runs folder
    /// is left out here (so the others stay listed and the file still takes appends); reading it names the file.
    public static func runIDs(in path: String) throws -> [String] {
        let file = try HDF5File(path: path, mode: .readOnly)
        guard (try? file.stringAttribute("fairlab_format")) == formatName else {
            throw FairlabError(file: path, "not a fairlab results file")
        }
        guard file.exists("/runs") else { return [] }
        var sequence: [String: Int64] = [:]
        for id in try file.children(of: "/runs") {
            guard let (runFile, base) = try location(of: id, in: file),
                  (try? runFile.integersAttribute("complete", of: base))?.first == 1 else { continue }
            sequence[id] = try runFile.integersAttribute("sequence", of: base).first ?? 0
        }
        // Appends are serialised by the lock, so the sequence number orders runs exactly, even within a second.
        return sequence.keys.sorted { (sequence[$0]!, $0) < (sequence[$1]!, $1) }
    }

    /// A run's stored `shard` attribute, refused as the file's damage (not as an option the user gave) when it is not K/M.
    private static func storedShard(_ text: String, of base: String, in path: String) throws -> Shard {
        do {
            return try Shard(parsing: text)
        } catch {
            throw FairlabError(file: path, "\(base) has a shard attribute '\(text)' that is not K/M with 1 ≤ K ≤ M")
        }
    }

    /// Which shard run `runID` is (`compare --shard`), read from its attributes alone; nil for a whole run.
    public static func shard(ofRun runID: String, in path: String) throws -> Shard? {
        let index = try HDF5File(path: path, mode: .readOnly)
        guard let (file, base) = try location(of: runID, in: index), file.hasAttribute("shard", of: base) else { return nil }
        return try storedShard(try file.stringAttribute("shard", of: base), of: base, in: path)
    }

    /// Reads one run back; without `predictions`, each outcome's test predictions, scores and probabilities are
    /// left out (empty and nil), which is all a table, an export or a report needs and halves the reading.
    public static func read(runID: String, from path: String, predictions readPredictions: Bool = true) throws -> RunRecord {
        let index = try HDF5File(path: path, mode: .readOnly)
        // An id is one name, never a path inside the file.
        guard !runID.isEmpty, !runID.contains("/"), index.exists("/runs/\(runID)") else {
            let known = (try? runIDs(in: path))?.joined(separator: ", ") ?? ""
            throw FairlabError(file: path, "no run '\(runID)' (runs: \(known.isEmpty ? "none" : known))")
        }
        guard let (file, base) = try location(of: runID, in: index) else {
            throw FairlabError(
                file: path, "run \(runID)'s file is missing from \(path)\(runsFolderSuffix) (a results file's .runs folder must stay beside it)")
        }
        // As `runIDs` lists only complete runs, only those are read: an incomplete one's writer was stopped midway.
        guard (try? file.integersAttribute("complete", of: base))?.first == 1 else {
            throw FairlabError(file: path, "run \(runID) is incomplete (its writer stopped before it finished)")
        }
        func text(_ name: String, _ object: String = base) throws -> String { try file.stringAttribute(name, of: object) }
        let seeds = try file.integersAttribute("seeds", of: base).map { UInt64(bitPattern: $0) }
        guard Set(seeds).count == seeds.count else { throw FairlabError(file: path, "\(base) lists a seed twice") }
        let groupNames = try file.stringsAttribute("group_names", of: base)
        let groupPrivileged = try file.integersAttribute("group_privileged", of: base).map { $0 != 0 }
        guard groupPrivileged.count == groupNames.count else {
            throw FairlabError(file: path, "\(base) has \(groupPrivileged.count) group_privileged flags for \(groupNames.count) groups")
        }
        // A shard holds only its own seeds' splits and its own jobs' outcomes.
        let shard = file.hasAttribute("shard", of: base) ? try storedShard(try text("shard"), of: base, in: path) : nil
        func present(_ seeds: [UInt64], under folder: String) -> [UInt64] {
            shard == nil ? seeds : seeds.filter { file.exists("\(folder)/seed_\($0)") }
        }
        var splits: [SplitRecord] = []
        for seed in present(seeds, under: "\(base)/splits") {
            let splitPath = "\(base)/splits/seed_\(seed)"
            let split = SplitRecord(
                seed: seed, train: try file.readIntegers("\(splitPath)/train_index").map { Int($0) },
                validation: try file.readIntegers("\(splitPath)/validation_index").map { Int($0) },
                test: try file.readIntegers("\(splitPath)/test_index").map { Int($0) },
                testLabels: try file.readDoubles("\(splitPath)/y_true", rank: 1).values,
                testGroupCodes: try file.readIntegers("\(splitPath)/group_codes").map { code in
                    guard code >= 0, code < groupNames.count else { throw FairlabError(file: path, "\(splitPath)/group_codes holds \(code), not a group") }
                    return Int32(code)
                })
            guard split.testLabels.count == split.test.count, split.testGroupCodes.count == split.test.count else {
                throw FairlabError(file: path, "\(splitPath) has \(split.test.count) test rows but \(split.testLabels.count) labels and \(split.testGroupCodes.count) group codes")
            }
            splits.append(split)
        }
        let testRows = Dictionary(uniqueKeysWithValues: splits.map { ($0.seed, $0.test.count) })
        // Runs written before fairlab computed intervals have none.
        let bootstrapResamples = file.hasAttribute("bootstrap_resamples", of: base)
            ? Int(try file.integersAttribute("bootstrap_resamples", of: base).first ?? 0) : 0
        guard bootstrapResamples >= 0 else { throw FairlabError(file: path, "\(base) has a negative bootstrap_resamples") }
        let stress = try stressRecord(of: base, in: file, path: path, seeds: seeds)
        // A stress run's outcomes are per (seed, level), any other run's per seed.
        let conditions: [(seed: UInt64, level: Double?, name: String)] = present(seeds, under: "\(base)/splits").flatMap { seed in
            stress.map { $0.levels.enumerated().map { (seed, $1, outcomeName(seed: seed, levelIndex: $0)) } } ?? [(seed, nil, "seed_\(seed)")]
        }
        let methodIDs = try file.stringsAttribute("method_order", of: base)
        let methods = try methodIDs.map { id -> MethodRecord in
            let methodPath = "\(base)/methods/\(id)"
            let outcomes = try conditions.filter { shard == nil || file.exists("\(methodPath)/\($0.name)") }.map { seed, level, name -> SeedOutcome in
                let seedPath = "\(methodPath)/\(name)"
                if let level, try file.doublesAttribute("stress_level", of: seedPath) != [level] {
                    throw FairlabError(file: path, "\(seedPath) is not marked stress level \(Injection.levelText(level)), as its name says")
                }
                let status = try text("status", seedPath)
                var metrics = MetricValues()
                var bootstrap: [String: [Double]] = [:]
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
                    if file.exists("\(seedPath)/metrics/bootstrap_names") {
                        let replicateNames = try file.readStrings("\(seedPath)/metrics/bootstrap_names")
                        let (shape, replicates) = try file.readDoubles("\(seedPath)/metrics/bootstrap_values", rank: 2)
                        guard shape == [replicateNames.count, bootstrapResamples], Set(replicateNames).count == replicateNames.count else {
                            throw FairlabError(file: path, "\(seedPath)/metrics/bootstrap_values is not \(replicateNames.count) × \(bootstrapResamples) or repeats a name")
                        }
                        for (index, name) in replicateNames.enumerated() {
                            bootstrap[name] = Array(replicates[(index * bootstrapResamples)..<((index + 1) * bootstrapResamples)])
                        }
                    }
                }
                // Each of a method's test arrays has one value for each of its split's test rows.
                func testArray(_ name: String) throws -> [Double] {
                    let values = try file.readDoubles("\(seedPath)/\(name)", rank: 1).values
                    guard values.count == testRows[seed] else {
                        throw FairlabError(file: path, "\(seedPath)/\(name) has \(values.count) values for \(testRows[seed] ?? 0) test rows")
                    }
                    return values
                }
                return SeedOutcome(
                    seed: seed, status: status, error: try text("error", seedPath),
                    fitSeconds: try file.doublesAttribute("fit_seconds", of: seedPath).first ?? 0,
                    predictSeconds: try file.doublesAttribute("predict_seconds", of: seedPath).first ?? 0,
                    predictions: readPredictions && status == SeedOutcome.ok ? try testArray("y_pred") : [],
                    scores: readPredictions && file.exists("\(seedPath)/y_score") ? try testArray("y_score") : nil,
                    probabilities: readPredictions && file.exists("\(seedPath)/y_prob") ? try testArray("y_prob") : nil,
                    metrics: metrics,
                    notes: file.hasAttribute("notes", of: seedPath) ? try file.stringsAttribute("notes", of: seedPath) : [],
                    bootstrap: bootstrap, level: level)
            }
            return MethodRecord(
                id: id, name: try text("name", methodPath), stage: try text("stage", methodPath), plugin: try text("plugin", methodPath),
                pluginVersion: try text("plugin_version", methodPath), parameters: try text("parameters", methodPath), outcomes: outcomes)
        }
        let failurePaths = try file.stringsAttribute("plugin_failure_paths", of: base)
        let failureReasons = try file.stringsAttribute("plugin_failure_reasons", of: base)
        guard failurePaths.count == failureReasons.count else { throw FairlabError(file: path, "\(base) has unmatched plugin failure lists") }
        let runTask = try task(of: base, in: file, path: path)
        return RunRecord(
            id: runID, createdAt: try text("created_at"), command: try text("command"), datasetPath: try text("dataset_path"),
            datasetSHA256: try text("dataset_sha256"), protectedAttributes: try file.stringsAttribute("protected", of: base),
            groupNames: groupNames, groupPrivileged: groupPrivileged,
            seeds: seeds, standardization: try standardization(of: base, in: file, path: path), fairlabVersion: try text("fairlab_version"),
            abiVersion: Int(try file.integersAttribute("abi_version", of: base).first ?? 0), splits: splits, methods: methods,
            metricPlugins: try file.stringsAttribute("metric_plugins", of: base),
            pluginFailures: zip(failurePaths, failureReasons).map { PluginCatalog.LibraryFailure(path: $0, reason: $1) }, shard: shard,
            bootstrapResamples: bootstrapResamples, metricDescriptors: try metricDescriptors(of: base, in: file, path: path),
            task: runTask, clusterCount: try clusterCount(of: base, in: file, path: path, task: runTask, splits: splits), stress: stress)
    }

    /// Writes `run` into the group `base` of `file`, with its place in the append order.
    static func write(_ run: RunRecord, sequence: Int64, at base: String, into file: HDF5File) throws {
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
        try file.setAttribute("task", of: base, run.task.rawValue)
        if run.task == .clustering { try file.setAttribute("clusters", of: base, Int64(run.clusterCount)) }
        try file.setAttribute("fairlab_version", of: base, run.fairlabVersion)
        try file.setAttribute("abi_version", of: base, Int64(run.abiVersion))
        try file.setAttribute("method_order", of: base, run.methods.map(\.id))
        try file.setAttribute("metric_plugins", of: base, run.metricPlugins)
        try file.setAttribute("plugin_failure_paths", of: base, run.pluginFailures.map(\.path))
        try file.setAttribute("plugin_failure_reasons", of: base, run.pluginFailures.map(\.reason))
        if let shard = run.shard { try file.setAttribute("shard", of: base, shard.description) }
        try file.setAttribute("bootstrap_resamples", of: base, Int64(run.bootstrapResamples))
        try file.setAttribute("metric_descriptor_names", of: base, run.metricDescriptors.map(\.metric))
        try file.setAttribute("metric_descriptor_display_names", of: base, run.metricDescriptors.map(\.displayName))
        try file.setAttribute("metric_descriptor_kinds", of: base, run.metricDescriptors.map(\.kind.rawValue))
        try file.setAttribute("metric_descriptor_ideals", of: base, run.metricDescriptors.map { $0.ideal ?? .nan })
        for split in run.splits {
            let splitPath = "\(base)/splits/seed_\(split.seed)"
            try file.createGroup(splitPath)
            try file.writeIntegers("\(splitPath)/train_index", split.train.map { Int64($0) })
            try file.writeIntegers("\(splitPath)/validation_index", split.validation.map { Int64($0) })
            try file.writeIntegers("\(splitPath)/test_index", split.test.map { Int64($0) })
            try file.writeDoubles("\(splitPath)/y_true", split.testLabels, shape: [split.testLabels.count])
            try file.writeIntegers("\(splitPath)/group_codes", split.testGroupCodes)
        }
        if let stress = run.stress {
            try file.setAttribute("stress_injection", of: base, stress.injection.description)
            try file.setAttribute("stress_levels", of: base, stress.levels)
            for rows in stress.injected {
                guard let levelIndex = stress.levels.firstIndex(of: rows.level) else {
                    throw FairlabError("the stress run has injected rows at level \(Injection.levelText(rows.level)), not one of its levels")
                }
                let rowsPath = "\(base)/stress/\(outcomeName(seed: rows.seed, levelIndex: levelIndex))"
                try file.createGroup(rowsPath)
                try file.setAttribute("level", of: rowsPath, [rows.level])
                try file.writeIntegers("\(rowsPath)/rows", rows.rows.map { Int64($0) })
                if !rows.proxy.isEmpty { try file.writeDoubles("\(rowsPath)/proxy", rows.proxy, shape: [rows.proxy.count]) }
            }
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
                let levelIndex = outcome.level.flatMap { run.stress?.levels.firstIndex(of: $0) }
                guard (levelIndex == nil) == (run.stress == nil) else {
                    throw FairlabError("\(method.id) has an outcome whose level is not one of the run's")
                }
                let seedPath = "\(methodPath)/\(levelIndex.map { outcomeName(seed: outcome.seed, levelIndex: $0) } ?? "seed_\(outcome.seed)")"
                try file.createGroup(seedPath)
                if let level = outcome.level { try file.setAttribute("stress_level", of: seedPath, [level]) }
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
                if !outcome.bootstrap.isEmpty {
                    let replicates = outcome.bootstrap.sorted { $0.key < $1.key }
                    guard replicates.allSatisfy({ $0.value.count == run.bootstrapResamples }) else {
                        throw FairlabError("\(seedPath) has bootstrap replicates of a length other than the run's \(run.bootstrapResamples) resamples")
                    }
                    try file.writeStrings("\(seedPath)/metrics/bootstrap_names", replicates.map(\.key))
                    try file.writeDoubles(
                        "\(seedPath)/metrics/bootstrap_values", replicates.flatMap(\.value), shape: [replicates.count, run.bootstrapResamples])
                }
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

/// A run's metric descriptors; a run written before metric plugins described their metrics has none.
private func metricDescriptors(of base: String, in file: HDF5File, path: String) throws -> [MetricDescriptor] {
    guard file.hasAttribute("metric_descriptor_names", of: base) else { return [] }
    let names = try file.stringsAttribute("metric_descriptor_names", of: base)
    let displayNames = try file.stringsAttribute("metric_descriptor_display_names", of: base)
    let kinds = try file.stringsAttribute("metric_descriptor_kinds", of: base)
    let ideals = try file.doublesAttribute("metric_descriptor_ideals", of: base)
    guard displayNames.count == names.count, kinds.count == names.count, ideals.count == names.count else {
        throw FairlabError(file: path, "\(base) has metric descriptor lists of different lengths")
    }
    return try names.indices.map { index in
        guard let kind = MetricDescriptor.Kind(rawValue: kinds[index]) else {
            throw FairlabError(file: path, "\(base) describes metric \(names[index]) with an unknown kind '\(kinds[index])'")
        }
        return MetricDescriptor(metric: names[index], displayName: displayNames[index], kind: kind, ideal: ideals[index].isNaN ? nil : ideals[index])
    }
}

/// A run's `standardize` attribute; a run written before fairlab recorded it standardised every column.
private func standardization(of base: String, in file: HDF5File, path: String) throws -> Standardization {
    guard file.hasAttribute("standardize", of: base) else { return .all }
    let text = try file.stringAttribute("standardize", of: base)
    guard let value = Standardization(rawValue: text) else { throw FairlabError(file: path, "\(base) has an unknown standardize attribute '\(text)'") }
    return value
}

/// A clustering run's k: one value, at least 2 and at most its smallest training split (which the run checked
/// before it began); other runs have none.
private func clusterCount(of base: String, in file: HDF5File, path: String, task: TaskKind, splits: [SplitRecord]) throws -> Int {
    guard task == .clustering else { return 0 }
    let values = file.hasAttribute("clusters", of: base) ? try file.integersAttribute("clusters", of: base) : []
    let most = Int64(splits.map(\.train.count).min() ?? 0)
    guard values.count == 1, let k = values.first, k >= 2, k <= most else {
        throw FairlabError(file: path, "\(base) is a clustering run without a valid clusters attribute (one number from 2 to its \(most) training rows)")
    }
    return Int(k)
}

/// A run's `task` attribute; a run written before fairlab recorded it was binary.
private func task(of base: String, in file: HDF5File, path: String) throws -> TaskKind {
    guard file.hasAttribute("task", of: base) else { return .binary }
    let text = try file.stringAttribute("task", of: base)
    guard let value = TaskKind(rawValue: text) else { throw FairlabError(file: path, "\(base) has an unknown task attribute '\(text)'") }
    return value
}

/// The group of a stress run's outcome (and injected rows) at one seed and level.
private func outcomeName(seed: UInt64, levelIndex: Int) -> String { "seed_\(seed)_level_\(levelIndex)" }

/// A stress run's injection, levels and injected rows; nil for any other run.
private func stressRecord(of base: String, in file: HDF5File, path: String, seeds: [UInt64]) throws -> StressRecord? {
    guard file.hasAttribute("stress_injection", of: base) else { return nil }
    let text = try file.stringAttribute("stress_injection", of: base)
    let injection: Injection
    do {
        injection = try Injection(parsing: text)
    } catch {
        throw FairlabError(file: path, "\(base) has an unknown stress injection '\(text)'")
    }
    let levels = try file.doublesAttribute("stress_levels", of: base)
    guard levels.first == 0, levels.allSatisfy({ $0 >= 0 && $0 <= 1 }), levels == Array(Set(levels)).sorted() else {
        throw FairlabError(file: path, "\(base) has stress levels that are not distinct, ascending values in [0, 1], the first 0")
    }
    var injected: [InjectedRows] = []
    for seed in seeds {
        for (index, level) in levels.enumerated() {
            let rowsPath = "\(base)/stress/\(outcomeName(seed: seed, levelIndex: index))"
            guard file.exists(rowsPath) else { continue }
            guard try file.doublesAttribute("level", of: rowsPath) == [level] else {
                throw FairlabError(file: path, "\(rowsPath) is not marked level \(Injection.levelText(level)), as its place in stress_levels says")
            }
            let rows = try file.readIntegers("\(rowsPath)/rows")
            guard rows.allSatisfy({ $0 >= 0 }) else { throw FairlabError(file: path, "\(rowsPath)/rows holds a negative row") }
            injected.append(InjectedRows(
                level: level, seed: seed, rows: rows.map { Int($0) },
                proxy: file.exists("\(rowsPath)/proxy") ? try file.readDoubles("\(rowsPath)/proxy", rank: 1).values : []))
        }
    }
    return StressRecord(injection: injection, levels: levels, injected: injected)
}
