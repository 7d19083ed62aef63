import CFairlabPlugin

/// A method's validated parameter values, read by key.
public struct ParameterValues: Sendable {
    private let numbers: [Double]
    private let texts: [String]
    private let positions: [String: Int]

    init(_ values: fl_param_values, keys: [String]) throws {
        guard Int(values.count) == keys.count else {
            throw PluginError.invalidInput("host passed \(values.count) parameter values for \(keys.count) parameters")
        }
        numbers = (0..<keys.count).map { values.numbers[$0] }
        texts = (0..<keys.count).map { String(cString: values.texts[$0]!) }
        positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
    }

    /// The numeric value of `key` (REAL, INTEGER, BOOLEAN as 0/1).
    public func number(_ key: String) -> Double { numbers[position(key)] }

    /// The text of `key` (every type).
    public func text(_ key: String) -> String { texts[position(key)] }

    private func position(_ key: String) -> Int {
        guard let position = positions[key] else { preconditionFailure("parameter \(key) is not declared by this method") }
        return position
    }
}
