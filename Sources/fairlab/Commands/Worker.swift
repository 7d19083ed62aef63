import ArgumentParser
import FairlabHost

/// `fairlab worker`: runs one unit of work in a separate process for the host (not for people).
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job for a comparison in this process (used internally).", shouldDisplay: false)

    @Argument(help: "describe, method or metric.")
    var kind: String

    @Argument(help: "The library (describe) or the job file.")
    var input: String

    @Argument(help: "Where to write the reply.")
    var output: String

    func run() throws {
        guard let kind = WorkerEntry.Kind(rawValue: kind) else { throw ValidationError("unknown worker kind \(kind)") }
        try WorkerEntry.run(kind, input: input, output: output)
    }
}
