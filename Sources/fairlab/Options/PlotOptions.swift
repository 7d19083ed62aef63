import ArgumentParser
import FairlabCore
import FairlabHost

/// The axes of the report's trade-off plot (`compare --report`, `report`).
struct PlotOptions: ParsableArguments {
    @Option(name: .customLong("x"), help: ArgumentHelp("The trade-off plot's x axis: a metric, abs:NAME or distance:NAME.", valueName: "metric"))
    var xAxis: String = "abs:statistical_parity_difference"

    @Option(name: .customLong("y"), help: ArgumentHelp("The trade-off plot's y axis.", valueName: "metric"))
    var yAxis: String = "accuracy"

    func validate() throws { _ = try axes() }

    func axes() throws -> HTMLReport.Axes {
        do {
            return HTMLReport.Axes(x: try SelectionRule.Term(parsing: xAxis), y: try SelectionRule.Term(parsing: yAxis))
        } catch let error as FairlabError {
            throw ValidationError(error.message)
        }
    }

    /// Throws unless both axes name metrics the summaries have.
    func check(_ summaries: [ComparisonSummary], file: String?) throws {
        let axes = try axes()
        for summary in summaries {
            let known = Set(summary.rows.flatMap { $0.metrics.keys })
            for term in [axes.x, axes.y] where !known.contains(term.metric) {
                let message = "the plot axis names metric '\(term.metric)', which run \(summary.runID) does not have (it has \(known.filter { !$0.hasPrefix(ComparisonSummary.expectedPrefix) }.sorted().joined(separator: ", ")))"
                throw file.map { FairlabError(file: $0, message) } ?? FairlabError(message)
            }
        }
    }
}
