/// What each feature column of a dataset is: a number, one category of a categorical source column
/// (`column=value`, in a block with its siblings), or a protected attribute's own 0/1 column. Plugins get this
/// through `fl_data` (ABI 2): a disparate impact remover repairs all but the protected column, a correlation
/// remover regresses on it and drops it.
public struct FeatureColumns: Sendable, Equatable {
    /// The kinds, with the values the ABI gives them (`FL_COLUMN_*`).
    public enum Kind: Int32, Sendable {
        case numeric = 0, oneHot = 1, protected = 2
    }

    public let names: [String]
    public let kinds: [Kind]
    /// Per column, the index of the first column of its source column.
    public let sources: [Int32]

    /// Reads the kinds off the names, as `fairlab import` writes them: a name that is one of
    /// `protectedAttributes` (the run's) is that attribute's own column, `source=value` is one-hot, anything
    /// else numeric.
    public init(names: [String], protectedAttributes: [String]) {
        self.names = names
        var kinds: [Kind] = [], sources: [Int32] = []
        var firstOneHot: [String: Int32] = [:]   // source column → its first one-hot column
        for (index, name) in names.enumerated() {
            if protectedAttributes.contains(name) {
                kinds.append(.protected)
                sources.append(Int32(index))
            } else if let equals = name.firstIndex(of: "="), equals != name.startIndex {
                kinds.append(.oneHot)
                let source = String(name[..<equals])
                if firstOneHot[source] == nil { firstOneHot[source] = Int32(index) }
                sources.append(firstOneHot[source]!)
            } else {
                kinds.append(.numeric)
                sources.append(Int32(index))
            }
        }
        self.kinds = kinds
        self.sources = sources
    }
}
