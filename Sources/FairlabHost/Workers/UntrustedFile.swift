import FairlabCore
import Foundation

/// Reads of files fairlab did not write itself, first done in a worker process.
///
/// libhdf5 1.10 can crash or loop forever on a damaged or crafted file (fairlab's fuzzer finds such files
/// within thousands of mutations; see tools/fuzz/README.md). fairlab's own checks reject everything they can
/// see, but they run after libhdf5 has parsed the file's metadata. So before the host reads a dataset or a
/// results file it did not write in this run, a worker reads it completely; a crash or hang there becomes a
/// one-line error naming the file, and only a file the worker read cleanly is read by the host.
public enum UntrustedFile {
    /// What the file should be.
    public enum Kind: Sendable {
        /// A dataset; a results file, every run of it read.
        case dataset, results
        /// A results file, every run of it read without its predictions: what exports and reports read.
        case resultsSummaries
        /// A results file about to take another run: only its index and the list of its runs are read, so the
        /// check costs the same however many runs it holds.
        case resultsIndex

        var workerKind: WorkerEntry.Kind {
            switch self {
            case .dataset: .checkDataset
            case .results: .checkResults
            case .resultsSummaries: .checkResultsSummaries
            case .resultsIndex: .checkResultsIndex
            }
        }
    }

    /// Seconds a check may go without reading another block of rows. A well-formed file of any size reads a
    /// block (32 MiB of features) in well under a second; libhdf5 looping on a crafted header never gets there.
    static let stallLimit = 10.0

    /// Throws a one-line `FairlabError` unless a worker running `executable` reads the file at `path` cleanly.
    /// `progress` receives a line now and then while a large file is being checked.
    public static func check(_ path: String, as kind: Kind, executable: String, progress: (String) -> Void = { _ in }) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw FairlabError(file: path, "no such file") }
        let folder = try TemporaryFolder.make(prefix: "fairlab-check")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let channel = WorkerChannel(kind.workerKind, folder: folder, name: "check", input: path)
        _ = try read(path, through: channel, executable: executable, progress: progress) as Int
    }

    /// Runs the worker of `channel`, whose work starts by reading the untrusted file at `path`, and returns its
    /// reply; a crash or a stall becomes a one-line error naming the file. `progress` receives the worker's
    /// newest log line now and then while it works.
    static func read<Value: Codable>(
        _ path: String, through channel: WorkerChannel, executable: String, cancellation: WorkerCancellation? = nil,
        progress: (String) -> Void
    ) throws -> Value {
        // No overall time limit: the worker logs each block it reads, and only a stall stops it.
        let pool = WorkerPool(executable: executable, parallelism: 1, timeout: .infinity)
        var outcome: WorkerFailure?
        // Relays the worker's newest line whenever its log grew since the previous tick (the first tick only
        // takes note of the size): a long read shows its progress, a quick or a stuck one adds no line.
        var loggedBytes: UInt64?
        try pool.run([channel.task(label: path, stallTimeout: stallLimit)], cancellation: cancellation, tick: {
            let size = (try? FileManager.default.attributesOfItem(atPath: channel.logPath)[.size] as? NSNumber)?.uint64Value ?? 0
            if let previous = loggedBytes, size > previous, let line = WorkerPool.logTail(channel.logPath, bytes: 256).last {
                progress("\(path): \(line)")
            }
            loggedBytes = size
        }) { outcome = $1 }
        switch outcome {
        case .none:
            return try channel.readReply(Value.self)
        case .signal(let signal, _) where signal == SIGILL || signal == SIGTRAP:
            // A Swift trap: fairlab's own reader failed, which is a fairlab bug to report, not the file's fault.
            throw FairlabError(file: path, "fairlab failed reading it (\(WorkerPool.signalName(signal))); please report this with the file")
        case .signal(let signal, _):
            throw FairlabError(file: path, "reading it crashed the HDF5 library (\(WorkerPool.signalName(signal))): the file is damaged or was crafted")
        case .stalled(let seconds):
            throw FairlabError(file: path, "reading it made no progress for \(Int(seconds)) s: the file is damaged or was crafted")
        case .some(let failure):
            throw FairlabError(file: path, "cannot be read: \(failure)")
        }
    }
}
