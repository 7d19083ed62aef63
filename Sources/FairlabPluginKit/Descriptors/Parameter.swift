import CFairlabPlugin

/// A method parameter, as a Swift plugin declares it; turned into an `fl_param_descriptor` for the host.
public struct Parameter: Sendable {
    /// The parameter's kind, with its bounds or choices.
    public enum Kind: Sendable {
        case real(minimum: Double = -.infinity, maximum: Double = .infinity)
        case integer(minimum: Double = -.infinity, maximum: Double = .infinity)
        case boolean
        case choice([String])
        case text
    }

    public let key: String
    public let description: String
    public let kind: Kind
    public let defaultValue: String

    /// A parameter called `key` with a default written as a user would type it.
    public init(_ key: String, _ kind: Kind, default defaultValue: String, description: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.description = description
    }

    func descriptor() -> UnsafePointer<fl_param_descriptor> {
        var type: fl_param_type
        var minimum = -Double.infinity, maximum = Double.infinity
        var choices: UnsafePointer<UnsafePointer<CChar>?>?
        switch kind {
        case .real(let low, let high): type = FL_PARAM_REAL; (minimum, maximum) = (low, high)
        case .integer(let low, let high): type = FL_PARAM_INTEGER; (minimum, maximum) = (low, high)
        case .boolean: type = FL_PARAM_BOOLEAN
        case .choice(let values): type = FL_PARAM_CHOICE; choices = permanentCStringList(values)
        case .text: type = FL_PARAM_TEXT
        }
        return permanent(fl_param_descriptor(
            struct_size: UInt32(MemoryLayout<fl_param_descriptor>.size), abi_version: FAIRLAB_ABI_VERSION,
            key: permanentCString(key), description: permanentCString(description), type: type,
            default_value: permanentCString(defaultValue), minimum: minimum, maximum: maximum, choices: choices))
    }
}
