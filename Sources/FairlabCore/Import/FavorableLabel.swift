/// Which source values of the label column are the favourable outcome (label 1), from `--favorable`: a list of
/// values (`>50K`, or `1,2`), or a numeric threshold on the label column (`>=70`, `<3`).
public enum FavorableLabel: Sendable, Equatable, CustomStringConvertible {
    /// These values, compared as text and, where both parse, as numbers (`1` matches `1.0`).
    case values([String])
    /// Numeric values meeting the condition; a value that is not a number is an error naming its line.
    case condition(ValueCondition)

    /// Parses `--favorable`: an operator `>`, `>=`, `<` or `<=` followed by a number makes a numeric threshold
    /// (`>=70`); anything else is a comma-separated list of values (`>50K` is a value, as in Adult).
    public init(parsing text: String) throws {
        if let condition = ValueCondition(parsing: text), case .numeric = condition {
            self = .condition(condition)
        } else {
            let values = text.split(separator: ",").map(String.init)
            guard !values.isEmpty else { throw FairlabError("--favorable: give the favourable value(s) or a threshold such as >=70") }
            self = .values(values)
        }
    }

    /// How the dataset records it (`favorable_value`): the values joined by commas, or the threshold.
    public var description: String {
        switch self {
        case .values(let values): return values.joined(separator: ",")
        case .condition(let condition): return condition.description
        }
    }
}
