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
        // Before the append: a format the run cannot be shown in must not leave a run a second try would repeat.
        guard run.stress == nil || tableFormat != .latex else {
            throw FairlabError("--format latex renders one comparison: use md, csv, json or html for a stress run (fairlab export --level then gives one level in LaTeX)")
        }
        try ResultsFile.append(run, to: output)
        if run.stress != nil {
            print(try StressTable.render(try StressSummary(run), as: tableFormat), terminator: "")
            reportProgress("merged \(shards.count) shards into stress run \(run.id) in \(output)")
            try finish(with: exitStatus(of: run))
            return
        }
        let summary = try ComparisonSummary(run)
        print(try tableFormat.render(summary), terminator: "")
        reportProgress("merged \(shards.count) shards into run \(run.id) in \(output)")
        try finish(with: exitStatus(of: summary))
    }
}
