import CProcessControl
import Foundation

/// A worker process started once, before any task (`fairlab worker template`), that starts each task's worker as
/// a copy of itself: the copy skips the process start (exec, dynamic linking, the Swift runtime and Foundation: about
/// 12 ms of CPU, on every one of a stress run's hundreds of jobs), yet each task still runs in a process of its own,
/// fresh from the template, which never runs a task or loads a plugin itself. The copies are the host's own
/// children (`fairlab_fork_sibling`): the pool waits for them, samples their memory and kills them as it does the
/// workers it spawns. The template's side is `WorkerEntry.serveTasks`.
final class WorkerTemplate {
    /// The descriptor on which the template reads tasks and answers with each copy's pid.
    static let taskDescriptor: Int32 = 3
    /// Seconds to wait for the template's answer before giving up on it (it answers in about a millisecond; the
    /// pool's loop waits meanwhile, its other workers unwatched).
    static let answerTimeout = 2.0

    let pid: pid_t
    /// The host's end of the socket; -1 once closed.
    private var socket: Int32
    private var reaped = false
    /// Whether the template answered that it could not start a copy because the kernel refuses its clone (EPERM or
    /// ENOSYS: a sandbox's seccomp filter, say): another template would fail alike, so the pool spawns its workers
    /// instead. Other refusals (no memory, the process limit) may pass.
    private(set) var cannotCopy = false
    /// The bytes of an answer given up on (`start` timed out): the copy it names may still start, and `discard`
    /// stops it, so that its task does not run twice.
    private var unreadAnswer: (value: Int32, received: Int)?
    /// The thread that spawned it: the kernel kills the template, and the copies it starts, when that thread
    /// ends (`fairlab_die_with_parent`).
    private let spawningThread: pthread_t

    init(pid: pid_t, socket: Int32, spawningThread: pthread_t) {
        self.pid = pid
        self.socket = socket
        self.spawningThread = spawningThread
    }

    /// Sends `task` (its log path, then its arguments, each ended by a NUL byte, after the message's length) and
    /// returns the pid of the copy that runs it: a child of this process, which points its output at the task's log
    /// and runs the task. Nil if the template has died, cannot be reached, does not answer in time, could not start
    /// a copy, or would start one that dies with another thread than the caller's: the caller then `discard`s it
    /// and spawns the task itself.
    func start(_ task: WorkerTask) -> pid_t? {
        guard socket >= 0, pthread_equal(spawningThread, pthread_self()) != 0 else { return nil }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            return nil
        }
        let payload: [UInt8] = ([task.logPath] + task.arguments).flatMap { Array($0.utf8) + [0] }
        let message = withUnsafeBytes(of: UInt32(payload.count)) { Array($0) } + payload
        var sent = 0
        while sent < message.count {
            let count = message.withUnsafeBytes { send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            sent += count
        }
        var answer: Int32 = 0
        var received = 0
        let deadline = Date().addingTimeInterval(Self.answerTimeout)
        while received < 4 {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                unreadAnswer = (answer, received)
                return nil
            }
            let ready = fairlab_wait_readable([socket], 1, Int32(left * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            let count = withUnsafeMutableBytes(of: &answer) { recv(socket, $0.baseAddress! + received, 4 - received, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            received += count
        }
        guard answer > 0 else {
            cannotCopy = answer == -EPERM || answer == -ENOSYS
            return nil
        }
        // The copy puts itself in a process group of its own, as a spawned worker starts in one; set here too, so
        // the group exists before anything here kills it (a parent may set its child's group until it execs).
        setpgid(answer, answer)
        return answer
    }

    /// Stops the template (killed and reaped; its socket closed) and, if an answer was given up on, the copy that
    /// answer names. The copies it started for tasks are the host's children and run on.
    func discard() {
        if !reaped {
            WorkerPool.killAndReap(pid)
            reaped = true
        }
        // The template is gone: whatever it answered is in the socket by now.
        if var (answer, received) = unreadAnswer, socket >= 0 {
            while received < 4 {
                let count = withUnsafeMutableBytes(of: &answer) { recv(socket, $0.baseAddress! + received, 4 - received, Int32(MSG_DONTWAIT)) }
                guard count > 0 else { break }
                received += count
            }
            if received == 4, answer > 0 { WorkerPool.killAndReap(answer) }
            unreadAnswer = nil
        }
        if socket >= 0 {
            close(socket)
            socket = -1
        }
    }
}
