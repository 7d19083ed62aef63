import Dispatch
import FairlabCore
import Foundation

/// What a run's prepare step is asked: read the dataset once and write one prepared split per seed.
public struct PrepareJob: Codable, Sendable {
    public var datasetPath: String
    /// The protected attributes that form the groups (empty: the dataset's first).
    public var protectedAttributes: [String]
    public var seeds: [UInt64]
    public var standardization: Standardization
    /// For a stress run: the injection, applied at each level to each seed's training and validation rows.
    public var stress: StressPlan?
    /// The folder the prepared splits are written to.
    public var folder: String
    /// For a clustering dataset: the number of clusters, instead of the one the dataset asks for.
    public var clusters: Int?
}

/// What the prepare step reports: the dataset's identity and groups, and each seed's split, as the run records it
/// and as a file its jobs map. The splits' rows travel as arrays beside the reply (`splitArrays`), not as JSON:
/// at 10⁷ rows, text would take longer to write and read than the split itself.
public struct PreparedRun: Codable, Sendable {
    public var datasetSHA256: String
    public var protectedAttributes: [String]
    public var groupNames: [String]
    public var groupPrivileged: [Bool]
    /// Whether the dataset fixes its split (every seed then has the same one).
    public var fixedSplit: Bool
    /// The dataset's task: which methods and metrics apply.
    public var task: TaskKind
    /// For a clustering dataset, the number of clusters its methods are asked for; 0 otherwise.
    public var clusterCount = 0
    /// One prepared split file per condition: per seed, in the same order, one per stress level (one in all
    /// for a run without levels).
    public var splitPaths: [String]
    /// Per condition, in `splitPaths`' order: for a stress level that only flips labels, the file of its
    /// training and validation labels, its split file being the seed's clean one (empty for other runs).
    public var labelPaths: [String?] = []
    /// Each split's seed and part sizes: what the reply says of it.
    var splitShapes: [SplitShape]
    /// For a stress run, each condition's injected rows' sizes (in `splitPaths`' order).
    var injectedShapes: [InjectedShape] = []
    /// One per seed, in the job's order: built by the prepare step, and on the host's side filled in from the
    /// arrays (`attach`); not part of the reply's JSON.
    public var splits: [SplitRecord] = []
    /// For a stress run, what the injection did in each condition, in `splitPaths`' order (like `splits`, carried
    /// as arrays).
    public var injected: [InjectedRows] = []

    private enum CodingKeys: String, CodingKey {
        case datasetSHA256, protectedAttributes, groupNames, groupPrivileged, fixedSplit, task, clusterCount, splitPaths, labelPaths, splitShapes, injectedShapes
    }

    /// One condition's injected rows: its seed and level, and its arrays' lengths.
    struct InjectedShape: Codable {
        var seed: UInt64
        var level: Double
        var rows, proxy: Int
    }

    /// A split's seed and part sizes.
    struct SplitShape: Codable {
        var seed: UInt64
        var train, validation, test: Int
    }

    /// Each split's train, validation and test rows, test labels and test group codes, as doubles (exact: rows
    /// and codes are integers far below 2⁵³).
    var splitArrays: [[Double]] {
        let splitParts: [[Double]] = splits.flatMap { split -> [[Double]] in
            [split.train.map(Double.init), split.validation.map(Double.init), split.test.map(Double.init), split.testLabels,
             split.testGroupCodes.map(Double.init)]
        }
        let injectedParts: [[Double]] = injected.flatMap { rows -> [[Double]] in [rows.rows.map(Double.init), rows.proxy] }
        return splitParts + injectedParts
    }

    /// The lengths of `splitArrays`, from the part sizes the reply gave.
    var splitArrayCounts: [Int] {
        let splitCounts: [Int] = splitShapes.flatMap { [$0.train, $0.validation, $0.test, $0.test, $0.test] }
        return splitCounts + injectedShapes.flatMap { [$0.rows, $0.proxy] }
    }

    /// Builds the splits' records from `splitArrays` as read back.
    mutating func attach(_ arrays: [[Double]]) {
        splits = splitShapes.indices.map { index in
            let part = Array(arrays[(5 * index)..<(5 * index + 5)])
            return SplitRecord(
                seed: splitShapes[index].seed, train: part[0].map { Int($0) }, validation: part[1].map { Int($0) },
                test: part[2].map { Int($0) }, testLabels: part[3], testGroupCodes: part[4].map { Int32($0) })
        }
        let injectedStart = 5 * splitShapes.count
        injected = injectedShapes.enumerated().map { index, shape in
            InjectedRows(
                level: shape.level, seed: shape.seed, rows: arrays[injectedStart + 2 * index].map { Int($0) },
                proxy: arrays[injectedStart + 2 * index + 1])
        }
    }
}

/// The prepare step: the run's only reading of the dataset. It runs in a worker, since the dataset is a file
/// fairlab did not write (see `UntrustedFile`); everything after it reads the files it writes.
enum RunPreparation {
    /// Seconds between the prepare step's signs of life once the dataset is read.
    static let heartbeatSeconds = 2.0

    static func run(_ job: PrepareJob, progress: @escaping @Sendable (String) -> Void) throws -> PreparedRun {
        var dataset = try DatasetFile.read(job.datasetPath) { progress("read \($0) of \($1) rows") }
        if let clusters = job.clusters {
            guard dataset.task == .clustering else {
                throw FairlabError(file: job.datasetPath, "--clusters is for a clustering dataset; this one is \(dataset.task.rawValue)")
            }
            guard clusters >= 2, clusters <= dataset.rows else {
                throw FairlabError(file: job.datasetPath, "\(clusters) clusters for \(dataset.rows) rows (k must be at least 2 and at most the rows)")
            }
            dataset.clusterCount = clusters
        }
        // libhdf5 is done with the file, so what follows is fairlab's own work on memory: it reports that it is
        // alive every few seconds (grouping, splitting and sorting 10⁷ rows goes quiet for longer than the stall
        // limit the reading is held to).
        let started = Date()
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + Self.heartbeatSeconds, repeating: Self.heartbeatSeconds)
        heartbeat.setEventHandler { progress(String(format: "preparing the splits (%.0f s)", Date().timeIntervalSince(started))) }
        heartbeat.resume()
        defer { heartbeat.cancel() }
        if job.stress != nil, dataset.task != .binary {
            throw FairlabError(file: job.datasetPath, "stress injections flip or drop favourable labels, so they need a binary dataset; this one is \(dataset.task.rawValue)")
        }
        let partition = try GroupPartition(dataset: dataset, attributes: job.protectedAttributes)
        let target = try job.stress?.injection.targetGroup(in: partition)
        // The checks above passed: the file's hash, on another thread while the splits are made and written.
        let datasetPath = job.datasetPath
        let hash = BackgroundStep { try SHA256.hexDigest(ofFile: datasetPath) }
        var splits: [SplitRecord] = [], paths: [String] = [], labelPaths: [String?] = [], injected: [InjectedRows] = []
        // A regression label is stratified by its halves: each part keeps every group's share of high and low values.
        // A clustering dataset's labels are all 0, so its split is stratified by group alone.
        let strata = dataset.task == .regression ? Self.aboveMedian(dataset.labels) : dataset.labels
        for (index, seed) in job.seeds.enumerated() {
            let split = dataset.split.map(DatasetSplit.init(fixed:))
                ?? DatasetSplit(stratifiedBy: strata, groups: partition.codes, seed: seed)
            // k-means needs k training rows: one line before any job, not a failed row per method.
            if dataset.task == .clustering, split.train.count < dataset.clusterCount {
                throw FairlabError(
                    file: job.datasetPath, "\(dataset.clusterCount) clusters need as many training rows; seed \(seed)'s split has \(split.train.count)")
            }
            splits.append(SplitRecord(
                seed: seed, train: split.train, validation: split.validation, test: split.test,
                testLabels: split.test.map { dataset.labels[$0] }, testGroupCodes: split.test.map { partition.codes[$0] }))
            if let stress = job.stress, let target {
                // Test rows and labels stay clean: only the training and validation rows carry the injection. Flipped
                // labels leave the features and their standardisation as they are: the levels share the seed's clean
                // split and bring their own labels, so the run's files grow by a split per seed, not per level.
                let sharedPath = "\(job.folder)/split-\(index).bin"
                if stress.injection.kind.flipsLabels {
                    try PreparedSplit.write(
                        dataset: dataset, partition: partition, split: split, standardization: job.standardization, to: sharedPath, progress: progress)
                }
                for (levelIndex, level) in stress.levels.enumerated() {
                    let rows = try stress.replayed(seed: seed, level: level) ?? stress.injection.draw(
                        level: level, seed: seed, labels: dataset.labels, groups: partition.codes, target: target, split: split)
                    let (injectedDataset, injectedSplit) = try rows.apply(stress.injection.kind, to: dataset, split: split, partition: partition)
                    if stress.injection.kind.flipsLabels {
                        let labelsPath = "\(job.folder)/labels-\(index)-\(levelIndex).f64"
                        try PreparedSplit.writeLabels(
                            train: split.train.map { injectedDataset.labels[$0] }, validation: split.validation.map { injectedDataset.labels[$0] },
                            to: labelsPath)
                        paths.append(sharedPath)
                        labelPaths.append(labelsPath)
                    } else {
                        let path = "\(job.folder)/split-\(index)-\(levelIndex).bin"
                        try PreparedSplit.write(
                            dataset: injectedDataset, partition: partition, split: injectedSplit, standardization: job.standardization, to: path,
                            progress: progress)
                        paths.append(path)
                        labelPaths.append(nil)
                    }
                    injected.append(rows)
                }
                progress("prepared the splits of seed \(seed) at \(stress.levels.count) levels of \(stress.injection)")
                continue
            }
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
            datasetSHA256: try hash.value(), protectedAttributes: partition.attributeNames,
            groupNames: partition.names, groupPrivileged: partition.privileged, fixedSplit: dataset.split != nil, task: dataset.task,
            clusterCount: dataset.clusterCount, splitPaths: paths,
            labelPaths: labelPaths,
            splitShapes: splits.map { .init(seed: $0.seed, train: $0.train.count, validation: $0.validation.count, test: $0.test.count) },
            injectedShapes: injected.map { .init(seed: $0.seed, level: $0.level, rows: $0.rows.count, proxy: $0.proxy.count) },
            splits: splits, injected: injected)
    }

    /// 1 for values above the median, else 0.
    static func aboveMedian(_ values: [Double]) -> [Double] {
        let sorted = values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return values.map { $0 > median ? 1 : 0 }
    }
}
