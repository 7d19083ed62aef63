import FairlabCore
/// Turns a method's defaults and a user's `--param method.key=value` overrides into validated values, in
/// descriptor order: the canonical text of each, and its number (NaN for choice and text parameters).
public struct ResolvedParameters: Codable, Sendable, Equatable {
    public let keys: [String]
    public let texts: [String]
    public let numbers: [Double]

    /// `key=value` pairs, for display and for the results file.
    public var summary: String { zip(keys, texts).map { "\($0)=\($1)" }.joined(separator: " ") }

    /// Resolves `overrides` (key → text) against `method`'s parameters.
    public init(method: MethodInfo, overrides: [String: String]) throws {
        let known = Set(method.parameters.map(\.key))
        if let unknown = overrides.keys.sorted().first(where: { !known.contains($0) }) {
            let list = method.parameters.map(\.key).joined(separator: ", ")
            throw FairlabError("unknown parameter '\(unknown)' for method \(method.id) (it has: \(list.isEmpty ? "none" : list))")
        }
        var texts: [String] = [], numbers: [Double] = []
        for parameter in method.parameters {
            let text = overrides[parameter.key] ?? parameter.defaultValue
            let (canonical, number) = try Self.parse(text, for: parameter, method: method.id)
            texts.append(canonical)
            numbers.append(number)
        }
        keys = method.parameters.map(\.key)
        self.texts = texts
        self.numbers = numbers
    }

    private static func parse(_ text: String, for parameter: ParameterInfo, method: String) throws -> (String, Double) {
        let name = "\(method).\(parameter.key)"
        func checkBounds(_ value: Double) throws {
            if let minimum = parameter.minimum, value < minimum { throw FairlabError("\(name)=\(text) is below its minimum \(minimum)") }
            if let maximum = parameter.maximum, value > maximum { throw FairlabError("\(name)=\(text) is above its maximum \(maximum)") }
        }
        switch parameter.type {
        case .real:
            guard let value = Double(text), value.isFinite else { throw FairlabError("\(name)=\(text) is not a number") }
            try checkBounds(value)
            return (String(value), value)
        case .integer:
            guard let value = Int64(text) else { throw FairlabError("\(name)=\(text) is not an integer") }
            try checkBounds(Double(value))
            return (String(value), Double(value))
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return ("true", 1)
            case "false", "0", "no": return ("false", 0)
            default: throw FairlabError("\(name)=\(text) is not true or false")
            }
        case .choice:
            guard parameter.choices.contains(text) else {
                throw FairlabError("\(name)=\(text) is not one of: \(parameter.choices.joined(separator: ", "))")
            }
            return (text, .nan)
        case .text:
            return (text, .nan)
        }
    }
}
