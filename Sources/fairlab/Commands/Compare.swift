import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab compare`: the baseline and every method on the same split(s), side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run the baseline and every registered method on the same split and print a comparison table.")

    @Argument(help: "The dataset (a fairlab HDF5 file).")
    var dataset: String

    @OptionGroup var runOptions: RunOptions

    @Option(parsing: .unconditional, help: "Run only shard K of M of the (method, seed) grid (K/M, 1 ≤ K ≤ M), for fairlab merge to join; needs --out.")
    var shard: String?

    @Option(help: "Resamples of each seed's test rows for every metric's 95 % bootstrap interval and its paired difference from the baseline (0: no intervals).")
    var bootstrap: Int = ComparisonSummary.defaultBootstrapResamples

    @Option(help: ArgumentHelp("Also write the run's HTML report (as fairlab report does) to this file.", valueName: "file"))
    var report: String?

    @OptionGroup var plot: PlotOptions
    @OptionGroup var selection: SelectionOptions

    func run() throws {
        var options = try runOptions.comparisonOptions(dataset: dataset, bootstrap: bootstrap)
        options.shard = try shard.map(Shard.init(parsing:))
        guard options.shard == nil || runOptions.out != nil else { throw FairlabError("--shard needs --out: a shard's results are for fairlab merge") }
        try runOptions.checkOutputs(dataset: dataset, report: report, executable: options.executablePath)
        let rule = try selection.rule()
        let run = try Comparison(options: options, progress: reportProgress).run()
        // A rule naming a metric the run turned out not to have is reported once the run is saved, not instead.
        var ruleError: Error?
        let summary: ComparisonSummary
        do {
            summary = try ComparisonSummary(run, selecting: rule)
        } catch {
            ruleError = error
            summary = try ComparisonSummary(run)
        }
        // The table first: if the append fails, the run is still shown.
        print(try runOptions.format.render(summary), terminator: "")
        try runOptions.save(run)
        if let report {
            // After the run is saved: a mistyped axis costs the report, not the run.
            try plot.check([summary], file: runOptions.out ?? dataset)
            try writeAtomically(HTMLReport.document([summary], x: try plot.axes().x, y: try plot.axes().y), to: report)
            reportProgress("wrote the report to \(report)")
        }
        if let ruleError { throw ruleError }
        try finish(with: exitStatus(of: summary))
    }
}
