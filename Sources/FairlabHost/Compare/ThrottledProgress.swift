import Foundation

/// Passes progress lines on at most once per `interval`, and only once the work has taken that long: a quick
/// read says nothing, a long one says how far it has got every few seconds.
public final class ThrottledProgress {
    private let interval: TimeInterval
    private let emit: (String) -> Void
    private var lastEmitted = Date()

    /// Forwards to `emit` at most every `interval` seconds, the first time after `interval` seconds.
    public init(interval: TimeInterval = 2, _ emit: @escaping (String) -> Void) {
        self.interval = interval
        self.emit = emit
    }

    /// Offers a line; it is passed on only if `interval` has gone by since the last one (or since creation).
    public func report(_ line: @autoclosure () -> String) {
        let now = Date()
        guard now.timeIntervalSince(lastEmitted) >= interval else { return }
        lastEmitted = now
        emit(line())
    }

    /// `rows` read of `total` from `path`, as a progress line.
    public func reportRows(_ rows: Int, of total: Int, reading path: String) {
        report("reading \(path): \(rows) of \(total) rows (\(Int(100 * Double(rows) / Double(max(total, 1))))%)")
    }
}
