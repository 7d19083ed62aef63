import Foundation

/// What an injection did on one seed's split at one level: the dataset rows whose label it flipped or that it
/// dropped, or the proxy feature's value in every dataset row. Stored with a stress run, so the level can be
/// replayed on exactly these rows (`fairlab stress --replay`).
public struct InjectedRows: Sendable, Codable, Equatable {
    public var level: Double
    public var seed: UInt64
    /// Flipped or dropped dataset rows, ascending (empty for `proxy`).
    public var rows: [Int]
    /// For `proxy`: the feature's value in every dataset row (empty otherwise).
    public var proxy: [Double]

    public init(level: Double, seed: UInt64, rows: [Int], proxy: [Double]) {
        self.level = level
        self.seed = seed
        self.rows = rows
        self.proxy = proxy
    }

    /// The name of the feature column a `proxy` injection adds.
    public static let proxyColumn = "stress_proxy"

    /// `dataset` and `split` with the injection applied: labels flipped, training and validation rows dropped,
    /// or the proxy column appended. Throws when the rows cannot be this kind's on this split (a replay of
    /// another dataset's rows), or when a training or validation cell (group × label) that had rows is left with
    /// none (post-processing methods fit on the validation rows).
    public func apply(
        _ kind: InjectionKind, to dataset: Dataset, split: DatasetSplit, partition: GroupPartition
    ) throws -> (dataset: Dataset, split: DatasetSplit) {
        // A method cannot learn a cell the injection empties: refused before any method runs.
        func cells(_ labels: [Double], _ part: [Int]) -> Set<Int> {
            Set(part.map { Int(partition.codes[$0]) * 2 + (labels[$0] == 1 ? 1 : 0) })
        }
        let clean = (train: cells(dataset.labels, split.train), validation: cells(dataset.labels, split.validation))
        var dataset = dataset, injected = split
        let context = "level \(Injection.levelText(level)) of \(kind.rawValue) on seed \(seed)"
        let trainOrValidation = Set(split.train).union(split.validation)
        guard rows.allSatisfy(trainOrValidation.contains) else {
            throw FairlabError("\(context): its rows are not all training or validation rows of the split")
        }
        guard zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw FairlabError("\(context): its rows are not ascending and distinct")
        }
        switch kind {
        case .labelBias, .labelNoise:
            for row in rows { dataset.labels[row] = 1 - dataset.labels[row] }
        case .underSample, .groupSize:
            let dropped = Set(rows)
            injected = DatasetSplit(
                train: split.train.filter { !dropped.contains($0) }, validation: split.validation.filter { !dropped.contains($0) },
                test: split.test)
        case .proxy:
            guard proxy.count == dataset.rows, proxy.allSatisfy(\.isFinite) else {
                throw FairlabError("\(context): the proxy column has \(proxy.count) values for \(dataset.rows) rows, or one that is not finite")
            }
            let old = dataset.features
            dataset.features = Matrix(rows: old.rows, cols: old.cols + 1) { (storage: UnsafeMutableBufferPointer<Double>) in
                old.withUnsafeStorage { source in _ = storage.initialize(from: source) }
                for (row, value) in proxy.enumerated() { storage[old.cols * old.rows + row] = value }
            }
            dataset.featureNames.append(Self.proxyColumn)
        }
        for (part, before, after) in [
            ("training", clean.train, cells(dataset.labels, injected.train)), ("validation", clean.validation, cells(dataset.labels, injected.validation)),
        ] {
            if let lost = before.subtracting(after).sorted().first {
                throw FairlabError(
                    "\(context) leaves no \(part) rows of group \(partition.names[lost / 2]) with label \(lost % 2): lower the level")
            }
        }
        return (dataset, injected)
    }
}
