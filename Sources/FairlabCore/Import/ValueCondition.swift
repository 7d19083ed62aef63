/// A test of one CSV field, parsed from the command line: a numeric comparison (`>=70`, `<=30`, `>25`, `<3`)
/// or a text comparison of the raw field (`==O`, `!=N/A`; an empty field is the empty string).
///
/// A numeric comparison fails for a field that is not a number (empty, `N/A`), as a comparison with pandas'
/// NaN does: `--where 'days_b_screening_arrest<=30'` drops rows where the value is missing.
public enum ValueCondition: Sendable, Equatable, CustomStringConvertible {
    /// The field is a number that compares so with the operand.
    case numeric(Comparison, Double)
    /// The field is exactly this text.
    case equals(String)
    /// The field is anything but this text.
    case notEquals(String)

    /// The numeric comparisons.
    public enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", greater = ">", less = "<"
    }

    /// The operators, longest first so that `>=` is not read as `>`.
    static let operators = ["==", "!=", ">=", "<=", ">", "<"]

    /// Parses an operator and its operand, e.g. `>=70` or `!=O`; nil if `text` does not start with an operator.
    public init?(parsing text: String) {
        guard let symbol = Self.operators.first(where: text.hasPrefix) else { return nil }
        let operand = String(text.dropFirst(symbol.count))
        switch symbol {
        case "==": self = .equals(operand)
        case "!=": self = .notEquals(operand)
        default:
            guard let number = Double(operand), number.isFinite else { return nil }
            self = .numeric(Comparison(rawValue: symbol)!, number)
        }
    }

    /// Whether `field` passes.
    public func holds(for field: String) -> Bool {
        switch self {
        case .equals(let text): return field == text
        case .notEquals(let text): return field != text
        case .numeric(let comparison, let operand):
            guard let value = Double(field), !value.isNaN else { return false }
            switch comparison {
            case .greaterOrEqual: return value >= operand
            case .lessOrEqual: return value <= operand
            case .greater: return value > operand
            case .less: return value < operand
            }
        }
    }

    /// The condition as it is written, e.g. `>=70`.
    public var description: String {
        switch self {
        case .equals(let text): return "==\(text)"
        case .notEquals(let text): return "!=\(text)"
        case .numeric(let comparison, let operand): return comparison.rawValue + operand.shortestText()
        }
    }
}
