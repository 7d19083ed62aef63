import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// The `fairlab` command: a fairness mitigation lab.
@main
struct Fairlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fairlab",
        abstract: "Compare fairness mitigation methods side by side on the same data.",
        version: fairlabVersion,
        subcommands: [Compare.self, Stress.self, Merge.self, Import.self, Inspect.self, Export.self, Report.self, Plugins.self, Worker.self])

    /// Runs the command, printing errors as one line on stderr and exiting non-zero.
    static func main() {
        BLAS.stopThreadPool()
        WorkerPool.installInterruptHandlers()
        do {
            if let worker = Worker.startedByHost(CommandLine.arguments) {
                try WorkerEntry.run(worker.kind, input: worker.input, output: worker.output)
            } else if Worker.isTemplate(CommandLine.arguments) {
                try Worker.runTemplate()
            } else {
                var command = try parseAsRoot()
                try command.run()
            }
        } catch let completed as CompletedWithStatus {
            Foundation.exit(completed.status.rawValue)
        } catch let error as FairlabError {
            FileHandle.standardError.write(Data("fairlab: error: \(error.message)\n".utf8))
            Foundation.exit(ExitStatus.error.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

/// Path of the running executable (workers are this same binary).
func currentExecutablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Writes `text` to `path` whole or not at all (a temporary file beside it, renamed over it).
func writeAtomically(_ text: String, to path: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw FairlabError(file: path, "cannot write: \((error as NSError).localizedDescription)")
    }
}

/// The exit status a finished comparison's summary calls for: failures first, since they say the table is
/// incomplete; then an unmet selection.
func exitStatus(of summary: ComparisonSummary) -> ExitStatus {
    if summary.rows.contains(where: { $0.seedsSucceeded < $0.seedsRun }) || !summary.pluginFailures.isEmpty { return .finishedWithFailures }
    return selectionStatus(of: [summary])
}

/// The exit status of a finished run shown without a comparison table (a stress run): whether any row failed.
func exitStatus(of run: RunRecord) -> ExitStatus {
    run.methods.contains { $0.outcomes.contains { !$0.succeeded } } || !run.pluginFailures.isEmpty ? .finishedWithFailures : .success
}

/// The exit status of exporting or reporting stored runs: whether a selection rule went unmet in any.
func selectionStatus(of summaries: [ComparisonSummary]) -> ExitStatus {
    summaries.contains { $0.selection != nil && $0.selection?.chosen == nil } ? .selectionUnmet : .success
}

/// Ends a command with `status` (returning normally for success).
func finish(with status: ExitStatus) throws {
    if status != .success { throw CompletedWithStatus(status: status) }
}

/// Writes a progress line to stderr.
@Sendable func reportProgress(_ line: String) {
    // What stdout holds so far goes first: with both streams sent to one file, a progress line would otherwise land
    // inside a table still in stdout's buffer.
    fflush(nil)
    FileHandle.standardError.write(Data("fairlab: \(line)\n".utf8))
}
