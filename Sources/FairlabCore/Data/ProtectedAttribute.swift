/// A protected attribute of a dataset: an integer code per row, the name of each code, and which codes are
/// privileged. It may have more than two categories (COMPAS race has six).
public struct ProtectedAttribute: Sendable, Equatable {
    /// The attribute's name, e.g. "sex".
    public let name: String
    /// One code per row, indexing `categories`.
    public let codes: [Int32]
    /// The category each code stands for, e.g. ["Female", "Male"].
    public let categories: [String]
    /// The codes of the privileged categories, sorted.
    public let privilegedCodes: [Int32]

    /// An attribute; codes must index `categories`.
    public init(name: String, codes: [Int32], categories: [String], privilegedCodes: [Int32]) {
        self.name = name
        self.codes = codes
        self.categories = categories
        self.privilegedCodes = privilegedCodes.sorted()
    }
}
