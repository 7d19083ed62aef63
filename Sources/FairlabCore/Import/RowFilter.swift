/// `--where COLUMN<op>VALUE`: the importer keeps only the rows whose field passes the condition, before it
/// drops rows with missing values. Used, for example, to apply ProPublica's COMPAS filters as AIF360 does.
public struct RowFilter: Sendable, Equatable, CustomStringConvertible {
    /// The source column.
    public let column: String
    /// What its field must satisfy.
    public let condition: ValueCondition

    /// Parses `days_b_screening_arrest<=30`, `is_recid!=-1`, `c_charge_degree!=O`, `score==high`.
    public init(parsing text: String) throws {
        let operatorCharacters: Set<Character> = ["<", ">", "=", "!"]
        guard let start = text.firstIndex(where: operatorCharacters.contains), start != text.startIndex,
              let condition = ValueCondition(parsing: String(text[start...]))
        else {
            throw FairlabError("--where \(text): expected COLUMN>=NUMBER, COLUMN<=NUMBER, COLUMN>NUMBER, COLUMN<NUMBER, COLUMN==TEXT or COLUMN!=TEXT")
        }
        column = String(text[..<start])
        self.condition = condition
    }

    public var description: String { column + condition.description }
}
