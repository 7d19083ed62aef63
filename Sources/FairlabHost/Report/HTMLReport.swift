import FairlabCore
import Foundation

/// The HTML report of one or more runs: a single self-contained file (inline SVG and CSS, no script, nothing
/// fetched: its Content-Security-Policy forbids every fetch), readable offline and printable. Each run has the
/// trade-off plot, per-group rate bars against the baseline, the comparison table with intervals and seed
/// counts, the differences from the baseline, failures, and provenance.
public enum HTMLReport {
    /// The axes of the trade-off plot.
    public struct Axes: Sendable {
        /// The horizontal axis.
        public var x: SelectionRule.Term
        /// The vertical axis.
        public var y: SelectionRule.Term

        /// Axes of `x` and `y`.
        public init(x: SelectionRule.Term, y: SelectionRule.Term) {
            self.x = x
            self.y = y
        }

        /// The default axes for a task: accuracy against the absolute statistical parity difference for binary
        /// predictions; R² against the absolute gap between group mean predictions for regression; the clustering's
        /// cost (inertia) against the largest gap between a group's share of a cluster and its share overall.
        public static func standard(for task: TaskKind) -> Axes {
            switch task {
            case .binary:
                Axes(x: try! SelectionRule.Term(parsing: "abs:statistical_parity_difference"), y: try! SelectionRule.Term(parsing: "accuracy"))
            case .regression:
                Axes(x: try! SelectionRule.Term(parsing: "abs:mean_prediction_difference"), y: try! SelectionRule.Term(parsing: "r2_score"))
            case .clustering:
                Axes(x: try! SelectionRule.Term(parsing: "max_share_gap"), y: try! SelectionRule.Term(parsing: "inertia"))
            }
        }
    }

    /// The per-group values drawn as bars, when the run has them: rates for binary predictions, mean prediction
    /// and errors for regression, and for clustering each cluster's make-up: every group's share of it, the
    /// picture of a segmentation study (before, the baseline's marks; after, each method's bars).
    static func groupRates(for summary: ComparisonSummary) -> [GroupRatesPlot] {
        switch summary.task {
        case .binary:
            [GroupRatesPlot(metric: "selection_rate", title: "Selection rate"),
             GroupRatesPlot(metric: "true_positive_rate", title: "True positive rate"),
             GroupRatesPlot(metric: "false_positive_rate", title: "False positive rate"),
             GroupRatesPlot(metric: "accuracy", title: "Accuracy")]
        case .regression:
            [GroupRatesPlot(metric: "mean_prediction", title: "Mean prediction"),
             GroupRatesPlot(metric: "mean_label", title: "Mean label"),
             GroupRatesPlot(metric: "mean_absolute_error", title: "Mean absolute error")]
        case .clustering:
            // The clusters the metrics describe, in id order (from what the run holds, not from its recorded k).
            Set(summary.rows.flatMap(\.perGroup.keys)).compactMap { name -> Int? in
                guard name.hasPrefix("cluster_"), name.hasSuffix("_share") else { return nil }
                return Int(name.dropFirst("cluster_".count).dropLast("_share".count))
            }.sorted().map { GroupRatesPlot(metric: "cluster_\($0)_share", title: "Cluster \($0): each group's share of it") }
        }
    }

    /// The whole report of `summaries` (one section per run); `x` and `y` replace the axes each run's task
    /// would have (`Axes.standard(for:)`).
    public static func document(
        _ summaries: [ComparisonSummary], x: SelectionRule.Term? = nil, y: SelectionRule.Term? = nil, resultsPath: String? = nil
    ) -> String {
        let title = summaries.count == 1
            ? "fairlab report: \(URL(fileURLWithPath: summaries[0].datasetPath).lastPathComponent), run \(summaries[0].runID)"
            : "fairlab report: \(summaries.count) runs"
        var body = "<header><h1>\(escapeHTML(title))</h1>"
        if let resultsPath { body += "<p class=\"source\">From <code>\(escapeHTML(resultsPath))</code>.</p>" }
        body += "</header>"
        for (index, summary) in summaries.enumerated() {
            let standard = Axes.standard(for: summary.task)
            body += section(summary, axes: Axes(x: x ?? standard.x, y: y ?? standard.y), index: index)
        }
        return page(title: title, body: body)
    }

    /// The comparison table alone, as a document (`export --format html`).
    static func tableDocument(_ summary: ComparisonSummary) -> String {
        page(title: "fairlab comparison: run \(summary.runID)", body: "<p>\(escapeHTML(runDescription(summary)))</p>" + table(summary, index: 0))
    }

    private static func section(_ summary: ComparisonSummary, axes: Axes, index: Int) -> String {
        var html = "<section class=\"run\" id=\"run-\(escapeHTML(summary.runID))\">"
        html += "<h2>Run \(escapeHTML(summary.runID))</h2><p class=\"lead\">\(escapeHTML(runDescription(summary)))</p>"
        if let selection = summary.selection {
            html += "<p class=\"selection\(selection.chosen == nil ? " unmet" : "")\" id=\"selection-\(index)\">\(escapeHTML(selection.summaryLine))</p>"
        }
        let plot = TradeoffPlot(x: axes.x, y: axes.y)
        html += "<h3>Trade-off</h3>"
        if plot.points(summary).isEmpty {
            html += "<p>No method has both \(escapeHTML(axes.x.description)) and \(escapeHTML(axes.y.description)).</p>"
        } else {
            html += "<figure>" + plot.render(summary, id: "tradeoff-\(index)")
            html += "<figcaption>One point per method at its mean over seeds"
                + (summary.rows.contains(where: \.hasExpectedMetrics) ? " (randomised methods at their expected values)" : "")
                + "; bars are " + (summary.bootstrapResamples > 0 ? "95 % bootstrap intervals over test rows" : "± one standard deviation over seeds")
                + ". Outlined points are on the Pareto front: no other method is better on both axes.</figcaption></figure>"
        }
        let rates = groupRates(for: summary).filter { $0.applies(to: summary) }
        if !rates.isEmpty {
            // With many groups each plot gets the page's whole width.
            let heading = switch summary.task {
            case .binary: "Per-group rates"
            case .regression: "Per-group values"
            case .clustering: "Clusters' make-up by group"
            }
            html += "<h3>\(heading), against the baseline</h3><div class=\"bars\(summary.groupNames.count > 4 ? " wide" : "")\">"
            for (plotIndex, rate) in rates.enumerated() {
                html += "<figure><figcaption>\(escapeHTML(rate.title))</figcaption>" + rate.render(summary, id: "groups-\(index)-\(plotIndex)") + "</figure>"
            }
            html += "</div>"
        }
        html += "<h3>Comparison</h3>" + table(summary, index: index)
        html += differences(summary)
        html += failures(summary)
        html += provenance(summary)
        return html + "</section>"
    }

    /// The comparison table: every metric the run has, with the spread over seeds, the bootstrap interval, the
    /// number of seeds that defined it, and the fit time.
    static func table(_ summary: ComparisonSummary, index: Int) -> String {
        let columns = summary.columns
        var html = "<div class=\"table-wrap\"><table class=\"comparison\" id=\"comparison-\(index)\"><thead><tr><th>Method</th><th>Stage</th><th>Status</th>"
        html += columns.map { "<th title=\"\(escapeHTML($0.metric))\">\(escapeHTML($0.displayName))</th>" }.joined() + "<th>Fit (s)</th></tr></thead><tbody>"
        for line in TableLine.all(summary) {
            let selected = line.prefix.isEmpty && line.row.id == summary.selection?.chosen
            let classes = [line.row.seedsSucceeded == 0 ? "failed" : nil, selected ? "selected" : nil, line.prefix.isEmpty ? nil : "expected"].compactMap { $0 }
            html += "<tr data-method=\"\(escapeHTML(line.row.id))\"\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")>"
            html += "<td class=\"method\"><span class=\"dot\" style=\"background:\(StageColors.color(of: line.row.stage))\"></span>\(escapeHTML(line.label))"
                + (selected ? " <strong>(selected)</strong>" : "") + "</td>"
            html += "<td>\(escapeHTML(line.row.stage))</td><td>\(escapeHTML(line.row.status))</td>"
            for column in columns {
                guard let statistic = line.statistic(column.metric) else {
                    html += "<td class=\"num\">—</td>"
                    continue
                }
                html += "<td class=\"num\"><div>\(escapeHTML(CellText.statistic(statistic)))</div>"
                if let interval = line.interval(column.metric) {
                    html += "<div class=\"ci\">\(escapeHTML(CellText.interval(interval.lower, interval.upper)))</div>"
                }
                html += "<div class=\"n\(line.isPartial(column.metric) ? " partial" : "")\">n = \(statistic.count)"
                    + (line.isPartial(column.metric) ? " of \(line.row.seedsRun) \(CellText.partialMark)" : "") + "</div></td>"
            }
            html += "<td class=\"num\">\(line.prefix.isEmpty ? escapeHTML(CellText.statistic(line.row.fitSeconds, digits: 3)) : "")</td></tr>"
        }
        html += "</tbody></table></div>"
        let notes = legend(summary) + ["n: seeds on which the value is defined."]
        return html + "<p class=\"legend\">" + notes.map(escapeHTML).joined(separator: " ") + "</p>"
    }

    private static func differences(_ summary: ComparisonSummary) -> String {
        let columns = summary.columns
        let lines = TableLine.all(summary).filter { line in columns.contains { line.interval($0.metric)?.difference != nil } }
        guard !lines.isEmpty else { return "" }
        var html = "<h3>Difference from the baseline</h3><p>Paired bootstrap on the same test rows (95 %); bold where the interval excludes 0, the difference being larger than the split's noise.</p>"
        html += "<div class=\"table-wrap\"><table class=\"differences\"><thead><tr><th>Method</th>"
            + columns.map { "<th>\(escapeHTML($0.displayName))</th>" }.joined() + "</tr></thead><tbody>"
        for line in lines {
            html += "<tr data-method=\"\(escapeHTML(line.row.id))\"><td class=\"method\">\(escapeHTML(line.label))</td>"
            for column in columns {
                guard let difference = line.interval(column.metric)?.difference else {
                    html += "<td class=\"num\">—</td>"
                    continue
                }
                let text = CellText.difference(difference)
                html += "<td class=\"num\(difference.excludesZero ? " significant" : "")\">\(escapeHTML(text))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    static func failures(_ summary: ComparisonSummary) -> String {
        let failed = summary.rows.filter { !$0.errors.isEmpty }
        let notes = summary.rows.filter { !$0.notes.isEmpty }
        var html = ""
        if !failed.isEmpty || !summary.pluginFailures.isEmpty {
            html += "<h3>Failures</h3><ul class=\"failures\">"
            for row in failed {
                html += row.errors.map { "<li data-method=\"\(escapeHTML(row.id))\"><strong>\(escapeHTML(row.id))</strong> (\(escapeHTML(row.status))): \(escapeHTML($0))</li>" }.joined()
            }
            html += summary.pluginFailures.map { "<li><code>\(escapeHTML($0.path))</code>: \(escapeHTML($0.reason))</li>" }.joined()
            html += "</ul>"
        }
        if !notes.isEmpty {
            html += "<h3>Notes</h3><ul>" + notes.flatMap { row in row.notes.map { "<li><strong>\(escapeHTML(row.id))</strong>: \(escapeHTML($0))</li>" } }.joined() + "</ul>"
        }
        return html
    }

    static func provenance(_ summary: ComparisonSummary) -> String {
        var items: [(String, String)] = [
            ("Dataset", summary.datasetPath), ("Dataset SHA-256", summary.datasetSHA256), ("Command", summary.command),
            ("Created", summary.createdAt), ("Groups", zip(summary.groupNames, summary.groupPrivileged).map { $1 ? "\($0) (privileged)" : $0 }.joined(separator: ", ")),
            ("Protected attributes", summary.protectedAttributes.joined(separator: " × ")),
            ("Seeds", summary.seeds.map(String.init).joined(separator: ", ")),
            ("Split sizes (train / validation / test)", summary.splitSizes.map { "\($0.train) / \($0.validation) / \($0.test)" }.joined(separator: "; ")),
            ("Standardisation", summary.standardization.rawValue),
            ("Bootstrap", summary.bootstrapResamples > 0 ? "\(summary.bootstrapResamples) resamples of each seed's test rows" : "none"),
            ("fairlab", "\(summary.fairlabVersion), plugin ABI \(summary.abiVersion)"),
            ("Metric plugins", summary.metricPlugins.joined(separator: "; ")),
        ]
        if let shard = summary.shard { items.append(("Shard", "\(shard)")) }
        var html = "<h3>Provenance</h3><dl class=\"provenance\">" + items.map { "<dt>\(escapeHTML($0.0))</dt><dd>\(escapeHTML($0.1))</dd>" }.joined() + "</dl>"
        html += "<table class=\"plugins\"><thead><tr><th>Method</th><th>Plugin</th><th>Version</th><th>Parameters</th></tr></thead><tbody>"
        html += summary.rows.map { "<tr><td>\(escapeHTML($0.id))</td><td>\(escapeHTML($0.plugin))</td><td>\(escapeHTML($0.pluginVersion))</td><td><code>\(escapeHTML($0.parameters))</code></td></tr>" }.joined()
        html += "</tbody></table>"
        if !summary.pluginFailures.isEmpty {
            html += "<p>Plugin libraries not used: " + summary.pluginFailures.map { "<code>\(escapeHTML($0.path))</code> (\(escapeHTML($0.reason)))" }.joined(separator: "; ") + "</p>"
        }
        return html
    }

    /// The page around `body`: its policy forbids every fetch and every script, so the report can only be what
    /// the file holds.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escapeHTML(title))</title>
        <style>\(style)</style></head>
        <body>\(body)</body></html>

        """
    }

    private static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#222;line-height:1.4}
        h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}h3{font-size:1.05em;margin:24px 0 8px}
        .lead,.source,.legend{color:#555}.legend{font-size:.85em}
        .selection{background:#eef6ee;border-left:4px solid #2e7d32;padding:6px 10px}.selection.unmet{background:#fdecea;border-color:#c62828}
        figure{margin:0 0 16px}figcaption{font-size:.85em;color:#555}svg.plot{width:100%;height:auto;max-width:820px;display:block}
        .bars{display:grid;grid-template-columns:repeat(auto-fit,minmax(640px,1fr));gap:8px 24px}.bars.wide{grid-template-columns:1fr}
        .table-wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.82em}th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;vertical-align:top}
        th{background:#f4f4f4;text-align:left;position:sticky;top:0}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
        .ci{color:#555;font-size:.9em}.n{color:#888;font-size:.85em}.n.partial{color:#b26a00;font-weight:bold}
        tr.failed td{color:#a00}tr.selected td{background:#eef6ee}tr.expected td{color:#555;font-style:italic}
        td.significant{font-weight:bold}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}
        dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:.88em}dt{color:#555}dd{margin:0;word-break:break-all}
        ul.failures li{color:#a00}code{font-size:.92em}
        @media print{body{max-width:none;margin:0}.table-wrap{overflow:visible}th{position:static}section.run{break-before:page}h3,figure{break-inside:avoid}}
        """
}
