import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// A file another process holds locked for a moment is opened once the lock goes (a worker being spawned by another
/// thread holds the host's descriptors, and libhdf5's lock with them, until its exec); one held longer than the
/// wait is refused with the one-line error.
@Suite(.serialized) struct HDF5LockWaitTests {
    /// Starts `flock` holding an exclusive lock on `path` for `seconds`, and returns once the lock is held.
    func holdLock(on path: String, for seconds: Double) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["-x", path, "sleep", String(seconds)]
        try holder.run()
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            usleep(1_000)
        }
        return holder
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs util-linux's flock"))
    func aBriefLockIsWaitedOutALongOneRefused() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/locked.h5"
        _ = try HDF5File(path: path, mode: .create)

        let brief = try holdLock(on: path, for: 0.3)
        let started = Date()
        _ = try HDF5File(path: path, mode: .readOnly)
        let waited = Date().timeIntervalSince(started)
        #expect(waited > 0.1 && waited < 5, "opened after \(waited) s")
        brief.waitUntilExit()

        let long = try holdLock(on: path, for: 5)
        defer { long.terminate(); long.waitUntilExit() }
        let refused = Date()
        let error = #expect(throws: FairlabError.self) { _ = try HDF5File(path: path, mode: .readOnly) }
        #expect(error?.description.contains("locked") == true, "\(String(describing: error))")
        let gaveUp = Date().timeIntervalSince(refused)
        #expect(gaveUp > 0.5 && gaveUp < 4, "gave up after \(gaveUp) s")
    }
}
