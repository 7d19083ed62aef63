import Foundation

/// Reads and writes datasets in fairlab's HDF5 format (docs/dataset-format.md), validating everything it
/// reads: a file that would make a later step fail is refused here, with the file and the problem named.
public enum DatasetFile {
    /// The value of the root attribute `fairlab_format`.
    public static let formatName = "fairlab-dataset"
    /// The value of the root attribute `fairlab_format_version`.
    public static let formatVersion: Int64 = 1

    /// Writes `dataset` to `path`, replacing any file there only once the new one is complete: it is written
    /// to a temporary file in the same folder, flushed, and renamed over `path`.
    public static func write(_ dataset: Dataset, to path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = "\(folder)/.\(URL(fileURLWithPath: path).lastPathComponent).\(getpid()).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            try writeFile(dataset, to: temporary)
        } catch let error as FairlabError {
            throw FairlabError(error.message.replacingOccurrences(of: temporary, with: path))
        }
        guard rename(temporary, path) == 0 else {
            throw FairlabError(file: path, "cannot write the file: \(String(cString: strerror(errno)))")
        }
    }

    private static func writeFile(_ dataset: Dataset, to path: String) throws {
        let file = try HDF5File(path: path, mode: .create)
        try file.setAttribute("fairlab_format", formatName)
        try file.setAttribute("fairlab_format_version", formatVersion)
        for (key, value) in dataset.provenance.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(key, value)
        }
        try file.writeDoubles("/features", dataset.features.rowMajorValues(), shape: [dataset.rows, dataset.features.cols])
        try file.writeStrings("/feature_names", dataset.featureNames)
        try file.writeIntegers("/label", dataset.labels.map { Int8($0) })
        try file.setAttribute("name", of: "/label", dataset.labelName)
        try file.setAttribute("favorable_value", of: "/label", dataset.favorableValue)
        try file.createGroup("/protected")
        try file.setAttribute("order", of: "/protected", dataset.protected.map(\.name))
        for attribute in dataset.protected {
            let objectPath = "/protected/\(attribute.name)"
            try file.writeIntegers(objectPath, attribute.codes)
            try file.setAttribute("categories", of: objectPath, attribute.categories)
            try file.setAttribute("privileged", of: objectPath, attribute.privilegedCodes.map { Int64($0) })
        }
        if let split = dataset.split { try file.writeIntegers("/split", split) }
        try file.flush()
    }

    /// Reads and validates the dataset at `path`; `progress(rowsRead, rows)` follows the feature matrix, which
    /// is read a block of rows at a time.
    public static func read(_ path: String, progress: ((Int, Int) -> Void)? = nil) throws -> Dataset {
        let file = try HDF5File(path: path, mode: .readOnly)
        func fail(_ problem: String) -> FairlabError { FairlabError(file: path, problem) }

        let features = try file.readMatrix("/features", progress: progress)
        let rows = features.rows, cols = features.cols
        guard rows > 0 else { throw fail("/features has no rows") }
        if let (bad, value) = features.withUnsafeStorage({ values in values.firstIndex { !$0.isFinite }.map { ($0, values[$0]) } }) {
            throw fail("/features has a non-finite value (\(value)) at row \(bad % rows), column \(bad / rows)")
        }
        let featureNames = try file.readStrings("/feature_names")
        guard featureNames.count == cols else {
            throw fail("/feature_names has \(featureNames.count) names for \(cols) feature columns")
        }

        let labelCodes = try file.readIntegers("/label")
        guard labelCodes.count == rows else { throw fail("/label has \(labelCodes.count) values for \(rows) rows") }
        if let bad = labelCodes.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw fail("/label must be 0 or 1, found \(labelCodes[bad]) at row \(bad)")
        }
        guard labelCodes.contains(0), labelCodes.contains(1) else {
            throw fail("/label has only one class (\(labelCodes[0]))")
        }
        let labelName = (try? file.stringAttribute("name", of: "/label")) ?? "label"
        let favorableValue = (try? file.stringAttribute("favorable_value", of: "/label")) ?? "1"

        guard file.exists("/protected") else { throw fail("missing group /protected") }
        var names = try file.children(of: "/protected")
        if file.hasAttribute("order", of: "/protected") {
            let order = try file.stringsAttribute("order", of: "/protected")
            guard Set(order) == Set(names) else { throw fail("/protected's order attribute does not list its datasets") }
            names = order
        }
        guard !names.isEmpty else { throw fail("/protected holds no attribute") }
        var protected: [ProtectedAttribute] = []
        for name in names {
            let objectPath = "/protected/\(name)"
            let codes = try file.readIntegers(objectPath)
            guard codes.count == rows else { throw fail("\(objectPath) has \(codes.count) values for \(rows) rows") }
            let categories = try file.stringsAttribute("categories", of: objectPath)
            guard !categories.isEmpty else { throw fail("\(objectPath) has no categories") }
            if let bad = codes.firstIndex(where: { $0 < 0 || $0 >= categories.count }) {
                throw fail("\(objectPath) has code \(codes[bad]) at row \(bad), outside its \(categories.count) categories")
            }
            let privileged = try file.integersAttribute("privileged", of: objectPath)
            guard !privileged.isEmpty, privileged.allSatisfy({ $0 >= 0 && $0 < categories.count }) else {
                throw fail("\(objectPath) has an invalid privileged attribute \(privileged)")
            }
            guard Set(codes).count >= 2 else {
                throw fail("protected attribute \(name) has only one group (\(categories[Int(codes[0])]))")
            }
            protected.append(ProtectedAttribute(
                name: name, codes: codes.map { Int32($0) }, categories: categories,
                privilegedCodes: privileged.map { Int32($0) }))
        }

        var split: [Int8]?
        if file.exists("/split") {
            let assignment = try file.readIntegers("/split")
            guard assignment.count == rows else { throw fail("/split has \(assignment.count) values for \(rows) rows") }
            guard assignment.allSatisfy({ (0...2).contains($0) }) else { throw fail("/split values must be 0, 1 or 2") }
            guard assignment.contains(0), assignment.contains(2) else { throw fail("/split has no training or no test rows") }
            split = assignment.map { Int8($0) }
        }

        var provenance: [String: String] = [:]
        for key in ["source_file", "source_sha256", "import_command", "created_by"] where file.hasAttribute(key) {
            provenance[key] = try? file.stringAttribute(key)
        }
        return Dataset(
            features: features, featureNames: featureNames,
            labels: labelCodes.map { Double($0) }, labelName: labelName, favorableValue: favorableValue,
            protected: protected, split: split, provenance: provenance)
    }
}
