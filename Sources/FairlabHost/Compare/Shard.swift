import FairlabCore

/// A deterministic slice of a run's (method, seed) grid: shard `index` of `count`, written `K/M` (1 ≤ K ≤ M).
/// Jobs are dealt round-robin in the run's order (each method's row, the baseline's first; within a row, each
/// seed), so shards get near-equal shares of every method.
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    /// K, from 1.
    public let index: Int
    /// M.
    public let count: Int

    /// The most shards a run may be split into.
    public static let maximumCount = 1_000_000

    /// Parses `K/M`, throwing a one-line error for anything else.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw FairlabError("--shard \(text): expected K/M, such as 2/8 for the second of eight shards")
        }
        guard count >= 1, count <= Self.maximumCount else { throw FairlabError("--shard \(text): M must be between 1 and \(Self.maximumCount)") }
        guard index >= 1, index <= count else { throw FairlabError("--shard \(text): K must be between 1 and M (\(count))") }
        self.index = index
        self.count = count
    }

    /// Whether this shard runs job number `job` (from 0, in the run's order).
    public func owns(job: Int) -> Bool { job % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}
