import FairlabCore
import Foundation

extension HTMLReport {
    /// The report of a stress run: recovery curves of clean-label accuracy and the recovery metric against the
    /// injected level, the recovery and accuracy tables, failures, and the provenance of the run.
    public static func stressDocument(_ summary: StressSummary, resultsPath: String? = nil) -> String {
        let title = "fairlab stress report: \(URL(fileURLWithPath: summary.datasetPath).lastPathComponent), \(summary.injection), run \(summary.runID)"
        let metricName = summary.metricDescriptor.displayName
        var body = "<header><h1>\(escapeHTML(title))</h1>"
        if let resultsPath { body += "<p class=\"source\">From <code>\(escapeHTML(resultsPath))</code>.</p>" }
        body += "</header><section class=\"run\" id=\"run-\(escapeHTML(summary.runID))\"><p class=\"lead\">\(escapeHTML(StressTable.description(summary)))</p>"
        func figure(_ metric: String, id: String) -> String {
            let name = summary.cleanSummary?.descriptor(of: metric).displayName ?? metric
            return "<figure>" + RecoveryPlot(metric: metric, title: name).render(summary, id: id) + "<figcaption>\(escapeHTML(name)) on the clean"
                + " test labels, mean over seeds (randomised methods at their expected values); the dashed black line is the unmitigated baseline; at each level the methods stand side by side, and a chevron ends a bar the frame cuts.</figcaption></figure>"
        }
        body += "<h3>Recovery curves</h3>" + figure("accuracy", id: "recovery-accuracy") + figure(summary.metric, id: "recovery-metric")
        // Every other overall metric, folded away (a details element needs no script).
        let others = (summary.cleanSummary?.columns.map(\.metric) ?? []).filter { $0 != "accuracy" && $0 != summary.metric }
        if !others.isEmpty {
            body += "<details id=\"recovery-other\"><summary>Every other metric against the level (\(others.count))</summary>"
                + others.enumerated().map { figure($1, id: "recovery-other-\($0)") }.joined() + "</details>"
        }
        let injected = summary.levels.indices.filter { summary.levels[$0] > 0 }
        let distance = escapeHTML(StressTable.distanceName(summary))
        body += "<h3>Recovery</h3><p>Share of the injected \(distance) gap each method closes: 1 brings it back to the clean"
            + " baseline's, 0 leaves it as biased as the baseline's at that level, above 1 goes further. Injected gap (the baseline's "
            + "\(distance) at each level minus at 0): " + escapeHTML(StressTable.gapLine(summary)) + ".</p>"
            + StressTable.gapLegends(summary).map { "<p class=\"legend\">\(escapeHTML($0))</p>" }.joined()
        body += grid(summary, id: "recovery", levels: injected) { cell in cell.recovery.map { CellText.number($0, digits: 2) + StressTable.noiseMark(summary, cell) + StressTable.oneClassMark(cell) } }
        body += "<h3>Pass-through</h3><p>Share of the injected gap that reaches each method's own \(distance): its value at the"
            + " level minus its value at 0, over the baseline's gap. 0: the method absorbs the injection; 1: it passes all of it on.</p>"
        body += grid(summary, id: "pass-through", levels: injected) { cell in
            cell.passThrough.map { CellText.number($0, digits: 2) + StressTable.noiseMark(summary, cell) + StressTable.oneClassMark(cell) }
        }
        if summary.rows.contains(where: { $0.cells.contains(where: \.predictsOneClass) }) {
            body += "<p class=\"legend\">\(escapeHTML(StressTable.oneClassLegend))</p>"
        }
        body += "<h3>Clean-label accuracy against the clean baseline</h3><p>Accuracy minus the unmitigated baseline's at level 0, mean over the same seeds.</p>"
        body += grid(summary, id: "accuracy-change", levels: Array(summary.levels.indices)) { $0.accuracyChange.map { CellText.number($0, signed: true) } }
        body += "<h3>\(escapeHTML(metricName))</h3>"
        body += grid(summary, id: "metric", levels: Array(summary.levels.indices)) { cell in
            cell.metric.map { interval in
                CellText.number(interval.mean) + (interval.lower.map { lower in " [\(CellText.number(lower)), \(CellText.number(interval.upper!))]" } ?? "")
            }
        }
        // Failures at every level (a method may fail only where the injection is strong), then provenance.
        let failed = summary.rows.filter { !$0.errors.isEmpty }
        if !failed.isEmpty || !(summary.cleanSummary?.pluginFailures.isEmpty ?? true) {
            body += "<h3>Failures</h3><ul class=\"failures\">" + failed.flatMap { row in
                row.errors.map { "<li data-method=\"\(escapeHTML(row.id))\"><strong>\(escapeHTML(row.id))</strong>: \(escapeHTML($0))</li>" }
            }.joined() + (summary.cleanSummary?.pluginFailures ?? []).map { "<li><code>\(escapeHTML($0.path))</code>: \(escapeHTML($0.reason))</li>" }.joined() + "</ul>"
        }
        if let clean = summary.cleanSummary { body += provenance(clean) }
        return page(title: title, body: body + "</section>")
    }

    /// A table of methods by levels; each method's dot in its colour in the recovery curves.
    private static func grid(_ summary: StressSummary, id: String, levels: [Int], _ cell: (StressSummary.Cell) -> String?) -> String {
        var html = "<div class=\"table-wrap\"><table class=\"stress\" id=\"\(id)\"><thead><tr><th>Method</th><th>Stage</th>"
        html += levels.map { "<th>p = \(Injection.levelText(summary.levels[$0]))</th>" }.joined() + "</tr></thead><tbody>"
        let colors = RecoveryPlot.colors(of: summary.rows)
        for (row, color) in zip(summary.rows, colors) {
            html += "<tr data-method=\"\(escapeHTML(row.id))\"><td class=\"method\"><span class=\"dot\" style=\"background:\(color)\"></span>"
                + "\(escapeHTML(row.id))</td><td>\(escapeHTML(row.stage))</td>"
            html += levels.map { level in
                let value = row.cells[level]
                let partial = value.seedsSucceeded < value.seedsRun ? " \(CellText.partialMark)" : ""
                return "<td class=\"num\">\(escapeHTML((cell(value) ?? "—") + partial))</td>"
            }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }
}
