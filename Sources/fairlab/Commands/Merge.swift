import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab merge`: joins the shards of a sharded comparison into one run.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shard results of a sharded comparison (compare --shard K/M) into one run, appended to the output file.")

    @Argument(help: "The shards' results files, one shard run each.")
    var shards: [String]

    @Option(name: .shortAndLong, help: "The results file the merged run is appended to.")
    var output: String

    @Option(help: "Table format on stdout: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = TableFormat.md.rawValue

    func run() throws {
        guard let tableFormat = TableFormat(rawValue: format) else {
            throw FairlabError("unknown --format \(format) (use \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !shards.isEmpty else { throw FairlabError("merge needs the shards' results files") }
        try ResultsFile.checkWritable(output)
        let executable = currentExecutablePath()
        for path in shards { try UntrustedFile.check(path, as: .results, executable: executable) }
        if FileManager.default.fileExists(atPath: output) { try UntrustedFile.check(output, as: .resultsIndex, executable: executable) }
        let run = try ShardMerge.merge(shards, command: CommandLine.arguments.joined(separator: " "))
        // A comparison's table is rendered before the append: a run that cannot be shown is refused without leaving
        // a run behind that a second try would append again. A stress run's format is checked first for the same
        // reason; its recovery tables come after it is saved, as `stress` shows them, since a run whose metric
        // plugins gave no default recovery metric is still worth keeping.
        let summary = run.stress == nil ? try ComparisonSummary(run) : nil
        let table = try summary.map { try tableFormat.render($0) }
        if run.stress != nil { try StressTable.checkFormat(tableFormat, runID: run.id) }
        try ResultsFile.append(run, to: output)
        print(try table ?? StressTable.render(try StressSummary(run, file: output), as: tableFormat), terminator: "")
        reportProgress("merged \(shards.count) shards into \(run.stress == nil ? "run" : "stress run") \(run.id) in \(output)")
        try finish(with: summary.map(exitStatus(of:)) ?? exitStatus(of: run))
    }
}
