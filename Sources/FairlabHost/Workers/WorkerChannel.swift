import FairlabCore
import Foundation

/// The files through which the host and one worker process talk, and the task that runs the worker: the one
/// place that spells out a worker's command line, where its job, reply, arrays and log live, and how a reply is
/// read.
///
/// A job is JSON; a reply is a small JSON `WorkerReply` (written last, so its presence means the worker
/// finished) and, for work that returns arrays (predictions, scores), a raw file of native float64 values beside
/// it, whose lengths the reply gives.
public struct WorkerChannel: Sendable {
    public let kind: WorkerEntry.Kind
    /// The job file, or the file the work is about (a library to describe, a file to check).
    public let inputPath: String
    public let replyPath: String
    public let logPath: String

    /// A channel for job `name` in `folder`; its input is the job written there (`writeJob`), or `input`.
    public init(_ kind: WorkerEntry.Kind, folder: String, name: String, input: String? = nil) {
        self.kind = kind
        inputPath = input ?? "\(folder)/\(name).json"
        replyPath = "\(folder)/\(name).reply.json"
        logPath = "\(folder)/\(name).log"
    }

    /// The worker's side: the channel its command line names.
    init(_ kind: WorkerEntry.Kind, input: String, reply: String) {
        self.kind = kind
        inputPath = input
        replyPath = reply
        logPath = ""
    }

    /// Where the reply's arrays are.
    var arraysPath: String { replyPath + ".f64" }

    /// The task that runs this worker: `fairlab worker KIND INPUT REPLY`.
    public func task(label: String, stallTimeout: Double? = nil, after dependencies: [Int] = []) -> WorkerTask {
        WorkerTask(
            arguments: ["worker", kind.rawValue, inputPath, replyPath], label: label, logPath: logPath, stallTimeout: stallTimeout,
            dependencies: dependencies)
    }

    /// Writes the job the worker reads.
    func writeJob<Job: Encodable>(_ job: Job) throws {
        try WorkerCoding.write(job, to: inputPath)
    }

    /// Reads the job (worker side).
    func readJob<Job: Decodable>(_ type: Job.Type) throws -> Job {
        try WorkerCoding.read(type, from: inputPath)
    }

    /// Runs `body` and writes its value, or its error as the one-line reason (worker side).
    func reply<Value: Codable>(_ body: () throws -> Value) throws {
        let message: WorkerReply<Value>
        do {
            message = WorkerReply(value: try body(), error: nil)
        } catch {
            message = WorkerReply(value: nil, error: "\(error)")
        }
        try WorkerCoding.write(message, to: replyPath)
    }

    /// The worker's reply: its value, or its failure message as an error.
    public func readReply<Value: Codable>(_ type: Value.Type) throws -> Value {
        guard FileManager.default.fileExists(atPath: replyPath) else { throw FairlabError("the worker ended without writing a result") }
        let reply: WorkerReply<Value>
        do {
            reply = try WorkerCoding.read(WorkerReply<Value>.self, from: replyPath)
        } catch {
            throw FairlabError("the worker wrote an unreadable result")
        }
        if let value = reply.value { return value }
        throw FairlabError(reply.error ?? "the worker reported no value and no error")
    }

    /// Writes the reply's arrays (worker side, before the reply itself).
    func writeArrays(_ arrays: [[Double]]) throws {
        try DoubleArrays.write(arrays, to: arraysPath)
    }

    /// Reads the reply's arrays, which must have exactly these lengths.
    func readArrays(counts: [Int]) throws -> [[Double]] {
        try DoubleArrays.read(arraysPath, counts: counts)
    }
}

/// What a worker writes back: a value, or the one-line reason it failed.
struct WorkerReply<Value: Codable>: Codable {
    var value: Value?
    var error: String?
}

/// Arrays of doubles in a raw file of native float64 values, one after another: predictions and scores between
/// processes of one machine, without text conversion.
enum DoubleArrays {
    /// Writes `arrays` to `path`, whole or not at all: a reader never sees a partly written file.
    static func write(_ arrays: [[Double]], to path: String) throws {
        let temporary = path + ".partial"
        let writer = try RawFileWriter(path: temporary)
        for array in arrays { try writer.write(array) }
        try writer.close()
        guard rename(temporary, path) == 0 else { throw FairlabError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
    }

    /// Reads arrays of the given lengths from `path`, refusing a file of any other size.
    static func read(_ path: String, counts: [Int]) throws -> [[Double]] {
        let file = try MappedFile(path: path)
        let total = counts.reduce(0, +)
        guard file.size == total * 8 else {
            throw FairlabError("the worker's arrays hold \(file.size / 8) values where \(total) were expected")
        }
        var offset = 0
        return try counts.map { count in
            defer { offset += count * 8 }
            return Array(try file.values(Double.self, at: offset, count: count))
        }
    }
}
