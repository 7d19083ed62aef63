import Foundation

/// Converts a CSV file into a `Dataset` (and so into fairlab's HDF5 format).
///
/// Rules, documented in docs/dataset-format.md:
/// - Every column the options name is checked against the header before any row is read.
/// - `filters` (`--where`) keep only the rows whose fields pass, before anything else.
/// - A row with a missing value (an empty field or one of `missingMarkers`) in any used column is dropped, as
///   AIF360 does for Adult; the number dropped is reported. With no markers (`--missing none`) nothing is
///   missing: `?` and empty fields are values like any other (a category of their own).
/// - A used column whose values all parse as numbers is one numeric feature, unless named in `categorical`;
///   any other column is one-hot encoded, one `column=value` feature per value, values in sorted order. A
///   column named in `numeric` must be numeric: a value that is not a number is an error naming its line.
/// - A protected column is also a feature holding 1 for privileged rows and 0 otherwise (AIF360's
///   convention), unless it is named in `drop`.
/// - The label is 1 where the label column is favourable (`FavorableLabel`).
/// - A feature column that is the label in other words (a copy, its complement, a yes/no recoding; a repeated
///   header, say) is refused unless named in `allowedLeaks` (from 20 rows on); a one-hot column whose values are unique on most rows (names,
///   dates, identifiers) is imported with a warning.
/// - `splitColumn` holds `train`, `validation` or `test` per row and becomes the dataset's fixed split.
public struct DatasetImporter: Sendable {
    /// Everything the importer needs to know.
    public struct Options: Sendable {
        /// The label column; nil for a clustering dataset, which has none.
        public var labelColumn: String?
        /// Which label values are favourable, for a binary label; nil for a regression label, read as a number.
        public var favorable: FavorableLabel?
        /// For a clustering dataset: the number of clusters its runs ask for (`fl_data.cluster_count`).
        public var clusterCount = 0
        public var protected: [ProtectedColumnRule]
        public var categorical: [String] = []
        /// Columns that must hold numbers (an error names the first line that does not).
        public var numeric: [String] = []
        public var drop: [String] = []
        /// When non-empty, only these columns (with the label and protected columns) are used.
        public var keep: [String] = []
        /// Values that mean "missing" (besides the empty field); empty: nothing is missing.
        public var missingMarkers: [String] = ["?"]
        /// Conditions a row must meet to be imported.
        public var filters: [RowFilter] = []
        /// A column of `train` / `validation` / `test` that fixes the split.
        public var splitColumn: String?
        /// Feature columns allowed even though they determine the label.
        public var allowedLeaks: [String] = []

        /// The task the label makes: binary with a favourable rule, regression without, clustering with no label.
        public var task: TaskKind { labelColumn == nil ? .clustering : favorable == nil ? .regression : .binary }

        /// Options with the required parts (`favorable` nil: a regression label; `labelColumn` nil: clustering);
        /// the rest keep their defaults.
        public init(labelColumn: String?, favorable: FavorableLabel?, protected: [ProtectedColumnRule]) {
            self.labelColumn = labelColumn
            self.favorable = favorable
            self.protected = protected
        }

        /// Options whose favourable labels are a list of values.
        public init(labelColumn: String, favorableValues: [String], protected: [ProtectedColumnRule]) {
            self.init(labelColumn: labelColumn, favorable: .values(favorableValues), protected: protected)
        }

        /// Every column these options name, with the option that names it, for checking against a header.
        public var namedColumns: [(column: String, option: String)] {
            (labelColumn.map { [($0, "--label")] } ?? []) + protected.map { ($0.column, "--protected") }
                + categorical.map { ($0, "--categorical") } + numeric.map { ($0, "--numeric") }
                + drop.map { ($0, "--drop") } + keep.map { ($0, "--keep") } + filters.map { ($0.column, "--where") }
                + (splitColumn.map { [($0, "--split-column")] } ?? []) + allowedLeaks.map { ($0, "--allow-leak") }
        }
    }

    /// What an import did, for the user.
    public struct Report: Sendable {
        public let rowsRead: Int
        public let rowsFilteredOut: Int
        public let rowsDroppedForMissingValues: Int
        /// Things the user should look at (identifier-like columns), one line each.
        public let warnings: [String]
    }

    /// Below this many rows a two-valued column matches the label by chance too easily to call it a leak (at 20
    /// rows, a coin-flip column does so once in half a million).
    static let leakCheckMinimumRows = 20
    /// A one-hot column with more distinct values than this share of the rows is reported as identifier-like.
    static let identifierShare = 0.5
    /// The split column's values, in code order (0 train, 1 validation, 2 test).
    public static let splitValues = ["train", "validation", "test"]

    public let options: Options

    /// An importer with `options`.
    public init(options: Options) { self.options = options }

    /// Imports the CSV at `path`; with `columns`, the file has no header line and these name its columns.
    /// Named columns are checked against the header before the rows are read.
    public func importCSV(at path: String, columns: [String]? = nil) throws -> (Dataset, Report) {
        try checkNamedColumns(in: columns ?? CSVTable.header(ofFile: path), file: path, headerless: columns != nil)
        let table = try CSVTable(contentsOf: path, columns: columns)
        return try importTable(table, name: path)
    }

    /// Throws a one-line error for the first named column missing from `header`.
    public func checkNamedColumns(in header: [String], file: String, headerless: Bool = false) throws {
        let known = Set(header)
        guard let (column, option) = options.namedColumns.first(where: { !known.contains($0.column) }) else { return }
        let shown = header.count > 12 ? header.prefix(12).joined(separator: ", ") + ", … (\(header.count) columns)" : header.joined(separator: ", ")
        let hint = headerless ? "" : "; if the file has no header line, give the names with --no-header --columns or --names-file"
        throw FairlabError(file: file, "\(option) names column '\(column)', which the file does not have (columns: \(shown))\(hint)")
    }

    /// Imports an already-parsed table; `name` is used in messages.
    public func importTable(_ table: CSVTable, name: String) throws -> (Dataset, Report) {
        func fail(_ problem: String) -> FairlabError { FairlabError(file: name, problem) }
        guard !options.protected.isEmpty else { throw fail("at least one --protected attribute is required") }
        let protectedNames = options.protected.map(\.column)
        if let repeated = protectedNames.first(where: { name in protectedNames.filter { $0 == name }.count > 1 }) {
            throw fail("--protected names the column \(repeated) twice (one rule per protected column)")
        }
        try checkNamedColumns(in: table.header, file: name)
        func index(_ column: String) -> Int { table.header.firstIndex(of: column)! }
        if options.task == .clustering, options.clusterCount < 2 {
            throw fail("a clustering dataset needs a number of clusters of at least 2 (--clusters), not \(options.clusterCount)")
        }
        let labelIndex = options.labelColumn.map(index)
        let labelName = options.labelColumn ?? ""
        let protectedIndices = options.protected.map { index($0.column) }
        if let both = options.numeric.first(where: options.categorical.contains) {
            throw fail("column \(both) cannot be both --numeric and --categorical")
        }
        guard labelIndex.map({ !Set(protectedIndices).contains($0) }) ?? true else { throw fail("the label column cannot be protected") }
        let splitIndex = options.splitColumn.map(index)
        if let splitIndex, splitIndex == labelIndex || protectedIndices.contains(splitIndex) {
            throw fail("--split-column \(options.splitColumn!) is also the label or a protected column")
        }

        // Columns that become features, in source order.
        let keepSet = Set(options.keep)
        let dropSet = Set(options.drop)
        let protectedColumns = Set(options.protected.map(\.column))
        let featureColumns = table.header.indices.filter { index in
            let column = table.header[index]
            if index == labelIndex || index == splitIndex || dropSet.contains(column) { return false }
            return keepSet.isEmpty || keepSet.contains(column) || protectedColumns.contains(column)
        }
        let usedColumns = featureColumns + protectedIndices + (labelIndex.map { [$0] } ?? []) + (splitIndex.map { [$0] } ?? [])
        let usedSet = Set(usedColumns)

        // Row filters, then rows with a missing value in a used column.
        let filters = options.filters.map { (index($0.column), $0.condition) }
        let filteredRows = table.rows.indices.filter { row in filters.allSatisfy { $0.1.holds(for: table.rows[row][$0.0]) } }
        guard !table.rows.isEmpty else { throw fail("the file has no data rows, only its header") }
        guard !filteredRows.isEmpty else {
            throw fail("no row passes --where \(options.filters.map(\.description).joined(separator: " --where "))")
        }
        let missing = Set(options.missingMarkers + (options.missingMarkers.isEmpty ? [] : [""]))
        var keptRows: [Int] = []
        var missingCounts: [Int: Int] = [:]
        for row in filteredRows {
            let record = table.rows[row]
            var complete = true
            for column in usedSet where missing.contains(record[column]) {
                complete = false
                missingCounts[column, default: 0] += 1
            }
            if complete { keptRows.append(row) }
        }
        guard !keptRows.isEmpty else {
            let worst = missingCounts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
            let columns = worst.map { "\(table.header[$0.key]) (\(Self.percent($0.value, of: filteredRows.count)) of rows)" }
            throw fail("every row has a missing value (\(missing.sorted().map { "'\($0)'" }.joined(separator: ", "))); missing most in: \(columns.joined(separator: ", ")). --drop those columns, or keep the marker as a category with --missing none")
        }
        func value(_ row: Int, _ column: Int) -> String { table.rows[row][column] }

        // Label (a clustering dataset has none: its rows carry 0, so every part of the run counts rows alike and its
        // split is stratified by group alone).
        let labels: [Double]
        if let labelIndex, let favorable = options.favorable {
            labels = try keptRows.map { row in try Self.isFavorable(value(row, labelIndex), favorable, line: table.lineNumbers[row], options: options, name: name) ? 1.0 : 0.0 }
            guard labels.contains(1) else { throw fail("no row has the favourable label \(favorable) in column \(labelName)") }
            guard labels.contains(0) else { throw fail("every row has the favourable label: the label has one class") }
        } else if let labelIndex {
            labels = try keptRows.map { row in
                let text = value(row, labelIndex)
                guard let number = Double(text), number.isFinite else {
                    throw fail("line \(table.lineNumbers[row]), column \(labelName): '\(text)' is not a number, and a regression label must be one")
                }
                return number
            }
            guard labels.contains(where: { $0 != labels[0] }) else { throw fail("the label \(labelName) is constant (\(labels[0])): there is nothing to predict") }
        } else {
            labels = [Double](repeating: 0, count: keptRows.count)
            guard keptRows.count >= options.clusterCount else {
                throw fail("\(options.clusterCount) clusters need at least as many rows; \(keptRows.count) remain after filters and missing values")
            }
        }

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
        var warnings: [String] = []
        for column in featureColumns {
            let header = table.header[column]
            if let flags = privilegedRows[header] {
                featureNames.append(header)
                columns.append(flags.map { $0 ? 1 : 0 })
                continue
            }
            let texts = keptRows.map { value($0, column) }
            if options.task != .clustering, keptRows.count >= Self.leakCheckMinimumRows, !options.allowedLeaks.contains(header),
               options.task == .binary ? Self.copiesLabel(labels, texts) : zip(labels, texts).allSatisfy({ Double($1) == $0 }) {
                throw fail("column \(header) equals the label \(labelName) (or its complement) on every row: as a feature it leaks the answer. Leave it out with --drop \(header), or keep it with --allow-leak \(header)")
            }
            let numbers = texts.compactMap(Double.init)
            if options.numeric.contains(header), let bad = zip(keptRows, texts).first(where: { Double($0.1)?.isFinite != true }) {
                throw fail("line \(table.lineNumbers[bad.0]), column \(header): '\(bad.1)' is not a number")
            }
            if numbers.count == texts.count, !categorical.contains(header), numbers.allSatisfy(\.isFinite) {
                featureNames.append(header)
                columns.append(numbers)
            } else {
                let categories = Set(texts).sorted()
                if Double(categories.count) > Self.identifierShare * Double(texts.count), categories.count > 2 {
                    warnings.append("column \(header) has \(categories.count) distinct values on \(texts.count) rows (a name, date or identifier?): it becomes \(categories.count) one-hot features; --drop \(header) unless you mean it")
                }
                for category in categories {
                    featureNames.append("\(header)=\(category)")
                    columns.append(texts.map { $0 == category ? 1 : 0 })
                }
            }
        }

        var split: [Int8]?
        if let splitIndex {
            split = try keptRows.map { row in
                let text = value(row, splitIndex)
                guard let code = Self.splitValues.firstIndex(of: text) else {
                    throw fail("line \(table.lineNumbers[row]), column \(table.header[splitIndex]): '\(text)' is not one of \(Self.splitValues.joined(separator: ", "))")
                }
                return Int8(code)
            }
            guard split!.contains(0), split!.contains(2) else { throw fail("--split-column \(table.header[splitIndex]) has no train or no test rows") }
        }

        let features = Matrix(rows: keptRows.count, cols: columns.count, columnMajor: columns.flatMap { $0 })
        let dataset = Dataset(
            features: features, featureNames: featureNames, labels: labels, labelName: labelName,
            favorableValue: options.favorable?.description ?? "", protected: protected, split: split, task: options.task,
            clusterCount: options.clusterCount)
        let report = Report(
            rowsRead: table.rows.count, rowsFilteredOut: table.rows.count - filteredRows.count,
            rowsDroppedForMissingValues: filteredRows.count - keptRows.count, warnings: warnings)
        return (dataset, report)
    }

    /// Whether the label column's `text` is favourable.
    private static func isFavorable(_ text: String, _ favorable: FavorableLabel, line: Int, options: Options, name: String) throws -> Bool {
        switch favorable {
        case .values(let values):
            return values.contains(text) || Double(text).map { number in values.contains { Double($0) == number } } == true
        case .condition(let condition):
            guard Double(text)?.isFinite == true else {
                throw FairlabError(file: name, "line \(line), column \(options.labelColumn ?? ""): '\(text)' is not a number, so --favorable \(condition) cannot apply")
            }
            return condition.holds(for: text)
        }
    }

    /// Whether `texts` is the label in other words: two values, each always with its own label (a copy of the
    /// label, its complement, or a recoding such as yes/no).
    static func copiesLabel(_ labels: [Double], _ texts: [String]) -> Bool {
        var labelOf: [String: Double] = [:]
        for (label, text) in zip(labels, texts) {
            if let seen = labelOf.updateValue(label, forKey: text), seen != label { return false }
            if labelOf.count > 2 { return false }
        }
        return labelOf.count == 2
    }

    static func percent(_ count: Int, of total: Int) -> String {
        String(format: "%.0f%%", 100 * Double(count) / Double(max(total, 1)))
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
