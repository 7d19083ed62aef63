import Foundation

/// A flag another thread sets to stop a `WorkerPool.run`: its workers are killed and `run` throws. The run
/// that prepares a comparison's splits while its plugins are described is stopped this way when the plugins
/// turn out to be unusable (an unknown method id), so that error does not wait for a large dataset's reading.
public final class WorkerCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    /// A flag not yet set.
    public init() {}

    /// Sets the flag.
    public func cancel() { lock.withLock { cancelled = true } }

    /// Whether the flag is set.
    public var isCancelled: Bool { lock.withLock { cancelled } }
}
