import FairlabCore
import Foundation

/// The formats `export` (and `compare`) can render a comparison in.
public enum TableFormat: String, CaseIterable, Sendable {
    case md, csv, latex, json, html

    /// Renders `summary`.
    public func render(_ summary: ComparisonSummary) throws -> String {
        switch self {
        case .md: return MarkdownTable.render(summary)
        case .csv: return CSVExport.render(summary)
        case .latex: return LaTeXTable.render(summary)
        case .html: return HTMLReport.tableDocument(summary)
        case .json: return try Self.json(summary)
        }
    }

    /// `value` as the JSON exports write it: pretty, keys sorted, NaN and infinities as strings.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// One table line of a method: its drawn values, or a randomised method's expected ones.
struct TableLine {
    let row: ComparisonSummary.Row
    /// "" or `ComparisonSummary.expectedPrefix`.
    let prefix: String

    var label: String { prefix.isEmpty ? row.id : "\(row.id) (expected)" }

    /// Every row's lines, in table order.
    static func all(_ summary: ComparisonSummary) -> [TableLine] {
        summary.rows.flatMap { row in
            [TableLine(row: row, prefix: "")] + (row.hasExpectedMetrics ? [TableLine(row: row, prefix: ComparisonSummary.expectedPrefix)] : [])
        }
    }

    func statistic(_ metric: String) -> ComparisonSummary.Statistic? { row.metrics[prefix + metric] }
    func interval(_ metric: String) -> BootstrapInterval? { row.intervals[prefix + metric] }

    /// Whether `metric`'s value rests on fewer seeds than the method ran on (a seed failed, or the value was
    /// undefined on it).
    func isPartial(_ metric: String) -> Bool { row.isPartial(prefix + metric) }
}

/// How numbers read in the text formats.
enum CellText {
    /// The mark of a value defined on fewer seeds than ran.
    static let partialMark = "†"

    /// A count of rows, a mean over seeds: to one decimal where it is not whole (`4.5`, `1957`).
    static func rows(_ count: Double) -> String { String(format: "%g", (count * 10).rounded() / 10) }

    static func number(_ value: Double, digits: Int = 4, signed: Bool = false) -> String {
        value.isNaN ? "NaN" : String(format: signed ? "%+.\(digits)f" : "%.\(digits)f", value)
    }

    /// `0.8461`, `0.8461 ± 0.0032`; "—" when missing.
    static func statistic(_ statistic: ComparisonSummary.Statistic?, plusMinus: String = "±", digits: Int = 4) -> String {
        guard let statistic else { return "—" }
        guard let std = statistic.std else { return number(statistic.mean, digits: digits) }
        return "\(number(statistic.mean, digits: digits)) \(plusMinus) \(number(std, digits: digits))"
    }

    /// `[0.839, 0.857]`; with a digit more, up to six, while a bound that is not 0 would print as 0 (an interval
    /// that excludes 0 by a hair would read [+0.000, +0.003]).
    static func interval(_ lower: Double, _ upper: Double, signed: Bool = false) -> String {
        var digits = 3
        while digits < 6, [lower, upper].contains(where: { $0 != 0 && $0.isFinite && abs($0) < 0.5 * pow(10, Double(-digits)) }) { digits += 1 }
        return "[\(number(lower, digits: digits, signed: signed)), \(number(upper, digits: digits, signed: signed))]"
    }

    /// A metric cell: the statistic, its bootstrap interval, and the partial mark.
    static func cell(_ line: TableLine, _ metric: String, plusMinus: String = "±") -> String {
        var text = statistic(line.statistic(metric), plusMinus: plusMinus)
        if let interval = line.interval(metric) { text += " " + self.interval(interval.lower, interval.upper) }
        return text + (line.isPartial(metric) ? partialMark : "")
    }

    /// A difference cell: the difference from the baseline and its paired interval, starred when it excludes 0.
    static func difference(_ line: TableLine, _ metric: String) -> String {
        guard let difference = line.interval(metric)?.difference else { return "—" }
        return self.difference(difference) + (difference.excludesZero ? "*" : "")
    }

    /// `+0.0123 [+0.005, +0.019]`: a difference from the baseline and its paired interval.
    static func difference(_ difference: BootstrapInterval.Difference) -> String {
        "\(difference.estimate.map { number($0, signed: true) } ?? "—") \(interval(difference.lower, difference.upper, signed: true))"
    }
}

/// The header line of a run, shared by the text formats.
func runDescription(_ summary: ComparisonSummary) -> String {
    let groups = zip(summary.groupNames, summary.groupPrivileged).map { $1 ? "\($0) (privileged)" : $0 }.joined(separator: ", ")
    let seeds = (summary.seeds.count == 1 ? "seed \(summary.seeds[0])" : "\(summary.seeds.count) seeds (mean ± std)")
        + (summary.shard.map { ", shard \($0) of the grid" } ?? "")
    return "\(summary.datasetPath) — groups by \(summary.protectedAttributes.joined(separator: " × ")): \(groups); \(seeds), \(summary.testRows.first ?? 0) test rows; run \(summary.runID)"
        + (summary.stressLevel.map { "; \($0)" } ?? "")
}

/// What the text formats say about their intervals and marks, one sentence each.
func legend(_ summary: ComparisonSummary) -> [String] {
    var lines: [String] = []
    if summary.bootstrapResamples > 0 {
        lines.append("[low, high]: 95 % bootstrap interval over test rows (\(summary.bootstrapResamples) resamples"
            + (summary.seeds.count > 1 ? " of each seed's test rows, of the mean over seeds)." : ")."))
    }
    let columns = summary.columns
    if TableLine.all(summary).contains(where: { line in columns.contains { line.isPartial($0.metric) } }) {
        lines.append("\(CellText.partialMark): defined on fewer seeds than the method ran on.")
    }
    // Groups of a few test rows (an intersection of rare values) set the spreads over groups: say which they are.
    let small = zip(summary.groupNames, groupTestRows(summary)).compactMap { name, rows -> String? in
        guard let rows, rows < smallGroupRows else { return nil }
        return "\(name) (\(CellText.rows(rows)))"
    }
    if !small.isEmpty {
        lines.append("Groups with fewer than \(Int(smallGroupRows)) test rows (mean over seeds): \(small.joined(separator: ", ")); their rates, and"
            + " every difference or ratio over groups that includes them, move by whole rows.")
    }
    return lines
}

/// Groups with fewer test rows than this are named under a table.
let smallGroupRows = 30.0

/// Each group's test rows: the baseline's per-group count, a mean over seeds; nil where the run has none.
func groupTestRows(_ summary: ComparisonSummary) -> [Double?] {
    let counts = summary.rows.first { $0.id == MethodRecord.baselineID }?.perGroup["count"] ?? []
    return summary.groupNames.indices.map { $0 < counts.count ? counts[$0]?.mean : nil }
}

/// Failure lines: each failed method's reasons and each plugin that could not be used.
func failureLines(_ summary: ComparisonSummary) -> [String] {
    summary.rows.flatMap { row in row.errors.map { "\(row.id): \($0)" } } + summary.pluginFailures.map { "\($0.path): \($0.reason)" }
}

/// Markdown: a pipe table aligned for reading in a terminal, the differences from the baseline, then failures.
enum MarkdownTable {
    static func render(_ summary: ComparisonSummary) -> String {
        let columns = summary.columns
        let chosen = summary.selection?.chosen
        func name(_ line: TableLine) -> String { line.label + (line.prefix.isEmpty && line.row.id == chosen ? " (selected)" : "") }
        var lines = [runDescription(summary)] + legend(summary) + [""]
        let header = ["Method", "Stage", "Status"] + columns.map(\.displayName) + ["Fit (s)"]
        lines += table(header, TableLine.all(summary).map { line in
            [name(line), line.row.stage, line.row.status] + columns.map { CellText.cell(line, $0.metric) }
                + [line.prefix.isEmpty ? CellText.statistic(line.row.fitSeconds, digits: 3) : ""]
        })
        let compared = TableLine.all(summary).filter { line in columns.contains { line.interval($0.metric)?.difference != nil } }
        if !compared.isEmpty {
            lines += ["", "Difference from the baseline (paired bootstrap on the same test rows, 95 %; * the interval excludes 0):", ""]
            lines += table(["Method"] + columns.map(\.displayName), compared.map { line in
                [name(line)] + columns.map { CellText.difference(line, $0.metric) }
            })
        }
        if let selection = summary.selection { lines += ["", selection.summaryLine] }
        let failures = failureLines(summary)
        if !failures.isEmpty { lines += ["", "Failures:"] + failures.map { "- \($0)" } }
        let notes = summary.rows.flatMap { row in row.notes.map { "- \(row.id): \($0)" } }
        if !notes.isEmpty { lines += ["", "Notes:"] + notes }
        return lines.joined(separator: "\n") + "\n"
    }

    static func table(_ header: [String], _ body: [[String]]) -> [String] {
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        return [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"] + body.map(line)
    }
}

/// CSV: one row per method; for every overall metric its mean, std, seeds, bootstrap interval and paired
/// difference from the baseline with its interval.
enum CSVExport {
    static func render(_ summary: ComparisonSummary) -> String {
        let metrics = summary.metrics(includingExpected: true).map(\.metric)
        var header = ["run_id", "method", "stage", "plugin", "plugin_version", "parameters", "status", "seeds_ok", "seeds_run", "selected"]
        for metric in metrics {
            header += ["std", "seeds", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"].reduce(into: [metric]) { $0.append("\(metric)_\($1)") }
        }
        header += ["fit_seconds", "fit_seconds_std", "error", "notes"]
        var lines = [header.map(quote).joined(separator: ",")]
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for row in summary.rows {
            var cells = [summary.runID, row.id, row.stage, row.plugin, row.pluginVersion, row.parameters, row.status,
                         String(row.seedsSucceeded), String(row.seedsRun), row.id == summary.selection?.chosen ? "true" : "false"]
            for metric in metrics {
                let statistic = row.metrics[metric], interval = row.intervals[metric]
                cells += [number(statistic?.mean), number(statistic?.std), statistic.map { String($0.count) } ?? "0",
                          number(interval?.lower), number(interval?.upper), number(interval?.difference?.estimate),
                          number(interval?.difference?.lower), number(interval?.difference?.upper)]
            }
            cells += [number(row.fitSeconds?.mean), number(row.fitSeconds?.std), row.errors.joined(separator: "; "), row.notes.joined(separator: "; ")]
            lines.append(cells.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (LF, CR or both: read as scalars, since
    /// Swift takes "\r\n" for one character, equal to neither).
    static func quote(_ field: String) -> String {
        field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}

/// LaTeX: a booktabs tabular with status and fit time; failed rows' reasons as numbered notes under it.
enum LaTeXTable {
    static func render(_ summary: ComparisonSummary) -> String {
        let columns = summary.columns
        var lines = ["% \(runDescription(summary))"] + legend(summary).map { "% \($0)" } + [
            "\\begin{tabular}{lll" + String(repeating: "r", count: columns.count + 1) + "}",
            "\\toprule",
            (["Method", "Stage", "Status"] + columns.map(\.displayName) + ["Fit (s)"]).map(escape).joined(separator: " & ") + " \\\\",
            "\\midrule",
        ]
        // Each failed method's reasons, lettered in table order.
        var notes: [String] = []
        for line in TableLine.all(summary) {
            var status = escape(line.row.status)
            if line.prefix.isEmpty, !line.row.errors.isEmpty {
                let numbers = line.row.errors.map { error -> String in
                    notes.append(error)
                    return String(notes.count)
                }
                status += "\\textsuperscript{\(numbers.joined(separator: ","))}"
            }
            let method = line.prefix.isEmpty && line.row.id == summary.selection?.chosen ? "\\textbf{\(escape(line.label))}" : escape(line.label)
            let cells = columns.map { column -> String in
                guard line.statistic(column.metric) != nil else { return "--" }
                var text = "$" + CellText.statistic(line.statistic(column.metric), plusMinus: "\\pm") + "$"
                if let interval = line.interval(column.metric) { text += " {\\scriptsize " + CellText.interval(interval.lower, interval.upper) + "}" }
                return text.replacingOccurrences(of: "NaN", with: "\\textrm{NaN}") + (line.isPartial(column.metric) ? "$^\\dagger$" : "")
            }
            let fit = line.prefix.isEmpty ? "$" + CellText.statistic(line.row.fitSeconds, plusMinus: "\\pm", digits: 3) + "$" : ""
            lines.append(([method, escape(line.row.stage), status] + cells + [fit.replacingOccurrences(of: "$—$", with: "--")]).joined(separator: " & ") + " \\\\")
        }
        lines += ["\\bottomrule", "\\end{tabular}"]
        for (index, note) in notes.enumerated() {
            lines.append("\\par\\noindent{\\footnotesize\\textsuperscript{\(index + 1)} \(escape(note))}")
        }
        if let selection = summary.selection { lines.append("\\par\\noindent{\\footnotesize \(escape(selection.summaryLine))}") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        escaping(text, [
            "&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#", "_": "\\_", "{": "\\{", "}": "\\}",
            "~": "\\textasciitilde{}", "^": "\\textasciicircum{}", "\\": "\\textbackslash{}", "†": "$^\\dagger$",
        ])
    }
}
