import FairlabCore
import Foundation
import Synchronization

/// One seed's split of a dataset, ready for methods: features standardised with the training rows' mean and
/// standard deviation (every column, numeric ones only, or none: `Standardization`), labels, and group codes
/// for each part.
///
/// The run's prepare step builds it once per seed from the dataset and writes it to a file; every job of that
/// seed maps the file read-only (`read(from:)`), so its feature matrices are views of shared pages, not copies.
/// File layout: the 8 bytes `FLSPLIT1`, a little-endian UInt64 header length, the header (JSON, `Header`), then
/// each part's features (column-major doubles), labels (doubles) and group codes (Int32), each aligned to 64
/// bytes, at the offsets the header gives.
struct PreparedSplit {
    let train: Part
    let validation: Part
    let test: Part
    let groupNames: [String]
    let groupPrivileged: [Bool]
    /// What each feature column is, for plugins (`fl_data.column_*`).
    let columns: FeatureColumns
    /// The dataset's task: what the labels are.
    let task: TaskKind
    /// For clustering, the number of clusters the run asks for (`fl_data.cluster_count`); 0 otherwise.
    let clusterCount: Int

    /// The rows of one part.
    struct Part {
        let features: Matrix
        let labels: [Double]
        let groupCodes: [Int32]
    }

    private init(parts: [Part], groupNames: [String], groupPrivileged: [Bool], columns: FeatureColumns, task: TaskKind, clusterCount: Int) {
        (train, validation, test) = (parts[0], parts[1], parts[2])
        self.task = task
        self.clusterCount = clusterCount
        self.groupNames = groupNames
        self.groupPrivileged = groupPrivileged
        self.columns = columns
    }

    private static let magic = Array("FLSPLIT1".utf8)
    private static let alignment = 64

    /// The header: everything but the arrays, and where each array is.
    private struct Header: Codable {
        var columnNames: [String]
        /// The run's protected attributes (whose own columns are `FL_COLUMN_PROTECTED`).
        var protectedAttributes: [String]
        var groupNames: [String]
        var groupPrivileged: [Bool]
        /// Train, validation, test.
        var parts: [PartLayout]
        /// The dataset's task (absent: binary).
        var task: TaskKind?
        /// For clustering, the number of clusters (absent: 0).
        var clusterCount: Int?
    }

    /// Where one part's arrays are: byte offsets into the file.
    private struct PartLayout: Codable {
        var rows: Int
        var features: Int
        var labels: Int
        var groupCodes: Int
    }

    /// Prepares `split` of `dataset`, grouped by `partition`, and writes it to `path` a column at a time on each of
    /// two threads: besides the dataset, two columns of each part, two of the training rows, and two numbers per row
    /// (its part and place) are in memory. `progress` hears, from either thread, of every 256 MiB written.
    static func write(
        dataset: Dataset, partition: GroupPartition, split: DatasetSplit, standardization: Standardization, to path: String,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let rows = dataset.rows
        let parts = [split.train, split.validation, split.test]
        for (name, indices) in zip(["train", "validation", "test"], parts) {
            guard indices.allSatisfy({ $0 >= 0 && $0 < rows }) else { throw FairlabError("the \(name) split has rows outside the dataset") }
        }
        guard !split.train.isEmpty, !split.test.isEmpty else { throw FairlabError("the split has no training or no test rows") }
        let cols = dataset.features.cols
        // Offsets are computed first, so the header can precede the arrays it describes.
        func aligned(_ offset: Int) -> Int { (offset + alignment - 1) / alignment * alignment }
        func layouts(dataStart: Int) -> [PartLayout] {
            var offset = dataStart
            return parts.map { indices in
                let features = aligned(offset)
                let labels = aligned(features + 8 * indices.count * cols)
                let groupCodes = aligned(labels + 8 * indices.count)
                offset = groupCodes + 4 * indices.count
                return PartLayout(rows: indices.count, features: features, labels: labels, groupCodes: groupCodes)
            }
        }
        // The run's protected attributes, as a reference library is told its sensitive features; the dataset's
        // other protected attributes are ordinary 0/1 columns in this run.
        var header = Header(
            columnNames: dataset.featureNames, protectedAttributes: partition.attributeNames, groupNames: partition.names,
            groupPrivileged: partition.privileged, parts: layouts(dataStart: 0), task: dataset.task,
            clusterCount: dataset.clusterCount)
        // The header's length depends on the offsets it holds; offsets never shrink as the start moves later, so
        // placing the data after a generously padded header settles it in one pass.
        // Keys in a fixed order, so the same split is the same file, byte for byte, from one run to the next.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let dataStart = aligned(16 + (try encoder.encode(header)).count + 256)
        header.parts = layouts(dataStart: dataStart)
        let encoded = try encoder.encode(header)
        precondition(16 + encoded.count <= dataStart)

        // Every protected attribute's own column is a 0/1 indicator, whichever of them form this run's groups.
        let indicators = FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name))
        let standardized = standardization.mask(indicators)
        // Which part each row is in, and where: each column is then read once, front to back, into the three
        // parts' columns (three passes over a column at random rows took a third of Adult's prepare step).
        let (partOf, positionIn) = try { () throws -> ([Int8], [Int]) in
            var partOf = [Int8](repeating: -1, count: rows), positionIn = [Int](repeating: 0, count: rows)
            for (part, indices) in parts.enumerated() {
                for (position, row) in indices.enumerated() {
                    guard partOf[row] < 0 else { throw FairlabError("the split has row \(row) in two parts") }
                    (partOf[row], positionIn[row]) = (Int8(part), position)
                }
            }
            return (partOf, positionIn)
        }()
        // Both threads below write through it: its positioned writes share no state.
        nonisolated(unsafe) let writer = try RawFileWriter(path: path)
        try writer.write(magic)
        try writer.write([UInt64(encoded.count).littleEndian])
        try writer.write([UInt8](encoded))
        // The columns in two halves on two threads (the prepare step's hash of the dataset runs beside them): each
        // thread has its own part buffers, and positioned writes need no shared offset.
        let halves = cols < 2 ? [0..<cols] : [0..<(cols / 2), (cols / 2)..<cols]
        let bytesPerColumn = parts.reduce(0) { $0 + $1.count } * 8
        let state = Mutex((written: 0, reported: 0, failure: Error?.none))
        let layouts = header.parts
        dataset.features.withUnsafeStorage { storage in
            nonisolated(unsafe) let features = storage  // read by both threads, written by neither
            DispatchQueue.concurrentPerform(iterations: halves.count) { half in
                do {
                    try writeColumns(
                        halves[half], of: features, rows: rows, split: split, standardized: standardized, partOf: partOf, positionIn: positionIn,
                        layouts: layouts, to: writer
                    ) {
                        let (written, goOn): (Int?, Bool) = state.withLock { state in
                            state.written += bytesPerColumn
                            guard state.written - state.reported >= 1 << 28 else { return (nil, state.failure == nil) }
                            state.reported = state.written
                            return (state.reported, state.failure == nil)
                        }
                        if let written { progress("wrote \(written >> 20) MiB of the split") }
                        return goOn
                    }
                } catch {
                    state.withLock { $0.failure = $0.failure ?? error }
                }
            }
        }
        if let failure = state.withLock({ $0.failure }) { throw failure }
        for (indices, layout) in zip(parts, header.parts) {
            try indices.map { dataset.labels[$0] }.withUnsafeBytes { try writer.write($0, at: layout.labels) }
            try indices.map { partition.codes[$0] }.withUnsafeBytes { try writer.write($0, at: layout.groupCodes) }
        }
        try writer.close()
    }

    /// Standardises the feature columns `columns` of `features` (column-major, `rows` rows) with the training rows'
    /// statistics where `standardized` says so, and writes each into the three parts' places (`layouts`), calling
    /// `wroteColumn` after each and stopping when it returns false (the other thread failed: the split is lost
    /// anyway). `partOf` and `positionIn` give each row's part and place in it.
    private static func writeColumns(
        _ columns: Range<Int>, of features: UnsafeBufferPointer<Double>, rows: Int, split: DatasetSplit, standardized: [Bool],
        partOf: [Int8], positionIn: [Int], layouts: [PartLayout], to writer: RawFileWriter, wroteColumn: () -> Bool
    ) throws {
        let sizes = [split.train.count, split.validation.count, split.test.count]
        // One column of each part at a time. Raw pointers: this loop touches every value of the dataset.
        let buffers = sizes.map { UnsafeMutableBufferPointer<Double>.allocate(capacity: max($0, 1)) }
        defer { buffers.forEach { $0.deallocate() } }
        let targets = buffers.map(\.baseAddress!)
        var trainColumn = [Double](repeating: 0, count: split.train.count)
        for j in columns {
            let source = features.baseAddress! + j * rows
            // The training rows' statistics, summed in the training rows' order.
            var (mean, scale) = (0.0, 1.0)
            if standardized[j] {
                for (k, row) in split.train.enumerated() { trainColumn[k] = source[row] }
                (mean, scale) = trainColumn.withUnsafeBufferPointer(Standardizer.statistics)
            }
            // As `Standardizer.transform` computes it, so a mapped split equals a standardised matrix.
            let inverseScale = 1 / scale
            partOf.withUnsafeBufferPointer { partOf in
                positionIn.withUnsafeBufferPointer { positionIn in
                    for row in 0..<rows where partOf[row] >= 0 {
                        targets[Int(partOf[row])][positionIn[row]] = (source[row] - mean) * inverseScale
                    }
                }
            }
            for (buffer, layout) in zip(buffers, layouts) where layout.rows > 0 {
                try writer.write(UnsafeRawBufferPointer(start: buffer.baseAddress, count: 8 * layout.rows), at: layout.features + 8 * j * layout.rows)
            }
            guard wroteColumn() else { return }
        }
    }

    /// Writes the training and validation labels of one stress level (`relabelled(from:)` reads them): raw
    /// little-endian doubles, the training rows' then the validation rows'.
    static func writeLabels(train: [Double], validation: [Double], to path: String) throws {
        let writer = try RawFileWriter(path: path)
        try writer.write(train + validation)
        try writer.close()
    }

    /// This split with the training and validation labels written at `path` (`writeLabels`): a stress level
    /// that only flips labels shares its seed's split file and brings its own labels.
    func relabelled(from path: String) throws -> PreparedSplit {
        let file = try MappedFile(path: path)
        let count = train.labels.count + validation.labels.count
        guard file.size == 8 * count else {
            throw FairlabError(file: path, "not the labels of this split: \(file.size) bytes for \(count) training and validation rows")
        }
        let labels = Array(try file.values(Double.self, at: 0, count: count))
        return PreparedSplit(
            parts: [Part(features: train.features, labels: Array(labels[..<train.labels.count]), groupCodes: train.groupCodes),
                    Part(features: validation.features, labels: Array(labels[train.labels.count...]), groupCodes: validation.groupCodes), test],
            groupNames: groupNames, groupPrivileged: groupPrivileged, columns: columns, task: task, clusterCount: clusterCount)
    }

    /// Maps the split written at `path`; its feature matrices view the mapping.
    static func read(from path: String) throws -> PreparedSplit {
        let file = try MappedFile(path: path)
        func fail(_ problem: String) -> FairlabError { FairlabError(file: path, "not a prepared split: \(problem)") }
        guard file.size >= 16, Array(try file.values(UInt8.self, at: 0, count: 8)) == magic else { throw fail("wrong signature") }
        let headerLength = Int(UInt64(littleEndian: try file.values(UInt64.self, at: 8, count: 1)[0]))
        guard headerLength <= file.size - 16 else { throw fail("truncated header") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(try file.values(UInt8.self, at: 16, count: headerLength)))
        } catch {
            throw fail("unreadable header")
        }
        let cols = header.columnNames.count
        guard header.parts.count == 3, header.groupNames.count == header.groupPrivileged.count else { throw fail("inconsistent header") }
        let parts = try header.parts.map { layout -> Part in
            let (count, overflow) = layout.rows.multipliedReportingOverflow(by: cols)
            guard layout.rows >= 0, !overflow else { throw fail("inconsistent header") }
            let features = try file.values(Double.self, at: layout.features, count: count)
            let codes = Array(try file.values(Int32.self, at: layout.groupCodes, count: layout.rows))
            guard codes.allSatisfy({ $0 >= 0 && Int($0) < header.groupNames.count }) else { throw fail("group code out of range") }
            return Part(
                features: count == 0 ? Matrix(rows: layout.rows, cols: cols)
                    : Matrix(rows: layout.rows, cols: cols, viewing: features.baseAddress!, owner: file),
                labels: Array(try file.values(Double.self, at: layout.labels, count: layout.rows)), groupCodes: codes)
        }
        return PreparedSplit(
            parts: parts, groupNames: header.groupNames, groupPrivileged: header.groupPrivileged,
            columns: FeatureColumns(names: header.columnNames, protectedAttributes: header.protectedAttributes), task: header.task ?? .binary,
            clusterCount: header.clusterCount ?? 0)
    }
}
