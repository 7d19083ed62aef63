import CProcessControl
import FairlabCore
import Foundation

/// The code a `fairlab worker` process runs. Each entry reads its job, does the work (running foreign plugin
/// code), and writes a `WorkerReply`; a crash or hang is seen by the host as the process's fate instead.
public enum WorkerEntry {
    /// Environment variable carrying the worker's address-space limit in MiB.
    public static let memoryLimitVariable = "FAIRLAB_WORKER_MEMORY_MB"
    /// Environment variable carrying the host's process id, which a worker checks is still its parent.
    static let hostVariable = "FAIRLAB_HOST_PID"

    /// Makes the worker die with its host: the kernel kills it when the host goes, and if the host went already
    /// (the worker was handed to init or a subreaper before the request took effect) it exits now. The host is
    /// named by the pool (`hostVariable`), not assumed to be any pid but 1: in a container, the host may be pid 1.
    static func dieWithHost() {
        fairlab_die_with_parent()
        if let host = ProcessInfo.processInfo.environment[hostVariable].flatMap({ pid_t($0) }), getppid() != host { exit(1) }
    }

    /// Kinds of work, as the `fairlab worker` subcommand names them.
    public enum Kind: String, CaseIterable, Sendable {
        case describe, prepare, method, metric
        case describeAll = "describe-all"
        case checkDataset = "check-dataset"
        case checkResults = "check-results"
        case checkResultsSummaries = "check-results-summaries"
        case checkResultsIndex = "check-results-index"
    }

    /// Runs one unit of work: `input` is a library path (describe), a file to check, or a job file; the reply
    /// goes to `output` (and its arrays beside it).
    public static func run(_ kind: Kind, input: String, output: String) throws {
        // A worker never outlives its host: if the host dies (or was already gone), so does the worker.
        dieWithHost()
        let channel = WorkerChannel(kind, input: input, reply: output)
        if kind != .method { applyMemoryLimit() }
        switch kind {
        case .describe:
            try channel.reply { try LoadedLibrary(path: input).methods() }
        case .describeAll:
            let paths = try channel.readJob([String].self)
            try channel.reply {
                paths.map { path in
                    do {
                        return LibraryDescription(methods: try LoadedLibrary(path: path).methods(), error: nil)
                    } catch {
                        return LibraryDescription(methods: nil, error: "\(error)")
                    }
                }
            }
        case .prepare:
            let job = try channel.readJob(PrepareJob.self)
            // Each block read and each split written is logged: the host's watchdog takes log growth as progress.
            try channel.reply {
                let prepared = try RunPreparation.run(job, progress: logProgress)
                try channel.writeArrays(prepared.splitArrays)
                return prepared
            }
        case .method:
            let job = try channel.readJob(MethodJob.self)
            // The mapped split is address space but shared, read-only pages, not the worker's own memory: the
            // limit is on top of it.
            let mapped = (try? FileManager.default.attributesOfItem(atPath: job.splitPath)[.size] as? Int) ?? 0
            applyMemoryLimit(allowing: mapped)
            try channel.reply {
                let outcome = try MethodExecution.run(job)
                try channel.writeArrays(outcome.arrays)
                return outcome.reply
            }
        case .metric:
            let job = try channel.readJob(MetricJob.self)
            try channel.reply {
                let (reply, replicates) = try MetricExecution.run(job)
                try channel.writeArrays(replicates)
                return reply
            }
        case .checkDataset:
            try channel.reply { try DatasetFile.read(input, progress: { logProgress("read \($0) of \($1) rows") }).rows }
        case .checkResults, .checkResultsSummaries:
            try channel.reply {
                let ids = try ResultsFile.runIDs(in: input)
                for (index, id) in ids.enumerated() {
                    _ = try ResultsFile.read(runID: id, from: input, predictions: kind == .checkResults)
                    logProgress("read run \(index + 1) of \(ids.count)")
                }
                return ids.count
            }
        case .checkResultsIndex:
            try channel.reply { try ResultsFile.runIDs(in: input).count }
        }
    }

    /// The template's side of `WorkerTemplate` (`fairlab worker template`): reads tasks from descriptor 3 and starts
    /// each in a copy of this process, a child of the host (`fairlab_fork_sibling`), answering with the copy's pid
    /// (or minus an errno value). In the copy it returns the task's arguments (after the executable), its output
    /// pointed at the task's log; in the template, nil once the host closes the socket. The template stays
    /// single-threaded, loads no plugin and runs no task: each copy starts from the same state.
    public static func serveTasks() throws -> [String]? {
        dieWithHost()
        let socket = WorkerTemplate.taskDescriptor
        while let message = try readTask(from: socket) {
            // The log path, then the arguments, each ended by a NUL byte.
            let fields = message.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
            var answer: Int32
            if message.last == 0, fields.count >= 2 {
                answer = fairlab_fork_sibling()
                if answer == 0 {
                    // The parent-death signal is not inherited: `run` asks for it again, for the copy's parent, the host.
                    close(socket)
                    setpgid(0, 0)
                    try pointOutput(at: fields[0])
                    return Array(fields.dropFirst())
                }
                if answer < 0 { answer = -errno }
            } else {
                answer = -EINVAL
            }
            let sent = withUnsafeBytes(of: answer) { send(socket, $0.baseAddress, 4, Int32(MSG_NOSIGNAL)) }
            guard sent == 4 else {
                // The host gave up on this template: a copy it will never hear of must not run its task beside the
                // worker the host spawns for it.
                if answer > 0 { kill(answer, SIGKILL) }
                return nil
            }
        }
        return nil
    }

    /// The next task message on `socket`: its length (4 bytes), then that many bytes; nil at the end of the stream.
    private static func readTask(from socket: Int32) throws -> [UInt8]? {
        var length: UInt32 = 0
        guard try withUnsafeMutableBytes(of: &length, { try readExactly(socket, into: $0) }) else { return nil }
        guard length <= 1 << 20 else { throw FairlabError("worker template: the host sent a task of \(length) bytes") }
        var message = [UInt8](repeating: 0, count: Int(length))
        guard try message.withUnsafeMutableBytes({ try readExactly(socket, into: $0) }) else {
            throw FairlabError("worker template: the host's task ended early")
        }
        return message
    }

    /// Fills `buffer` from `socket`: false if the stream ended before the first byte, an error if it ended later.
    private static func readExactly(_ socket: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Bool {
        var filled = 0
        while filled < buffer.count {
            let count = read(socket, buffer.baseAddress! + filled, buffer.count - filled)
            if count == 0 {
                if filled == 0 { return false }
                throw FairlabError("worker template: the host's task ended early")
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw FairlabError("worker template: cannot read a task from descriptor \(socket): \(String(cString: strerror(errno)))")
            }
            filled += count
        }
        return true
    }

    /// Points stdout and stderr at the task's log `path` (the host created it, empty).
    private static func pointOutput(at path: String) throws {
        let log = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw FairlabError(file: path, "worker: cannot open its log: \(String(cString: strerror(errno)))") }
        defer { close(log) }
        guard dup2(log, 1) == 1, dup2(log, 2) == 2 else {
            throw FairlabError(file: path, "worker: cannot point its output at the log: \(String(cString: strerror(errno)))")
        }
    }

    /// A progress line on the worker's log (stderr, unbuffered).
    static func logProgress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Caps the address space at the configured limit plus `mapped` bytes of files the worker maps.
    private static func applyMemoryLimit(allowing mapped: Int = 0) {
        guard let text = ProcessInfo.processInfo.environment[memoryLimitVariable], let megabytes = UInt64(text), megabytes > 0 else { return }
        let bytes = rlim_t(megabytes << 20) + rlim_t(max(mapped, 0))
        var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
        setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
    }
}
