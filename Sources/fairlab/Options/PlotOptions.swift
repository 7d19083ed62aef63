import ArgumentParser
import FairlabCore
import FairlabHost

/// The axes of the report's trade-off plot (`compare --report`, `report`).
struct PlotOptions: ParsableArguments {
    @Option(name: .customLong("x"), help: ArgumentHelp(
        "The trade-off plot's x axis: a metric, abs:NAME or distance:NAME (default: \(HTMLReport.Axes.standard(for: .binary).x); for regression \(HTMLReport.Axes.standard(for: .regression).x); for clustering \(HTMLReport.Axes.standard(for: .clustering).x)).",
        valueName: "metric"))
    var xAxis: String?

    @Option(name: .customLong("y"), help: ArgumentHelp(
        "The trade-off plot's y axis (default: \(HTMLReport.Axes.standard(for: .binary).y); for regression \(HTMLReport.Axes.standard(for: .regression).y); for clustering \(HTMLReport.Axes.standard(for: .clustering).y)).",
        valueName: "metric"))
    var yAxis: String?

    func validate() throws { _ = try axes() }

    /// The axes given on the command line (nil: each run's task's default).
    func axes() throws -> (x: SelectionRule.Term?, y: SelectionRule.Term?) {
        do {
            return (try xAxis.map(SelectionRule.Term.init(parsing:)), try yAxis.map(SelectionRule.Term.init(parsing:)))
        } catch let error as FairlabError {
            throw ValidationError(error.message)
        }
    }

    /// Throws unless each axis given on the command line names a metric every summary has (the default axes
    /// are not checked: a run without them gets a report saying so, in place of the plot).
    func check(_ summaries: [ComparisonSummary], file: String) throws {
        let axes = try axes()
        let named = [axes.x, axes.y].compactMap { $0 }
        guard !named.isEmpty else { return }
        for summary in summaries {
            try SelectionRule(constraints: [], objective: named[0], minimize: true).check(
                against: Set(summary.rows.flatMap { $0.metrics.keys }), file: file, naming: "the plot axis")
            if named.count > 1 {
                try SelectionRule(constraints: [], objective: named[1], minimize: true).check(
                    against: Set(summary.rows.flatMap { $0.metrics.keys }), file: file, naming: "the plot axis")
            }
        }
    }
}
