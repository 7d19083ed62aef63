import FairlabCore
import Foundation

/// Joins the shards of one sharded run (`fairlab compare --shard K/M`, each in its own results file) into the
/// whole run: its predictions and metrics are those the shards computed, so identical, value for value, to an
/// unsharded run's. Shards that do not belong together are refused, naming the field that differs.
public enum ShardMerge {
    /// The merged run of the shard runs in `paths` (each file must hold exactly one shard run).
    public static func merge(_ paths: [String], command: String) throws -> RunRecord {
        guard !paths.isEmpty else { throw FairlabError("merge needs at least one shard file") }
        var shards: [(path: String, run: RunRecord)] = []
        for path in paths {
            // Found by their attributes: only the shard run itself is read whole.
            let ids = try ResultsFile.completeRunIDs(in: path).filter { try ResultsFile.shard(ofRun: $0, in: path) != nil }
            guard ids.count == 1 else {
                throw FairlabError(file: path, ids.isEmpty ? "holds no shard run (written by compare --shard K/M)" : "holds \(ids.count) shard runs; give each shard its own file")
            }
            shards.append((path, try ResultsFile.read(runID: ids[0], from: path)))
        }
        let (firstPath, first) = shards[0]
        let count = first.shard!.count

        /// Refuses a shard whose `field` differs from the first shard's.
        func requireSame<Value: Equatable>(_ field: String, _ value: (RunRecord) -> Value, shown: (Value) -> String) throws {
            for (path, run) in shards.dropFirst() where value(run) != value(first) {
                throw FairlabError(file: path, "its \(field) (\(shown(value(run)))) differs from \(firstPath)'s (\(shown(value(first)))): not shards of one run")
            }
        }
        try requireSame("shard count", { $0.shard!.count }, shown: { "\($0)" })
        try requireSame("dataset", \.datasetSHA256, shown: { "SHA-256 \($0.prefix(12))…" })
        try requireSame("seeds", \.seeds, shown: { $0.map(String.init).joined(separator: ",") })
        try requireSame("fairlab version", \.fairlabVersion, shown: { $0 })
        try requireSame("ABI version", \.abiVersion, shown: { "\($0)" })
        try requireSame("protected attributes", \.protectedAttributes, shown: { $0.joined(separator: ",") })
        try requireSame("groups", \.groupNames, shown: { $0.joined(separator: ",") })
        try requireSame("standardization", \.standardization, shown: { $0.rawValue })
        try requireSame("task", \.task, shown: { $0.rawValue })
        try requireSame("number of clusters", \.clusterCount, shown: { "\($0)" })
        try requireSame("method set", { $0.methods.map(\.id) }, shown: { $0.joined(separator: ",") })
        try requireSame("method parameters and versions", { $0.methods.map { "\($0.id)[\($0.parameters)] \($0.plugin) \($0.pluginVersion)" } }, shown: { $0.joined(separator: "; ") })
        try requireSame("metric plugins", \.metricPlugins, shown: { $0.joined(separator: "; ") })
        try requireSame("bootstrap resamples", \.bootstrapResamples, shown: { "\($0)" })
        // The group as the injection used it: `label-bias` is `label-bias:group=` the first unprivileged group.
        try requireSame("stress injection", { run in
            run.stress.map { stress in
                "\(stress.injection.kind.rawValue):group=\(stress.injection.groupName(names: run.groupNames, privileged: run.groupPrivileged))"
            } ?? "none"
        }, shown: { $0 })
        try requireSame("stress levels", { $0.stress?.levels ?? [] }, shown: { $0.map { "\($0)" }.joined(separator: ",") })

        var byIndex: [Int: String] = [:]
        for (path, run) in shards {
            if let other = byIndex[run.shard!.index] { throw FairlabError(file: path, "is shard \(run.shard!) again (as is \(other))") }
            byIndex[run.shard!.index] = path
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw FairlabError("shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing: every shard of the run must be merged")
        }

        var splits: [UInt64: SplitRecord] = [:]
        for (path, run) in shards {
            for split in run.splits {
                if let known = splits[split.seed] {
                    guard known.train == split.train, known.validation == split.validation, known.test == split.test else {
                        throw FairlabError(file: path, "its split for seed \(split.seed) differs from another shard's")
                    }
                } else {
                    splits[split.seed] = split
                }
            }
        }
        if let seed = first.seeds.first(where: { splits[$0] == nil }) { throw FairlabError("no shard holds the split of seed \(seed)") }
        // An outcome is a seed's, or for a stress run a (seed, level)'s, in the run's order: seed by seed.
        struct Condition: Hashable { let seed: UInt64, level: Double? }
        let conditions = first.seeds.flatMap { seed in (first.stress?.levels.map { Optional($0) } ?? [nil]).map { Condition(seed: seed, level: $0) } }
        func name(_ condition: Condition) -> String { "seed \(condition.seed)" + (condition.level.map { " at level \(Injection.levelText($0))" } ?? "") }
        let methods = try first.methods.indices.map { row in
            var outcomes: [Condition: SeedOutcome] = [:]
            for (path, run) in shards {
                for outcome in run.methods[row].outcomes {
                    let condition = Condition(seed: outcome.seed, level: outcome.level)
                    guard outcomes[condition] == nil else {
                        throw FairlabError(file: path, "repeats \(run.methods[row].id) on \(name(condition))")
                    }
                    outcomes[condition] = outcome
                }
            }
            var method = first.methods[row]
            method.outcomes = try conditions.map { condition in
                guard let outcome = outcomes[condition] else { throw FairlabError("no shard ran \(method.id) on \(name(condition))") }
                return outcome
            }
            return method
        }
        // A stress run's injected rows: each shard holds those of the seeds it prepared, the same where two did.
        var stress = first.stress
        if stress != nil {
            var injected: [Condition: InjectedRows] = [:]
            for (path, run) in shards {
                for rows in run.stress?.injected ?? [] {
                    let condition = Condition(seed: rows.seed, level: rows.level)
                    if let known = injected[condition], known != rows {
                        throw FairlabError(file: path, "its injected rows for \(name(condition)) differ from another shard's")
                    }
                    injected[condition] = rows
                }
            }
            stress?.injected = try conditions.map { condition in
                guard let rows = injected[condition] else { throw FairlabError("no shard holds the injected rows of \(name(condition))") }
                return rows
            }
        }
        var failures: [PluginCatalog.LibraryFailure] = []
        for failure in shards.flatMap(\.run.pluginFailures) where !failures.contains(failure) { failures.append(failure) }
        return RunRecord(
            id: RunRecord.newID(), createdAt: ISO8601DateFormatter().string(from: Date()), command: command,
            datasetPath: first.datasetPath, datasetSHA256: first.datasetSHA256, protectedAttributes: first.protectedAttributes,
            groupNames: first.groupNames, groupPrivileged: first.groupPrivileged, seeds: first.seeds,
            standardization: first.standardization, fairlabVersion: first.fairlabVersion, abiVersion: first.abiVersion,
            splits: first.seeds.map { splits[$0]! }, methods: methods, metricPlugins: first.metricPlugins, pluginFailures: failures,
            bootstrapResamples: first.bootstrapResamples, metricDescriptors: metricDescriptors(of: shards.map(\.run)), task: first.task, clusterCount: first.clusterCount,
            stress: stress)
    }

    /// Every shard's metric descriptors, in order of first appearance: a shard whose metric plugin saw no
    /// successful outcome described nothing.
    private static func metricDescriptors(of runs: [RunRecord]) -> [MetricDescriptor] {
        var descriptors: [MetricDescriptor] = []
        for descriptor in runs.flatMap(\.metricDescriptors) where !descriptors.contains(where: { $0.metric == descriptor.metric }) {
            descriptors.append(descriptor)
        }
        return descriptors
    }
}
