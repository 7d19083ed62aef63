import CProcessControl
import FairlabCore
import Foundation

/// What a worker writes back: a value, or the one-line reason it failed.
struct WorkerReply<Value: Codable>: Codable {
    var value: Value?
    var error: String?
}

/// The code a `fairlab worker` process runs. Each entry reads its job, does the work (running foreign plugin
/// code), and writes a `WorkerReply`; a crash or hang is seen by the host as the process's fate instead.
public enum WorkerEntry {
    /// Environment variable carrying the worker's address-space limit in MiB.
    public static let memoryLimitVariable = "FAIRLAB_WORKER_MEMORY_MB"

    /// Kinds of work, as the `fairlab worker` subcommand names them.
    public enum Kind: String, CaseIterable, Sendable {
        case describe, method, metric
        case checkDataset = "check-dataset"
        case checkResults = "check-results"
    }

    /// Runs one unit of work: `input` is a library path (describe) or a job file; the reply goes to `output`.
    public static func run(_ kind: Kind, input: String, output: String) throws {
        // A worker never outlives its host: if the host dies (or was already gone), so does the worker.
        fairlab_die_with_parent()
        if getppid() == 1 { exit(1) }
        applyMemoryLimit()
        BLAS.setThreadCount(1)
        switch kind {
        case .describe:
            try reply(to: output) { try LoadedLibrary(path: input).methods() }
        case .method:
            let job = try WorkerCoding.read(MethodJob.self, from: input)
            try reply(to: output) { try MethodExecution.run(job) }
        case .metric:
            let job = try WorkerCoding.read(MetricJob.self, from: input)
            try reply(to: output) { try MetricExecution.run(job) }
        case .checkDataset:
            // Each block read is logged: the host's watchdog takes log growth as progress (`UntrustedFile`).
            try reply(to: output) { try DatasetFile.read(input, progress: { logProgress("read \($0) of \($1) rows") }).rows }
        case .checkResults:
            try reply(to: output) {
                let ids = try ResultsFile.runIDs(in: input)
                for (index, id) in ids.enumerated() {
                    _ = try ResultsFile.read(runID: id, from: input)
                    logProgress("read run \(index + 1) of \(ids.count)")
                }
                return ids.count
            }
        }
    }

    /// A progress line on the worker's log (stderr, unbuffered).
    private static func logProgress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func reply<Value: Codable>(to path: String, _ body: () throws -> Value) throws {
        let message: WorkerReply<Value>
        do {
            message = WorkerReply(value: try body(), error: nil)
        } catch {
            message = WorkerReply(value: nil, error: "\(error)")
        }
        try WorkerCoding.write(message, to: path)
    }

    private static func applyMemoryLimit() {
        guard let text = ProcessInfo.processInfo.environment[memoryLimitVariable], let megabytes = UInt64(text), megabytes > 0 else { return }
        var limit = rlimit(rlim_cur: rlim_t(megabytes << 20), rlim_max: rlim_t(megabytes << 20))
        setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
    }

    /// Reads a worker's reply: its value, or its failure message as an error.
    static func readReply<Value: Codable>(_ type: Value.Type, from path: String) throws -> Value {
        guard FileManager.default.fileExists(atPath: path) else { throw FairlabError("the worker ended without writing a result") }
        let reply: WorkerReply<Value>
        do {
            reply = try WorkerCoding.read(WorkerReply<Value>.self, from: path)
        } catch {
            throw FairlabError("the worker wrote an unreadable result")
        }
        if let value = reply.value { return value }
        throw FairlabError(reply.error ?? "the worker reported no value and no error")
    }
}
