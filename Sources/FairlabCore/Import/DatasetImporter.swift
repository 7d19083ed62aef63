import Foundation

/// Converts a CSV file into a `Dataset` (and so into fairlab's HDF5 format).
///
/// Rules, documented in docs/dataset-format.md:
/// - A row with a missing value (an empty field or one of `missingMarkers`) in any used column is dropped, as
///   AIF360 does for Adult; the number dropped is reported.
/// - A used column whose values all parse as numbers is one numeric feature, unless named in `categorical`;
///   any other column is one-hot encoded, one `column=value` feature per value, values in sorted order. A
///   column named in `numeric` must be numeric: a value that is not a number is an error naming its line.
/// - A protected column is also a feature holding 1 for privileged rows and 0 otherwise (AIF360's
///   convention), unless it is named in `drop`.
/// - The label is 1 where the label column equals one of `favorableValues` (as text, or as numbers).
public struct DatasetImporter: Sendable {
    /// Everything the importer needs to know.
    public struct Options: Sendable {
        public var labelColumn: String
        public var favorableValues: [String]
        public var protected: [ProtectedColumnRule]
        public var categorical: [String] = []
        /// Columns that must hold numbers (an error names the first line that does not).
        public var numeric: [String] = []
        public var drop: [String] = []
        /// When non-empty, only these columns (with the label and protected columns) are used.
        public var keep: [String] = []
        public var missingMarkers: [String] = ["?"]

        /// Options with the required parts; the rest keep their defaults.
        public init(labelColumn: String, favorableValues: [String], protected: [ProtectedColumnRule]) {
            self.labelColumn = labelColumn
            self.favorableValues = favorableValues
            self.protected = protected
        }
    }

    /// What an import did, for the user.
    public struct Report: Sendable {
        public let rowsRead: Int
        public let rowsDroppedForMissingValues: Int
    }

    public let options: Options

    /// An importer with `options`.
    public init(options: Options) { self.options = options }

    /// Imports the CSV at `path`.
    public func importCSV(at path: String) throws -> (Dataset, Report) {
        let table = try CSVTable(contentsOf: path)
        return try importTable(table, name: path)
    }

    /// Imports an already-parsed table; `name` is used in messages.
    public func importTable(_ table: CSVTable, name: String) throws -> (Dataset, Report) {
        func fail(_ problem: String) -> FairlabError { FairlabError(file: name, problem) }
        guard !options.protected.isEmpty else { throw fail("at least one --protected attribute is required") }
        let labelIndex = try table.columnIndex(options.labelColumn, file: name)
        let protectedIndices = try options.protected.map { try table.columnIndex($0.column, file: name) }
        for column in options.categorical + options.numeric + options.drop + options.keep { _ = try table.columnIndex(column, file: name) }
        if let both = options.numeric.first(where: options.categorical.contains) {
            throw fail("column \(both) cannot be both --numeric and --categorical")
        }
        guard !Set(protectedIndices).contains(labelIndex) else { throw fail("the label column cannot be protected") }

        // Columns that become features, in source order.
        let keepSet = Set(options.keep)
        let dropSet = Set(options.drop)
        let protectedColumns = Set(options.protected.map(\.column))
        let featureColumns = table.header.indices.filter { index in
            let column = table.header[index]
            if index == labelIndex || dropSet.contains(column) { return false }
            return keepSet.isEmpty || keepSet.contains(column) || protectedColumns.contains(column)
        }
        let usedColumns = Set(featureColumns + protectedIndices + [labelIndex])

        // Drop rows with a missing value in a used column.
        let missing = Set(options.missingMarkers + [""])
        var keptRows: [Int] = []
        for (row, record) in table.rows.enumerated() where !usedColumns.contains(where: { missing.contains(record[$0]) }) {
            keptRows.append(row)
        }
        guard !keptRows.isEmpty else { throw fail("every row has a missing value") }
        func value(_ row: Int, _ column: Int) -> String { table.rows[row][column] }

        // Label.
        let favorable = Set(options.favorableValues)
        let favorableNumbers = Set(options.favorableValues.compactMap(Double.init))
        let labels: [Double] = keptRows.map { row in
            let text = value(row, labelIndex)
            return favorable.contains(text) || Double(text).map(favorableNumbers.contains) == true ? 1 : 0
        }
        guard labels.contains(1) else { throw fail("no row has the favourable label \(options.favorableValues.joined(separator: ",")) in column \(options.labelColumn)") }
        guard labels.contains(0) else { throw fail("every row has the favourable label: the label has one class") }

        // Protected attributes.
        var protected: [ProtectedAttribute] = []
        var privilegedRows: [String: [Bool]] = [:]
        for (rule, column) in zip(options.protected, protectedIndices) {
            let attribute = try protectedAttribute(rule, column: column, rows: keptRows, table: table, name: name)
            guard Set(attribute.codes).count >= 2 else {
                throw fail("protected attribute \(rule.column) has only one group (\(attribute.categories[Int(attribute.codes[0])]))")
            }
            protected.append(attribute)
            privilegedRows[rule.column] = attribute.codes.map { attribute.privilegedCodes.contains($0) }
        }

        // Features.
        let categorical = Set(options.categorical)
        var featureNames: [String] = []
        var columns: [[Double]] = []
        for column in featureColumns {
            let header = table.header[column]
            if let flags = privilegedRows[header] {
                featureNames.append(header)
                columns.append(flags.map { $0 ? 1 : 0 })
                continue
            }
            let texts = keptRows.map { value($0, column) }
            let numbers = texts.compactMap(Double.init)
            if options.numeric.contains(header), let bad = zip(keptRows, texts).first(where: { Double($0.1)?.isFinite != true }) {
                throw fail("line \(table.lineNumbers[bad.0]), column \(header): '\(bad.1)' is not a number")
            }
            if numbers.count == texts.count, !categorical.contains(header), numbers.allSatisfy(\.isFinite) {
                featureNames.append(header)
                columns.append(numbers)
            } else {
                for category in Set(texts).sorted() {
                    featureNames.append("\(header)=\(category)")
                    columns.append(texts.map { $0 == category ? 1 : 0 })
                }
            }
        }
        let features = Matrix(rows: keptRows.count, cols: columns.count, columnMajor: columns.flatMap { $0 })
        let dataset = Dataset(
            features: features, featureNames: featureNames, labels: labels, labelName: options.labelColumn,
            favorableValue: options.favorableValues.joined(separator: ","), protected: protected)
        return (dataset, Report(rowsRead: table.rows.count, rowsDroppedForMissingValues: table.rows.count - keptRows.count))
    }

    private func protectedAttribute(_ rule: ProtectedColumnRule, column: Int, rows: [Int], table: CSVTable, name: String) throws -> ProtectedAttribute {
        let texts = rows.map { table.rows[$0][column] }
        switch rule.privileged {
        case .values(let privilegedValues):
            let categories = Set(texts).sorted()
            for value in privilegedValues where !categories.contains(value) {
                throw FairlabError(file: name, "privileged value '\(value)' does not occur in column \(rule.column) (values: \(categories.joined(separator: ", ")))")
            }
            let codeOf = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, Int32($0)) })
            return ProtectedAttribute(
                name: rule.column, codes: texts.map { codeOf[$0]! }, categories: categories,
                privilegedCodes: privilegedValues.map { codeOf[$0]! })
        case .threshold(let threshold, let inclusive):
            let number = threshold.shortestText()
            let categories = inclusive
                ? ["\(rule.column)<\(number)", "\(rule.column)>=\(number)"]
                : ["\(rule.column)<=\(number)", "\(rule.column)>\(number)"]
            let codes: [Int32] = try zip(rows, texts).map { row, text in
                guard let value = Double(text) else {
                    throw FairlabError(file: name, "line \(table.lineNumbers[row]), column \(rule.column): '\(text)' is not a number")
                }
                return (inclusive ? value >= threshold : value > threshold) ? 1 : 0
            }
            return ProtectedAttribute(name: rule.column, codes: codes, categories: categories, privilegedCodes: [1])
        }
    }
}

extension Double {
    /// The shortest text that reads back as this number ("25" rather than "25.0").
    func shortestText() -> String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
