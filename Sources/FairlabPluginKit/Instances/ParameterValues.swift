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

    /// The text of `key` read as comma-separated finite numbers (spaces allowed), `count` of them if given;
    /// throws an error naming the parameter otherwise (an empty item such as "1,,2" included).
    public func numberList(_ key: String, count: Int? = nil) throws -> [Double] {
        let items = text(key).split(separator: ",", omittingEmptySubsequences: false)
        let numbers = items.compactMap { Double(String($0.filter { $0 != " " })) }.filter(\.isFinite)
        guard !items.isEmpty, numbers.count == items.count, count.map({ $0 == numbers.count }) ?? true else {
            let wanted = count.map { "\($0) comma-separated finite numbers" } ?? "comma-separated finite numbers"
            throw PluginError.invalidInput("\(key) must be \(wanted); given \(items.count) items: \(text(key))")
        }
        return numbers
    }

    private func position(_ key: String) -> Int {
        guard let position = positions[key] else { preconditionFailure("parameter \(key) is not declared by this method") }
        return position
    }
}
