import FairlabCore
import Foundation

/// One worker process to run: `fairlab worker <arguments>`, with its own stderr log.
public struct WorkerTask: Sendable {
    /// Arguments after the executable.
    public var arguments: [String]
    /// A short label for progress lines, e.g. "reweighing (seed 1)".
    public var label: String
    /// Where the worker's stdout and stderr go.
    public var logPath: String
}

/// Why a worker produced no usable result.
public enum WorkerFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case signal(Int32, lastLogLine: String)
    case exitStatus(Int32, lastLogLine: String)
    case timeout(Double)
    case spawnFailed(String)

    public var description: String {
        switch self {
        case .signal(let signal, let line):
            let reason = signal == SIGKILL ? "killed by SIGKILL (possibly the memory limit)" : "crashed with \(WorkerPool.signalName(signal))"
            return reason + (line.isEmpty ? "" : ": \(line)")
        case .exitStatus(let status, let line):
            return "worker exited with status \(status) without a result" + (line.isEmpty ? "" : ": \(line)")
        case .timeout(let seconds):
            return "timed out after \(WorkerPool.format(seconds)) s"
        case .spawnFailed(let reason):
            return "could not start a worker: \(reason)"
        }
    }
}

/// Runs worker processes, at most `parallelism` at once, each with a time limit. A worker that crashes,
/// hangs or exits early costs only its own task.
public final class WorkerPool {
    let executable: String
    let parallelism: Int
    let timeout: Double
    let environment: [String: String]

    /// A pool running `executable`; `environment` is added to the workers' environment.
    public init(executable: String, parallelism: Int, timeout: Double, environment: [String: String]) {
        self.executable = executable
        self.parallelism = max(1, parallelism)
        self.timeout = timeout
        self.environment = environment
    }

    /// Runs every task; calls `finished` (on this thread) as each ends, with nil on a clean exit.
    public func run(_ tasks: [WorkerTask], finished: (Int, WorkerFailure?) -> Void) {
        var pending = Array(tasks.indices.reversed())
        var running: [pid_t: (index: Int, started: Date)] = [:]
        let environmentStrings = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }

        while !pending.isEmpty || !running.isEmpty {
            while running.count < parallelism, let index = pending.popLast() {
                switch spawn(tasks[index], environment: environmentStrings) {
                case .success(let pid): running[pid] = (index, Date())
                case .failure(let failure): finished(index, failure)
                }
            }
            var progressed = false
            for (pid, entry) in running {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    running[pid] = nil
                    progressed = true
                    finished(entry.index, Self.failure(fromWaitStatus: status, logPath: tasks[entry.index].logPath))
                } else if Date().timeIntervalSince(entry.started) > timeout {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    running[pid] = nil
                    progressed = true
                    finished(entry.index, .timeout(timeout))
                }
            }
            if !progressed { usleep(2_000) }
        }
    }

    private func spawn(_ task: WorkerTask, environment: [String]) -> Result<pid_t, WorkerFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, task.logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout kills whatever the plugin started too.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([executable] + task.arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { return .failure(.spawnFailed(String(cString: strerror(result)))) }
        return .success(pid)
    }

    private static func failure(fromWaitStatus status: Int32, logPath: String) -> WorkerFailure? {
        let signal = status & 0x7f
        let lastLine = lastLogLine(logPath)
        if signal != 0 { return .signal(signal, lastLogLine: lastLine) }
        let exitStatus = (status >> 8) & 0xff
        return exitStatus == 0 ? nil : .exitStatus(exitStatus, lastLogLine: lastLine)
    }

    /// The last non-empty line a worker logged (a Swift trap's message, a plugin's complaint), shortened.
    static func lastLogLine(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        let text = String(decoding: data.suffix(4096), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    /// The conventional name of a signal, e.g. "SIGSEGV (segmentation fault)".
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL",
            SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP", SIGXCPU: "SIGXCPU", SIGINT: "SIGINT",
        ]
        let description = strsignal(signal).map { String(cString: $0).lowercased() } ?? "unknown"
        return "\(names[signal] ?? "signal \(signal)") (\(description))"
    }

    static func format(_ seconds: Double) -> String { String(format: "%g", seconds) }
}
