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
        case dataset, results

        var workerKind: WorkerEntry.Kind { self == .dataset ? .checkDataset : .checkResults }
    }

    /// Seconds a check may take: generous, since a real file is read once at disk speed.
    static func timeLimit(forBytes bytes: Int) -> Double { 10 + Double(bytes) / 20e6 }

    /// Throws a one-line `FairlabError` unless a worker running `executable` reads the file at `path` cleanly.
    public static func check(_ path: String, as kind: Kind, executable: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw FairlabError(file: path, "no such file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let folder = try TemporaryFolder.make(prefix: "fairlab-check")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let limit = timeLimit(forBytes: size)
        let pool = WorkerPool(executable: executable, parallelism: 1, timeout: limit, environment: ["OPENBLAS_NUM_THREADS": "1", "SWIFT_BACKTRACE": "enable=no"])
        var outcome: WorkerFailure?
        try pool.run([WorkerTask(arguments: ["worker", kind.workerKind.rawValue, path, folder + "/reply.json"], label: path, logPath: folder + "/log")]) {
            outcome = $1
        }
        switch outcome {
        case .none:
            _ = try WorkerEntry.readReply(Int.self, from: folder + "/reply.json")
        case .signal(let signal, _) where signal == SIGILL || signal == SIGTRAP:
            // A Swift trap: fairlab's own reader failed, which is a fairlab bug to report, not the file's fault.
            throw FairlabError(file: path, "fairlab failed reading it (\(WorkerPool.signalName(signal))); please report this with the file")
        case .signal(let signal, _):
            throw FairlabError(file: path, "reading it crashed the HDF5 library (\(WorkerPool.signalName(signal))): the file is damaged or was crafted")
        case .timeout:
            throw FairlabError(file: path, "reading it did not finish within \(Int(limit)) s: the file is damaged or was crafted")
        case .some(let failure):
            throw FairlabError(file: path, "cannot be read: \(failure)")
        }
    }
}
