/// An error fairlab reports to its user as one line, naming the file or item and the problem.
public struct FairlabError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The one-line message, e.g. `datasets/x.h5: missing dataset /label`.
    public let message: String

    /// Creates an error with a complete one-line message.
    public init(_ message: String) {
        self.message = message.replacingOccurrences(of: "\n", with: " ")
    }

    /// Creates an error about a file: `path: problem`.
    public init(file path: String, _ problem: String) {
        self.init("\(path): \(problem)")
    }

    public var description: String { message }
}
