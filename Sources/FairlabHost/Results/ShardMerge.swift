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
            let ids = try ResultsFile.runIDs(in: path).filter { try ResultsFile.shard(ofRun: $0, in: path) != nil }
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
        try requireSame("method set", { $0.methods.map(\.id) }, shown: { $0.joined(separator: ",") })
        try requireSame("method parameters and versions", { $0.methods.map { "\($0.id)[\($0.parameters)] \($0.plugin) \($0.pluginVersion)" } }, shown: { $0.joined(separator: "; ") })
        try requireSame("metric plugins", \.metricPlugins, shown: { $0.joined(separator: "; ") })
        try requireSame("bootstrap resamples", \.bootstrapResamples, shown: { "\($0)" })

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
        let methods = try first.methods.indices.map { row in
            var outcomes: [UInt64: SeedOutcome] = [:]
            for (path, run) in shards {
                for outcome in run.methods[row].outcomes {
                    guard outcomes[outcome.seed] == nil else {
                        throw FairlabError(file: path, "repeats \(run.methods[row].id) on seed \(outcome.seed)")
                    }
                    outcomes[outcome.seed] = outcome
                }
            }
            var method = first.methods[row]
            method.outcomes = try first.seeds.map { seed in
                guard let outcome = outcomes[seed] else { throw FairlabError("no shard ran \(method.id) on seed \(seed)") }
                return outcome
            }
            return method
        }
        var failures: [PluginCatalog.LibraryFailure] = []
        for failure in shards.flatMap(\.run.pluginFailures) where !failures.contains(failure) { failures.append(failure) }
        return RunRecord(
            id: RunRecord.newID(), createdAt: ISO8601DateFormatter().string(from: Date()), command: command,
            datasetPath: first.datasetPath, datasetSHA256: first.datasetSHA256, protectedAttributes: first.protectedAttributes,
            groupNames: first.groupNames, groupPrivileged: first.groupPrivileged, seeds: first.seeds,
            standardization: first.standardization, fairlabVersion: first.fairlabVersion, abiVersion: first.abiVersion,
            splits: first.seeds.map { splits[$0]! }, methods: methods, metricPlugins: first.metricPlugins, pluginFailures: failures,
            bootstrapResamples: first.bootstrapResamples, metricDescriptors: metricDescriptors(of: shards.map(\.run)))
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
