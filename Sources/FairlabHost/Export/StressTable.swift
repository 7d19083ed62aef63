import FairlabCore
import Foundation

/// The text formats of a stress run's recovery (`fairlab stress`, `export` of a stress run): Markdown (one table
/// per measure, methods by levels), CSV (one line per method and level), JSON, and HTML (the stress report).
public enum StressTable {
    /// Renders `summary` in `format` (LaTeX is for comparison tables only).
    public static func render(_ summary: StressSummary, as format: TableFormat) throws -> String {
        switch format {
        case .md: return markdown(summary)
        case .csv: return csv(summary)
        case .html: return HTMLReport.stressDocument(summary)
        case .json: return try TableFormat.json(summary)
        case .latex: throw latexRefusal(runID: summary.runID)
        }
    }

    /// Refuses a format stress run `runID` cannot be shown in (LaTeX renders one comparison), before any work whose
    /// result it would be.
    public static func checkFormat(_ format: TableFormat, runID: String) throws {
        guard format != .latex else { throw latexRefusal(runID: runID) }
    }

    private static func latexRefusal(runID: String) -> FairlabError {
        FairlabError("--format latex renders one comparison: use md, csv, json or html for stress run \(runID) (fairlab export --level gives one level in LaTeX)")
    }

    /// The line that says what was injected where.
    static func description(_ summary: StressSummary) -> String {
        "\(summary.datasetPath) — stress run \(summary.runID): \(summary.injection) in group \(summary.group) at levels "
            + summary.levels.map(Injection.levelText).joined(separator: ", ")
            + "; \(summary.seeds.count == 1 ? "seed \(summary.seeds[0])" : "\(summary.seeds.count) seeds (means)")"
            + (summary.cleanSummary?.shard.map { ", shard \($0) of the grid (its jobs only: fairlab merge joins the shards)" } ?? "")
            + "; test rows keep their clean labels"
    }

    /// The recovery metric's distance from its ideal, as the tables name it: |SPD| for an ideal of 0, "DI's
    /// distance from 1" for a ratio (1 − min(DI, 1/DI)), |m − ideal| otherwise.
    static func distanceName(_ summary: StressSummary) -> String {
        let descriptor = summary.metricDescriptor
        let name = descriptor.displayName
        let ideal = descriptor.ideal ?? 0
        if descriptor.kind == .ratio { return "\(name)'s distance from \(Injection.levelText(ideal))" }
        return ideal == 0 ? "|\(name)|" : "|\(name) − \(Injection.levelText(ideal))|"
    }

    /// The injected gap at each level above 0, with its marks.
    static func gapLine(_ summary: StressSummary) -> String {
        summary.levels.indices.filter { summary.levels[$0] > 0 }.map { index in
            "p = \(Injection.levelText(summary.levels[index])): \(summary.injectedGap[index].map { CellText.number($0, signed: true) } ?? "—")"
                + noiseMark(summary, index) + (summary.injectedGapNarrows[index] ? narrowedMarkText : "")
        }.joined(separator: ", ")
    }

    /// The legends the gap line's marks and the run's seeds call for.
    static func gapLegends(_ summary: StressSummary) -> [String] {
        var legends: [String] = []
        if summary.injectedGapIsNoise.contains(true) { legends.append(noiseLegend) }
        if summary.injectedGapNarrows.contains(true) {
            legends.append("\(narrowedMarkText.trimmingCharacters(in: .whitespaces)): the injection brought the baseline closer to the ideal there (a negative gap beyond the seeds' noise), so there is no gap to close: recovery and pass-through are not defined at that level.")
        }
        if summary.seeds.count == 1 && summary.levels.contains(where: { $0 > 0 }) {
            legends.append("One seed: whether an injected gap exceeds the seeds' noise cannot be judged (run --seeds 5 or more); recovery on a small gap may be a ratio of noise.")
        }
        return legends
    }

    /// The mark of a level whose injection narrowed the gap.
    static let narrowedMarkText = " (narrowed)"

    private static func markdown(_ summary: StressSummary) -> String {
        let levels = summary.levels.map(Injection.levelText)
        let metricName = summary.metricDescriptor.displayName
        let distance = distanceName(summary)
        func grid(_ title: String, levels shown: [Int], _ cell: (StressSummary.Cell) -> String) -> [String] {
            ["", title, ""] + MarkdownTable.table(["Method", "Stage"] + shown.map { "p = \(levels[$0])" }, summary.rows.map { row in
                [row.id, row.stage] + shown.map { cell(row.cells[$0]) }
            })
        }
        func mean(_ interval: SeedInterval?) -> String { interval.map { CellText.number($0.mean) } ?? "—" }
        let all = Array(summary.levels.indices), injected = all.filter { summary.levels[$0] > 0 }
        var lines = [description(summary)]
        lines.append("Injected gap in \(distance) (the baseline's at each level minus at 0): " + gapLine(summary))
        lines += gapLegends(summary)
        lines += grid("Clean-label accuracy:", levels: all) { mean($0.accuracy) + failedMark($0) }
        lines += grid("\(metricName):", levels: all) { mean($0.metric) + failedMark($0) }
        lines += grid("Recovery: share of the injected \(distance) gap closed (1: back to the clean baseline, 0: as biased as the baseline):",
                      levels: injected) { cell in cell.recovery.map { CellText.number($0, digits: 2) + noiseMark(summary, cell) + oneClassMark(cell) } ?? "—" }
        lines += grid("Pass-through: share of the injected gap that reaches the method's own \(distance) (its value at p minus at 0; 0: absorbed):",
                      levels: injected) { cell in cell.passThrough.map { CellText.number($0, digits: 2) + noiseMark(summary, cell) + oneClassMark(cell) } ?? "—" }
        if summary.rows.contains(where: { $0.cells.contains(where: \.predictsOneClass) }) { lines += ["", oneClassLegend] }
        lines += grid("Accuracy against the clean baseline (level 0, same seeds):", levels: all) {
            $0.accuracyChange.map { CellText.number($0, signed: true) } ?? "—"
        }
        if summary.rows.contains(where: { $0.cells.contains { $0.seedsSucceeded < $0.seedsRun } }) {
            lines += ["", "\(CellText.partialMark): fewer seeds succeeded than ran at that level."]
        }
        let failures = summary.rows.flatMap { row in row.errors.map { "- \(row.id): \($0)" } }
        if !failures.isEmpty { lines += ["", "Failures:"] + failures }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The mark of a cell whose method predicts one class for every test row (`Cell.predictsOneClass`).
    static func oneClassMark(_ cell: StressSummary.Cell) -> String { cell.predictsOneClass ? " c" : "" }
    static let oneClassLegend = "c: the method predicts one class for every test row on every seed at that level: it closes the gap by telling no one apart."

    /// The mark of a level whose injected gap is within the seeds' noise.
    static let noiseMarkText = " ~"
    static let noiseLegend = "~: the injected gap is within the seeds' noise at this level (its 95 % t-interval over seeds includes 0): recovery and pass-through there are ratios of noise."

    static func noiseMark(_ summary: StressSummary, _ levelIndex: Int) -> String {
        summary.injectedGapIsNoise[levelIndex] ? noiseMarkText : ""
    }

    static func noiseMark(_ summary: StressSummary, _ cell: StressSummary.Cell) -> String {
        summary.levels.firstIndex(of: cell.level).map { noiseMark(summary, $0) } ?? ""
    }

    private static func failedMark(_ cell: StressSummary.Cell) -> String {
        cell.seedsSucceeded < cell.seedsRun ? " \(CellText.partialMark)" : ""
    }

    private static func csv(_ summary: StressSummary) -> String {
        var lines = [[
            "run_id", "injection", "group", "method", "stage", "level", "seeds_ok", "seeds_run", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
            summary.metric, "\(summary.metric)_ci_low", "\(summary.metric)_ci_high", "injected_gap", "injected_gap_within_noise", "injected_gap_narrows",
            "recovery", "pass_through", "predicts_one_class", "accuracy_vs_clean_baseline",
        ].joined(separator: ",")]
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for row in summary.rows {
            for (index, cell) in row.cells.enumerated() {
                lines.append([
                    summary.runID, summary.injection, summary.group, row.id, row.stage, String(cell.level), String(cell.seedsSucceeded),
                    String(cell.seedsRun), number(cell.accuracy?.mean), number(cell.accuracy?.lower), number(cell.accuracy?.upper),
                    number(cell.metric?.mean), number(cell.metric?.lower), number(cell.metric?.upper), number(summary.injectedGap[index]), String(summary.injectedGapIsNoise[index]),
                    String(summary.injectedGapNarrows[index]), number(cell.recovery), number(cell.passThrough), String(cell.predictsOneClass), number(cell.accuracyChange),
                ].map(CSVExport.quote).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
