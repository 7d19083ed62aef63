import FairlabCore
import Foundation

/// What a run's prepare step is asked: read the dataset once and write one prepared split per seed.
public struct PrepareJob: Codable, Sendable {
    public var datasetPath: String
    /// The protected attributes that form the groups (empty: the dataset's first).
    public var protectedAttributes: [String]
    public var seeds: [UInt64]
    public var standardization: Standardization
    /// The folder the prepared splits are written to.
    public var folder: String
}

/// What the prepare step reports: the dataset's identity and groups, and each seed's split, as the run records it
/// and as a file its jobs map.
public struct PreparedRun: Codable, Sendable {
    public var datasetSHA256: String
    public var protectedAttributes: [String]
    public var groupNames: [String]
    public var groupPrivileged: [Bool]
    /// Whether the dataset fixes its split (every seed then has the same one).
    public var fixedSplit: Bool
    /// One per seed, in the job's order.
    public var splits: [SplitRecord]
    /// One prepared split file per seed, in the same order.
    public var splitPaths: [String]
}

/// The prepare step: the run's only reading of the dataset. It runs in a worker, since the dataset is a file
/// fairlab did not write (see `UntrustedFile`); everything after it reads the files it writes.
enum RunPreparation {
    static func run(_ job: PrepareJob, progress: @escaping (String) -> Void) throws -> PreparedRun {
        let dataset = try DatasetFile.read(job.datasetPath) { progress("read \($0) of \($1) rows") }
        let partition = try GroupPartition(dataset: dataset, attributes: job.protectedAttributes)
        var splits: [SplitRecord] = [], paths: [String] = []
        for (index, seed) in job.seeds.enumerated() {
            let split = dataset.split.map(DatasetSplit.init(fixed:))
                ?? DatasetSplit(stratifiedBy: dataset.labels, groups: partition.codes, seed: seed)
            splits.append(SplitRecord(
                seed: seed, train: split.train, validation: split.validation, test: split.test,
                testLabels: split.test.map { dataset.labels[$0] }, testGroupCodes: split.test.map { partition.codes[$0] }))
            // A fixed split is the same for every seed: prepared once.
            if dataset.split != nil, let first = paths.first {
                paths.append(first)
                continue
            }
            let path = "\(job.folder)/split-\(index).bin"
            try PreparedSplit.write(
                dataset: dataset, partition: partition, split: split, standardization: job.standardization, to: path, progress: progress)
            paths.append(path)
            progress("prepared the split of seed \(seed)")
        }
        return PreparedRun(
            datasetSHA256: try SHA256.hexDigest(ofFile: job.datasetPath), protectedAttributes: partition.attributeNames,
            groupNames: partition.names, groupPrivileged: partition.privileged, fixedSplit: dataset.split != nil,
            splits: splits, splitPaths: paths)
    }
}
