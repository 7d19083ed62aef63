import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab stress`: inject a bias of known size into the training and validation rows, at several levels, and
/// measure which methods recover it on the clean test labels.
struct Stress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Inject bias of known size into training and validation rows at several levels, run every method at each, and show which recover it on clean test labels.")

    @Argument(help: "The dataset (a fairlab HDF5 file).")
    var dataset: String

    @Option(help: ArgumentHelp(
        "The bias to inject: \(InjectionKind.allCases.map(\.rawValue).joined(separator: ", ")), optionally :group=NAME (default: the first unprivileged group, which with intersecting --protected attributes may be a small cell: name one).",
        valueName: "kind[:group=NAME]"))
    var inject: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Comma-separated levels in [0, 1] (default: \(Stress.defaultLevels.map(Injection.levelText).joined(separator: ",")); 0 is always run: recovery is measured against it)."))
    var levels: String?

    @Option(help: "The metric whose injected gap recovery is measured on.")
    var metric: String = StressSummary.defaultMetric

    @Option(help: ArgumentHelp("Replay the injected rows stored with a stress run of this results file instead of drawing them (its kind, levels, seeds, groups and standardisation replace --seeds, --seed, --protected and --standardize).", valueName: "results.h5"))
    var replay: String?

    @Option(help: ArgumentHelp("The stress run to replay (default: the latest in the --replay file).", valueName: "id"))
    var replayRun: String?

    @OptionGroup var runOptions: RunOptions

    @Option(parsing: .unconditional, help: "Run only shard K of M of the (method, seed, level) grid (K/M, 1 ≤ K ≤ M), for fairlab merge to join; needs --out.")
    var shard: String?

    @Option(help: "Resamples of each seed's test rows for bootstrap intervals of every (method, level), which export --level shows (0, the default here: the recovery tables and curves take their intervals over seeds).")
    var bootstrap: Int = 0

    @Option(help: ArgumentHelp("Also write the stress report (recovery curves and tables) to this HTML file.", valueName: "file"))
    var report: String?

    /// The levels a stress run uses unless told otherwise.
    static let defaultLevels = [0, 0.1, 0.2, 0.3, 0.4]

    func run() throws {
        try StressSummary.checkRecoveryMetric(metric)
        var options = try runOptions.comparisonOptions(dataset: dataset, bootstrap: bootstrap)
        guard replayRun == nil || replay != nil else { throw FairlabError("--replay-run names a run of the --replay file: give --replay too") }
        var replayed: RunRecord?
        if let replay {
            (options, replayed) = try replaying(replay, into: options)
        } else {
            guard let inject else { throw FairlabError("give --inject KIND (or --replay a stored stress run)") }
            options.stress = try StressPlan(injection: try Injection(parsing: inject), levels: try levels.map(Self.parseLevels) ?? Self.defaultLevels)
        }
        options.shard = try shard.map(Shard.init(parsing:))
        guard options.shard == nil || runOptions.out != nil else { throw FairlabError("--shard needs --out: a shard's results are for fairlab merge") }
        guard runOptions.format != .latex else { throw FairlabError("--format latex renders one comparison: use md, csv, json or html for a stress run") }
        try runOptions.checkOutputs(dataset: dataset, replay: replay, report: report, executable: options.executablePath)
        let run = try Comparison(options: options, progress: reportProgress).run()
        // Seed by seed: a shard of the replay prepared only its own seeds.
        if let stored = replayed {
            for split in run.splits {
                guard let original = stored.splits.first(where: { $0.seed == split.seed }),
                      original.train == split.train, original.validation == split.validation else {
                    throw FairlabError("the replayed split of seed \(split.seed) differs from stored run \(stored.id)'s (another fairlab version's split?): its rows would not mean the same")
                }
            }
        }
        // A metric the run turned out not to have is reported after the run is shown (on the default metric)
        // and saved, not instead of them: the metric plugins say which metrics exist only once they ran.
        let summary: StressSummary
        do {
            summary = try StressSummary(run, metric: metric)
        } catch {
            if let fallback = try? StressSummary(run) { print(try StressTable.render(fallback, as: runOptions.format), terminator: "") }
            try runOptions.save(run)
            throw error
        }
        print(try StressTable.render(summary, as: runOptions.format), terminator: "")
        try runOptions.save(run)
        if let report {
            try writeAtomically(HTMLReport.stressDocument(summary, resultsPath: runOptions.out), to: report)
            reportProgress("wrote the stress report to \(report)")
        }
        try finish(with: exitStatus(of: run))
    }

    /// `options` set to replay the stored stress run: its injection, levels, seeds and groups, on the dataset it
    /// was made from (checked by hash before any work).
    private func replaying(_ path: String, into options: Comparison.Options) throws -> (Comparison.Options, RunRecord) {
        guard inject == nil, levels == nil else { throw FairlabError("--replay takes the injection and levels from the stored run: drop --inject and --levels") }
        try UntrustedFile.check(path, as: .resultsSummaries, executable: options.executablePath)
        let id = try replayRun ?? ResultsFile.latestRunID(in: path)
        let stored = try ResultsFile.read(runID: id, from: path, predictions: false)
        guard let stress = stored.stress else { throw FairlabError(file: path, "run \(id) is not a stress run") }
        guard FileManager.default.fileExists(atPath: dataset) else { throw FairlabError(file: dataset, "no such file") }
        guard try SHA256.hexDigest(ofFile: dataset) == stored.datasetSHA256 else {
            throw FairlabError(file: dataset, "not the dataset stress run \(id) was made from (its SHA-256 differs)")
        }
        var options = options
        options.seeds = stored.seeds
        options.protectedAttributes = stored.protectedAttributes
        options.standardization = stored.standardization
        options.stress = try StressPlan(injection: stress.injection, levels: stress.levels, replay: stress.injected)
        return (options, stored)
    }

    /// Parses `0,0.1,0.2`.
    static func parseLevels(_ text: String) throws -> [Double] {
        try RunOptions.list(text).map { item in
            guard let level = Double(item) else { throw FairlabError("--levels: '\(item)' is not a number") }
            return level
        }
    }
}
