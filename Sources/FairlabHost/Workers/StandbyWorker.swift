import Foundation

/// A worker process started before its task is known (`fairlab worker standby`), waiting on its end of a socket
/// for one. A pool that keeps one hands it the next task when a slot frees, so that task skips the process start
/// (exec, dynamic linking, the Swift runtime and Foundation: about 10 ms) on the critical path: the standby
/// started while another worker ran. The worker's side is `WorkerEntry.awaitAssignment`.
final class StandbyWorker {
    /// The descriptor on which the standby reads its task.
    static let taskDescriptor: Int32 = 3

    let pid: pid_t
    /// The host's end of the socket; -1 once the task is sent.
    private var socket: Int32
    private var reaped = false
    /// The thread that spawned it: the kernel kills the standby when that thread ends (`fairlab_die_with_parent`).
    private let spawningThread: pthread_t

    init(pid: pid_t, socket: Int32, spawningThread: pthread_t) {
        self.pid = pid
        self.socket = socket
        self.spawningThread = spawningThread
    }

    /// Sends `task` (its log path, then its arguments, each ended by a NUL byte) and closes the host's end; the
    /// standby reads to the end, points its output at the log, and runs the task. False if the standby has died,
    /// cannot be reached, or would die with another thread than the caller's: the caller then `discard`s it and
    /// spawns the task itself. (A standby killed from outside at the very moment it is sent a task fails that
    /// task, as it would a worker killed then.)
    func assign(_ task: WorkerTask) -> Bool {
        guard pthread_equal(spawningThread, pthread_self()) != 0 else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            return false
        }
        let message: [UInt8] = ([task.logPath] + task.arguments).flatMap { Array($0.utf8) + [0] }
        let sent = message.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(socket)
        socket = -1
        return sent == message.count
    }

    /// Stops the standby, unused or unreachable, and reaps it.
    func discard() {
        if socket >= 0 {
            close(socket)
            socket = -1
        }
        guard !reaped else { return }
        WorkerPool.killAndReap(pid)
        reaped = true
    }
}
