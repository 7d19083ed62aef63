import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab worker`: runs one unit of work in a separate process for the host (not for people).
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
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

    /// The worker the host started, when `arguments` (the process's) are exactly the host's `fairlab worker KIND
    /// INPUT OUTPUT` (or the task a template's copy was sent), else nil. A comparison runs a process per job: reading its
    /// three arguments here skips building ArgumentParser's command tree, about 3 ms of its type lookups, a tenth
    /// of a short job's process.
    static func startedByHost(_ arguments: [String]) -> (kind: WorkerEntry.Kind, input: String, output: String)? {
        guard arguments.count == 5, arguments[1] == "worker", let kind = WorkerEntry.Kind(rawValue: arguments[2]) else { return nil }
        return (kind, arguments[3], arguments[4])
    }

    /// Whether `arguments` (the process's) start a worker template, `fairlab worker template`, which starts each
    /// task the host sends it in a copy of itself (`WorkerTemplate`).
    static func isTemplate(_ arguments: [String]) -> Bool {
        arguments.count == 3 && arguments[1] == "worker" && arguments[2] == "template"
    }

    /// The template's life: serves tasks until the host closes its socket; in each task's copy, runs the task.
    static func runTemplate() throws {
        guard let assigned = try WorkerEntry.serveTasks() else { return }
        guard let worker = startedByHost([CommandLine.arguments[0]] + assigned) else {
            throw FairlabError("worker template: the host sent an unknown task: \(assigned.joined(separator: " "))")
        }
        try WorkerEntry.run(worker.kind, input: worker.input, output: worker.output)
    }
}
