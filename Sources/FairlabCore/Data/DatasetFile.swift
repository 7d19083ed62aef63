import Foundation

/// Reads and writes datasets in fairlab's HDF5 format (docs/dataset-format.md), validating everything it
/// reads: a file that would make a later step fail is refused here, with the file and the problem named.
public enum DatasetFile {
    /// The value of the root attribute `fairlab_format`.
    public static let formatName = "fairlab-dataset"
    /// The value of the root attribute `fairlab_format_version` that `write` gives: 2, columnar. Version 1 files
    /// (a dense `/features` matrix) still read.
    public static let formatVersion: Int64 = 2

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
        // Columnar: a numeric column as float64, a categorical one as int32 codes with its categories, each chunked
        // and compressed on its own; the one-hot expansion happens when the file is read.
        let columns = SourceColumn.columns(of: dataset.features, names: dataset.featureNames)
        try file.createGroup("/columns")
        try file.setAttribute("count", of: "/columns", Int64(columns.count))
        for (index, column) in columns.enumerated() {
            let objectPath = "/columns/\(index)"
            switch column {
            case .numeric(let name, let values):
                try file.writeDoubles(objectPath, values, shape: [values.count])
                try file.setAttribute("name", of: objectPath, name)
                try file.setAttribute("kind", of: objectPath, "numeric")
            case .categorical(let name, let categories, let codes):
                try file.writeIntegers(objectPath, codes)
                try file.setAttribute("name", of: objectPath, name)
                try file.setAttribute("kind", of: objectPath, "categorical")
                try file.setAttribute("categories", of: objectPath, categories)
            }
        }
        switch dataset.task {
        case .binary:
            try file.writeIntegers("/label", dataset.labels.map { Int8($0) })
            try file.setAttribute("favorable_value", of: "/label", dataset.favorableValue)
        case .regression:
            try file.writeDoubles("/label", dataset.labels, shape: [dataset.labels.count])
        case .clustering:
            try file.setAttribute("clusters", Int64(dataset.clusterCount))
        }
        if dataset.task != .clustering { try file.setAttribute("name", of: "/label", dataset.labelName) }
        try file.setAttribute("task", dataset.task.rawValue)
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

        // No `task` attribute: a file from before regression datasets, so binary.
        let taskName = file.hasAttribute("task") ? try file.stringAttribute("task") : TaskKind.binary.rawValue
        guard let task = TaskKind(rawValue: taskName) else {
            throw fail("unknown task '\(taskName)' (known: \(TaskKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let labels: [Double]
        var clusterCount = 0
        switch task {
        case .binary: labels = try file.readIntegers("/label").map(Double.init)
        case .regression: labels = try file.readDoubles("/label", rank: 1).values
        case .clustering:
            // No label: the rows are counted by the protected attributes, which every dataset has.
            let counts = file.hasAttribute("clusters") ? try file.integersAttribute("clusters") : []
            guard counts.count == 1, let count = counts.first, count >= 2 else {
                throw fail("a clustering dataset needs a root attribute 'clusters': one number of at least 2 (its number of clusters)")
            }
            guard !file.exists("/label") else { throw fail("a clustering dataset has no label, but this one has /label") }
            guard file.exists("/protected"), let first = try file.children(of: "/protected").first else { throw fail("missing group /protected") }
            // Counted without reading it: the attributes' own checks below read it, and check it against this count.
            let extent = try file.shape(of: "/protected/\(first)")
            guard extent.count == 1 else { throw fail("/protected/\(first) is not one-dimensional") }
            labels = [Double](repeating: 0, count: extent[0])
            guard count <= labels.count else { throw fail("\(count) clusters for \(labels.count) rows") }
            clusterCount = Int(count)
        }
        let (features, featureNames) = file.exists("/columns")
            ? try readColumns(file, rows: labels.count, path: path, progress: progress)
            : try readDenseFeatures(file, path: path, progress: progress)
        let rows = features.rows, cols = features.cols
        guard Set(featureNames).count == cols else { throw fail("two features have the same name") }

        guard labels.count == rows else { throw fail("/label has \(labels.count) values for \(rows) rows") }
        switch task {
        case .binary:
            if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw fail("/label must be 0 or 1, found \(Int(labels[bad])) at row \(bad)")
            }
            guard labels.contains(0), labels.contains(1) else {
                throw fail("/label has only one class (\(Int(labels[0])))")
            }
        case .regression:
            if let bad = labels.firstIndex(where: { !$0.isFinite }) {
                throw fail("/label must be a finite number, found \(labels[bad]) at row \(bad)")
            }
            guard labels.contains(where: { $0 != labels[0] }) else { throw fail("/label is constant (\(labels[0]))") }
        case .clustering: break
        }
        let labelName = task == .clustering ? "" : (try? file.stringAttribute("name", of: "/label")) ?? "label"
        let favorableValue = task == .binary ? (try? file.stringAttribute("favorable_value", of: "/label")) ?? "1" : ""

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
            guard codes.contains(where: { $0 != codes[0] }) else {
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
            labels: labels, labelName: labelName, favorableValue: favorableValue,
            protected: protected, split: split, provenance: provenance, task: task, clusterCount: clusterCount)
    }

    /// The error for a NaN or infinite feature value.
    private static func nonFinite(_ value: Double, row: Int, column: Int, name: String, path: String) -> FairlabError {
        FairlabError(file: path, "a feature has a non-finite value (\(value)) at row \(row), column \(column) (\(name))")
    }

    /// Version 1's features: the dense `/features` matrix and `/feature_names`.
    private static func readDenseFeatures(_ file: HDF5File, path: String, progress: ((Int, Int) -> Void)?) throws -> (Matrix, [String]) {
        let features = try file.readMatrix("/features", progress: progress)
        guard features.rows > 0 else { throw FairlabError(file: path, "/features has no rows") }
        let featureNames = try file.readStrings("/feature_names")
        guard featureNames.count == features.cols else {
            throw FairlabError(file: path, "/feature_names has \(featureNames.count) names for \(features.cols) feature columns")
        }
        if let bad = features.firstNonFiniteIndex {
            let value = features.withUnsafeStorage { $0[bad] }
            throw nonFinite(value, row: bad % features.rows, column: bad / features.rows, name: featureNames[bad / features.rows], path: path)
        }
        return (features, featureNames)
    }

    /// Version 2's features: the source columns under `/columns`, expanded into the dense matrix one column at a
    /// time (`progress` hears of each, in rows-equivalent); `rows` is the label's length.
    private static func readColumns(_ file: HDF5File, rows: Int, path: String, progress: ((Int, Int) -> Void)?) throws -> (Matrix, [String]) {
        func fail(_ problem: String) -> FairlabError { FairlabError(file: path, problem) }
        let count = Int(try file.integersAttribute("count", of: "/columns").first ?? -1)
        guard count >= 1, count <= Matrix.maximumDimension, try file.children(of: "/columns").count == count else {
            throw fail("/columns does not hold the \(count) columns its count attribute says")
        }
        guard rows > 0 else { throw fail("/label has no rows") }
        // The shapes first (names, kinds, categories), so the matrix is allocated once, then the values.
        var shapes: [(objectPath: String, name: String, categories: [String]?)] = []
        for index in 0..<count {
            let objectPath = "/columns/\(index)"
            guard file.exists(objectPath) else { throw fail("missing \(objectPath)") }
            let name = try file.stringAttribute("name", of: objectPath)
            switch try file.stringAttribute("kind", of: objectPath) {
            case "numeric": shapes.append((objectPath, name, nil))
            case "categorical":
                let categories = try file.stringsAttribute("categories", of: objectPath)
                guard !categories.isEmpty, Set(categories).count == categories.count else {
                    throw fail("\(objectPath) has no categories, or repeats one")
                }
                shapes.append((objectPath, name, categories))
            case let kind: throw fail("\(objectPath) has an unknown kind '\(kind)'")
            }
        }
        let cols = shapes.reduce(0) { $0 + ($1.categories?.count ?? 1) }
        let (elements, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard cols <= Matrix.maximumDimension, !overflow, elements <= HDF5File.maximumElements else {
            throw fail("its columns expand to too many features (\(rows) x \(cols))")
        }
        progress?(0, rows)
        var names: [String] = []
        // Zeroed by calloc (fresh pages, zero without a pass over them): a category's expansion then writes only its
        // ones.
        guard let storage = calloc(elements, MemoryLayout<Double>.size)?.assumingMemoryBound(to: Double.self) else {
            throw fail("no memory for its \(rows) x \(cols) features")
        }
        var features = Matrix(rows: rows, cols: cols, adopting: storage)
        try features.withUnsafeMutableStorage { target in
            var first = 0
            for (index, shape) in shapes.enumerated() {
                let column: SourceColumn
                if let categories = shape.categories {
                    let codes = try file.readIntegers(shape.objectPath)
                    guard codes.count == rows else { throw fail("\(shape.objectPath) has \(codes.count) values for \(rows) rows") }
                    if let bad = codes.firstIndex(where: { $0 < 0 || $0 >= categories.count }) {
                        throw fail("\(shape.objectPath) has code \(codes[bad]) at row \(bad), outside its \(categories.count) categories")
                    }
                    column = .categorical(name: shape.name, categories: categories, codes: codes.map { Int32($0) })
                } else {
                    let (shape1, values) = try file.readDoubles(shape.objectPath, rank: 1)
                    guard shape1 == [rows] else { throw fail("\(shape.objectPath) has \(values.count) values for \(rows) rows") }
                    // Only numeric columns can hold one: a category's expansion is 0s and 1s.
                    if let bad = values.withUnsafeBufferPointer(firstNonFinite) {
                        throw nonFinite(values[bad], row: bad, column: first, name: shape.name, path: path)
                    }
                    column = .numeric(name: shape.name, values: values)
                }
                column.expand(into: target, rows: rows, first: first)
                names += column.featureNames
                first += column.featureCount
                progress?(rows * (index + 1) / count, rows)
            }
        }
        return (features, names)
    }
}
