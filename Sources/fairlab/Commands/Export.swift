import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab export`: comparison tables from a results file.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print the comparison table of a run stored in a results file.")

    @Argument(help: "The HDF5 results file.")
    var results: String

    @Option(help: "Format: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: TableFormat = .md

    @Option(name: .customLong("run"), help: "The run id (default: the latest run).")
    var runID: String?

    @Option(parsing: .unconditional, help: "For a stress run: the comparison table of this one level (default: the recovery tables of every level).")
    var level: Double?

    @Option(help: "For a stress run's recovery tables: the metric whose injected gap recovery is measured on (default: \(StressSummary.defaultMetric)).")
    var metric: String?

    @Flag(help: "List the runs in the file (id, date, dataset, methods, seeds) instead.")
    var list = false

    @OptionGroup var selection: SelectionOptions

    func run() throws {
        try UntrustedFile.check(results, as: .resultsSummaries, executable: currentExecutablePath())
        if list {
            for id in try ResultsFile.runIDs(in: results) {
                let run = try ResultsFile.read(runID: id, from: results, predictions: false)
                let failed = run.methods.filter { $0.outcomes.contains { !$0.succeeded } }.count
                print("\(id)  \(run.createdAt)  \(run.datasetPath)  \(run.methods.count) methods × \(run.seeds.count) seed\(run.seeds.count == 1 ? "" : "s")"
                    + (run.stress.map { " × \($0.levels.count) levels of \($0.injection)" } ?? "")
                    + (failed > 0 ? ", \(failed) with failures" : "") + (run.shard.map { ", shard \($0)" } ?? ""))
            }
            let missing = try ResultsFile.runsWithoutFiles(in: results)
            if missing > 0 {
                reportProgress("note: " + (missing == 1 ? "the file of one more run is" : "the files of \(missing) more runs are")
                    + " missing from \(results)\(ResultsFile.runsFolderSuffix)")
            }
            return
        }
        let id = try runID ?? ResultsFile.latestRunID(in: results)
        var run = try ResultsFile.read(runID: id, from: results, predictions: false)
        var stressLevel: String?
        if let stress = run.stress {
            if let level {
                guard metric == nil else { throw FairlabError("--metric sets the recovery tables' metric; one level's comparison shows every metric: drop --metric or --level") }
                guard stress.levels.contains(level) else {
                    throw FairlabError(file: results, "stress run \(id) has no level \(Injection.levelText(level)) (its levels: \(stress.levels.map(Injection.levelText).joined(separator: ", ")))")
                }
                stressLevel = stress.injection.levelDescription(level, group: stress.injection.groupName(names: run.groupNames, privileged: run.groupPrivileged))
                run = run.atLevel(level)
            } else {
                guard try selection.rule() == nil else { throw FairlabError("--select chooses within one comparison: give --level to choose at one level of stress run \(id)") }
                print(try StressTable.render(try StressSummary(run, metric: metric ?? StressSummary.defaultMetric, file: results), as: format), terminator: "")
                return
            }
        } else if level != nil || metric != nil {
            throw FairlabError(file: results, "run \(id) is not a stress run: --\(level != nil ? "level" : "metric") is for stress runs")
        }
        var summary = try ComparisonSummary(run, selecting: try selection.rule(), file: results)
        summary.stressLevel = stressLevel
        print(try format.render(summary), terminator: "")
        try finish(with: selectionStatus(of: [summary]))
    }
}
