import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab report`: the HTML report of runs stored in a results file.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report (trade-off plot, per-group rates, table with intervals, provenance) of runs in a results file.")

    @Argument(help: "The HDF5 results file.")
    var results: String

    @Option(name: .customLong("run"), help: "A run id to include (repeatable; default: the latest run).")
    var runIDs: [String] = []

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output: String

    @OptionGroup var plot: PlotOptions
    @OptionGroup var selection: SelectionOptions

    func run() throws {
        try UntrustedFile.check(results, as: .resultsSummaries, executable: currentExecutablePath())
        let ids = try ResultsFile.runIDs(in: results)
        guard let latest = ids.last else { throw FairlabError(file: results, "the file holds no complete run") }
        let chosen = runIDs.isEmpty ? [latest] : runIDs
        if let repeated = chosen.first(where: { id in chosen.filter { $0 == id }.count > 1 }) {
            throw FairlabError("--run names \(repeated) twice")
        }
        let rule = try selection.rule()
        let summaries = try chosen.map { try ComparisonSummary(try ResultsFile.read(runID: $0, from: results, predictions: false), selecting: rule, file: results) }
        try plot.check(summaries, file: results)
        try writeAtomically(HTMLReport.document(summaries, axes: try plot.axes(), resultsPath: results), to: output)
        reportProgress("wrote the report of \(summaries.count == 1 ? "run \(summaries[0].runID)" : "\(summaries.count) runs") to \(output)")
        for summary in summaries { if let selection = summary.selection { reportProgress(selection.summaryLine) } }
        try finish(with: selectionStatus(of: summaries))
    }
}
