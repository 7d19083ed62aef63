/// How the importer turns a source column into a protected attribute, parsed from the command line:
/// `sex=Male` (categories; the listed ones privileged, comma-separated) or `age>25` / `age>=26` (a numeric
/// threshold: two categories, the rows meeting it privileged).
public struct ProtectedColumnRule: Sendable, Equatable {
    /// How privileged rows are recognised.
    public enum Privileged: Sendable, Equatable {
        /// These category values are privileged.
        case values([String])
        /// Numeric values above (or at least) the threshold are privileged.
        case threshold(Double, inclusive: Bool)
    }

    /// The source column.
    public let column: String
    /// The rule.
    public let privileged: Privileged

    /// Parses `sex=Male`, `race=White`, `age>25` or `age>=26`.
    public init(parsing text: String) throws {
        if let range = text.range(of: ">=") ?? text.range(of: ">") {
            let inclusive = text[range] == ">="
            let column = String(text[..<range.lowerBound])
            guard !column.isEmpty, let threshold = Double(text[range.upperBound...]) else {
                throw FairlabError("--protected \(text): expected COLUMN>NUMBER or COLUMN>=NUMBER")
            }
            self.column = column
            self.privileged = .threshold(threshold, inclusive: inclusive)
        } else if let equals = text.firstIndex(of: "=") {
            let column = String(text[..<equals])
            let values = text[text.index(after: equals)...].split(separator: ",").map(String.init)
            guard !column.isEmpty, !values.isEmpty else {
                throw FairlabError("--protected \(text): expected COLUMN=PRIVILEGED[,PRIVILEGED...]")
            }
            self.column = column
            self.privileged = .values(values)
        } else {
            throw FairlabError("--protected \(text): expected COLUMN=PRIVILEGED or COLUMN>THRESHOLD")
        }
    }
}
