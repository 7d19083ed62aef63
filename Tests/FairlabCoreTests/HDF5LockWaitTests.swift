import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// A file another open file description holds locked for a moment is opened once the lock goes (a child another
/// program is spawning holds that program's descriptors, and libhdf5's lock with them, until its exec); one held
/// longer than the wait is refused with the one-line error. The lock is this test's own, on a descriptor of its
/// own: flock locks belong to open file descriptions, so it conflicts with libhdf5's as another process's would.
@Suite(.serialized) struct HDF5LockWaitTests {
    /// An exclusive lock on `path`, through a descriptor opened for it.
    func lock(_ path: String) -> Int32 {
        let descriptor = open(path, O_RDONLY)
        precondition(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)
        return descriptor
    }

    @Test func aBriefLockIsWaitedOutALongOneRefused() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/locked.h5"
        _ = try HDF5File(path: path, mode: .create)

        let brief = lock(path)
        let released = Date().addingTimeInterval(0.3)
        // A thread of its own, not the shared dispatch pool: with the whole suite running, the pool's threads can
        // all be busy past the wait's second (this test once failed so), and the lock would outlast it.
        Thread {
            usleep(300_000)
            close(brief)
        }.start()
        _ = try HDF5File(path: path, mode: .readOnly)
        #expect(Date() >= released, "opened while the lock was held")

        let held = lock(path)
        defer { close(held) }
        let refused = Date()
        let error = #expect(throws: FairlabError.self) { _ = try HDF5File(path: path, mode: .readOnly) }
        #expect(error?.description.contains("another process holds it locked") == true, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(refused) >= 0.9, "gave up before its second")
    }
}
