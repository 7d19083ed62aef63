import Foundation

/// A step of a run that works on another thread while the caller does something else, and whose value (or
/// error) the caller then waits for. A comparison prepares its splits this way while its plugins are described
/// (on a short run the describing worker is a sixth of the wall time), and the prepare step hashes the dataset
/// while it writes the splits.
final class BackgroundStep<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var waited = false
    private var result: Result<Value, Error>?

    /// Starts `body` on a thread of its own.
    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the step (the first call) and returns its value or throws its error, every call alike.
    func value() throws -> Value {
        lock.withLock {
            if !waited { done.wait(); waited = true }
        }
        return try result!.get()
    }
}
