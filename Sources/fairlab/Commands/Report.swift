import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab report`: the HTML report of runs stored in a results file.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (trade-off plot, per-group rates, table with intervals, provenance) of runs in a results file.")

    @Argument(help: "The HDF5 results file.")
    var results: String

    @Option(name: .customLong("run"), help: "A run id to include (repeatable; default: the latest run).")
    var runIDs: [String] = []

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output: String

    @Option(help: "For a stress run: the metric whose injected gap recovery is measured on (default: \(StressSummary.defaultMetric)).")
    var metric: String?

    @OptionGroup var plot: PlotOptions
    @OptionGroup var selection: SelectionOptions

    func run() throws {
        try OutputFile.checkWritable(output)
        try OutputFile.checkDistinct(output, from: [("the results file reported", results)])
        try OutputFile.checkNotHDF5(output, writing: "a report")
        try UntrustedFile.check(results, as: .resultsSummaries, executable: currentExecutablePath())
        let chosen = runIDs.isEmpty ? [try ResultsFile.latestRunID(in: results)] : runIDs
        if let repeated = chosen.first(where: { id in chosen.filter { $0 == id }.count > 1 }) {
            throw FairlabError("--run names \(repeated) twice")
        }
        let rule = try selection.rule()
        let runs = try chosen.map { try ResultsFile.read(runID: $0, from: results, predictions: false) }
        if let stressRun = runs.first(where: { $0.stress != nil }) {
            guard runs.count == 1, rule == nil else {
                throw FairlabError("run \(stressRun.id) is a stress run: report it alone, without --select (its report is its recovery curves)")
            }
            guard plot.xAxis == nil, plot.yAxis == nil else {
                throw FairlabError("run \(stressRun.id) is a stress run: its report plots every metric against the level, so --x and --y do not apply (--metric sets the recovery metric)")
            }
            try writeAtomically(
                HTMLReport.stressDocument(try StressSummary(stressRun, metric: metric ?? StressSummary.defaultMetric, file: results), resultsPath: results),
                to: output)
            reportProgress("wrote the stress report of run \(stressRun.id) to \(output)")
            return
        }
        guard metric == nil else { throw FairlabError(file: results, "--metric sets a stress run's recovery metric, and \(runs.count == 1 ? "run \(runs[0].id) is not one" : "these runs are not stress runs")") }
        let summaries = try runs.map { try ComparisonSummary($0, selecting: rule, file: results) }
        try plot.check(summaries, file: results)
        try writeAtomically(HTMLReport.document(summaries, x: try plot.axes().x, y: try plot.axes().y, resultsPath: results), to: output)
        reportProgress("wrote the report of \(summaries.count == 1 ? "run \(summaries[0].runID)" : "\(summaries.count) runs") to \(output)")
        for summary in summaries { if let selection = summary.selection { reportProgress(selection.summaryLine) } }
        try finish(with: selectionStatus(of: summaries))
    }
}
