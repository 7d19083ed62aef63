import FairlabCore
import Foundation

/// The formats `export` (and `compare`) can render a comparison in.
public enum TableFormat: String, CaseIterable, Sendable {
    case md, csv, latex, json

    /// Renders `summary`.
    public func render(_ summary: ComparisonSummary) throws -> String {
        switch self {
        case .md: return MarkdownTable.render(summary)
        case .csv: return CSVExport.render(summary)
        case .latex: return LaTeXTable.render(summary)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
        }
    }
}

/// How a statistic is written in tables: `0.8461` or `0.8461 ± 0.0032`; "—" when missing.
func formatStatistic(_ statistic: ComparisonSummary.Statistic?, plusMinus: String = "±", digits: Int = 4) -> String {
    guard let statistic else { return "—" }
    let mean = String(format: "%.\(digits)f", statistic.mean)
    guard let std = statistic.std else { return mean }
    return "\(mean) \(plusMinus) \(String(format: "%.\(digits)f", std))"
}

/// The header line of a run, shared by the text formats.
func runDescription(_ summary: ComparisonSummary) -> String {
    let groups = zip(summary.groupNames, summary.groupPrivileged).map { $1 ? "\($0) (privileged)" : $0 }.joined(separator: ", ")
    let seeds = (summary.seeds.count == 1 ? "seed \(summary.seeds[0])" : "\(summary.seeds.count) seeds (mean ± std)")
        + (summary.shard.map { ", shard \($0) of the grid" } ?? "")
    return "\(summary.datasetPath) — groups by \(summary.protectedAttributes.joined(separator: " × ")): \(groups); \(seeds), \(summary.testRows.first ?? 0) test rows; run \(summary.runID)"
}

/// Markdown: a pipe table aligned for reading in a terminal, then failures.
enum MarkdownTable {
    static func render(_ summary: ComparisonSummary) -> String {
        let header = ["Method", "Stage", "Status"] + ComparisonSummary.tableColumns.map(\.header) + ["Fit (s)"]
        var body: [[String]] = []
        for row in summary.rows {
            func cells(_ prefix: String) -> [String] {
                ComparisonSummary.tableColumns.map { formatStatistic(row.metrics[prefix + $0.metric]) }
            }
            body.append([row.id, row.stage, row.status] + cells("") + [formatStatistic(row.fitSeconds, digits: 3)])
            if row.hasExpectedMetrics {
                body.append(["\(row.id) (expected)", row.stage, row.status] + cells(ComparisonSummary.expectedPrefix) + [""])
            }
        }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        var lines = [runDescription(summary), "", line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        lines += body.map(line)
        let failures = summary.rows.flatMap { row in row.errors.map { "- \(row.id): \($0)" } }
            + summary.pluginFailures.map { "- \($0.path): \($0.reason)" }
        if !failures.isEmpty { lines += ["", "Failures:"] + failures }
        let notes = summary.rows.flatMap { row in row.notes.map { "- \(row.id): \($0)" } }
        if !notes.isEmpty { lines += ["", "Notes:"] + notes }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// CSV: one row per method, mean and std in separate columns, every overall metric.
enum CSVExport {
    static func render(_ summary: ComparisonSummary) -> String {
        let metrics = Set(summary.rows.flatMap { $0.metrics.keys }).sorted()
        var header = ["run_id", "method", "stage", "plugin", "plugin_version", "parameters", "status", "seeds_ok", "seeds_run"]
        for metric in metrics + ["fit_seconds"] { header += [metric, "\(metric)_std"] }
        header += ["error", "notes"]
        var lines = [header.map(quote).joined(separator: ",")]
        for row in summary.rows {
            var cells = [summary.runID, row.id, row.stage, row.plugin, row.pluginVersion, row.parameters, row.status,
                         String(row.seedsSucceeded), String(row.seedsRun)]
            for statistic in metrics.map({ row.metrics[$0] }) + [row.fitSeconds] {
                cells += [statistic.map { String($0.mean) } ?? "", statistic?.std.map { String($0) } ?? ""]
            }
            cells += [row.errors.joined(separator: "; "), row.notes.joined(separator: "; ")]
            lines.append(cells.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quote(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}

/// LaTeX: a booktabs tabular.
enum LaTeXTable {
    static func render(_ summary: ComparisonSummary) -> String {
        let columns = ComparisonSummary.tableColumns
        var lines = [
            "% \(runDescription(summary))",
            "\\begin{tabular}{ll" + String(repeating: "r", count: columns.count) + "}",
            "\\toprule",
            (["Method", "Stage"] + columns.map(\.header)).map(escape).joined(separator: " & ") + " \\\\",
            "\\midrule",
        ]
        for row in summary.rows {
            func cells(_ id: String, prefix: String) -> String {
                ([escape(id), escape(row.stage)] + columns.map { column in
                    row.seedsSucceeded == 0 ? "--" : "$" + formatStatistic(row.metrics[prefix + column.metric], plusMinus: "\\pm").replacingOccurrences(of: "—", with: "--") + "$"
                }).joined(separator: " & ") + " \\\\"
            }
            lines.append(cells(row.id, prefix: ""))
            if row.hasExpectedMetrics { lines.append(cells("\(row.id) (expected)", prefix: ComparisonSummary.expectedPrefix)) }
        }
        lines += ["\\bottomrule", "\\end{tabular}"]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&", "%", "$", "#", "_", "{", "}": escaped += "\\\(character)"
            case "~": escaped += "\\textasciitilde{}"
            case "^": escaped += "\\textasciicircum{}"
            case "\\": escaped += "\\textbackslash{}"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
