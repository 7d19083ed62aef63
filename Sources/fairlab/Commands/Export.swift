import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab export`: comparison tables from a results file.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the comparison table of a run stored in a results file.")

    @Argument(help: "The HDF5 results file.")
    var results: String

    @Option(help: "Format: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = TableFormat.md.rawValue

    @Option(name: .customLong("run"), help: "The run id (default: the latest run).")
    var runID: String?

    @Flag(help: "List the runs in the file (id, date, dataset, methods, seeds) instead.")
    var list = false

    @OptionGroup var selection: SelectionOptions

    func run() throws {
        try UntrustedFile.check(results, as: .resultsSummaries, executable: currentExecutablePath())
        let ids = try ResultsFile.runIDs(in: results)
        if list {
            for id in ids {
                let run = try ResultsFile.read(runID: id, from: results, predictions: false)
                let failed = run.methods.filter { $0.outcomes.contains { !$0.succeeded } }.count
                print("\(id)  \(run.createdAt)  \(run.datasetPath)  \(run.methods.count) methods × \(run.seeds.count) seed\(run.seeds.count == 1 ? "" : "s")"
                    + (failed > 0 ? ", \(failed) with failures" : "") + (run.shard.map { ", shard \($0)" } ?? ""))
            }
            return
        }
        guard let tableFormat = TableFormat(rawValue: format) else {
            throw FairlabError("unknown --format \(format) (use \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let id = runID ?? ids.last else { throw FairlabError(file: results, "the file holds no complete run") }
        let summary = try ComparisonSummary(try ResultsFile.read(runID: id, from: results, predictions: false), selecting: try selection.rule(), file: results)
        print(try tableFormat.render(summary), terminator: "")
        try finish(with: selectionStatus(of: [summary]))
    }
}
