import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab compare`: the baseline and every method on the same split(s), side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the baseline and every registered method on the same split and print a comparison table.")

    @Argument(help: "The dataset (a fairlab HDF5 file).")
    var dataset: String

    @Option(help: "Number of seeds (splits); with more than one the table shows mean ± std.")
    var seeds: Int = 1

    @Option(help: "The first seed; seeds run from here upwards.")
    var seed: UInt64 = 0

    @Option(help: "Comma-separated method ids to run (default: every method found).")
    var methods: String?

    @Option(help: "Protected attribute(s) forming the groups, comma-separated for intersections (default: the dataset's first).")
    var protected: String?

    @Option(name: .customLong("plugins"), help: "A folder of plugin libraries to search (repeatable).")
    var pluginFolders: [String] = []

    @Flag(help: "Load plugin libraries from world-writable folders too (refused by default).")
    var allowWorldWritablePlugins = false

    @Option(help: "Append the run to this HDF5 results file.")
    var out: String?

    @Option(help: "Which feature columns are standardised with the training rows' statistics: numeric (the default, scikit-learn's canonical pipeline: one-hot and protected columns stay 0/1), all or none.")
    var standardize: Standardization = .numeric

    @Option(help: "Run only shard K of M of the (method, seed) grid (K/M, 1 ≤ K ≤ M), for fairlab merge to join; needs --out.")
    var shard: String?

    @Option(help: "Resamples of each seed's test rows for every metric's 95 % bootstrap interval and its paired difference from the baseline (0: no intervals).")
    var bootstrap: Int = ComparisonSummary.defaultBootstrapResamples

    @Option(help: "Worker processes to run at once.")
    var jobs: Int = 1

    @Option(help: "Seconds each worker may run before it is killed.")
    var timeout: Double = 600

    @Option(help: "Address-space limit of each worker, in MiB (0 for none, else at least 512).")
    var memoryLimit: Int = 8192

    @Option(name: .customLong("param"), help: "Override a parameter: method.key=value (repeatable).")
    var parameters: [String] = []

    @Flag(help: "Show what each worker logged (plugins' log lines) on stderr.")
    var verbose = false

    @Option(help: "Table format on stdout: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = TableFormat.md.rawValue

    @Option(help: ArgumentHelp("Also write the run's HTML report (as fairlab report does) to this file.", valueName: "file"))
    var report: String?

    @OptionGroup var plot: PlotOptions
    @OptionGroup var selection: SelectionOptions

    func run() throws {
        guard (1...Self.maximumSeeds).contains(seeds) else { throw FairlabError("--seeds must be between 1 and \(Self.maximumSeeds)") }
        guard seed <= UInt64.max - UInt64(seeds - 1) else { throw FairlabError("--seed \(seed) leaves no room for \(seeds) seeds") }
        guard jobs >= 1 else { throw FairlabError("--jobs must be at least 1") }
        guard (0...Self.maximumBootstrapResamples).contains(bootstrap) else {
            throw FairlabError("--bootstrap must be between 0 (no intervals) and \(Self.maximumBootstrapResamples)")
        }
        guard timeout > 0 else { throw FairlabError("--timeout must be positive") }
        guard let tableFormat = TableFormat(rawValue: format) else {
            throw FairlabError("unknown --format \(format) (use \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var options = Comparison.Options(datasetPath: dataset, executablePath: currentExecutablePath())
        options.seeds = (0..<UInt64(seeds)).map { seed + $0 }
        options.methodIDs = methods.map(Self.list)
        options.protectedAttributes = protected.map(Self.list) ?? []
        options.pluginFolders = pluginFolders
        options.allowWorldWritablePlugins = allowWorldWritablePlugins
        options.verbose = verbose
        options.parameterOverrides = try Self.parseParameters(parameters)
        options.standardization = standardize
        options.shard = try shard.map(Shard.init(parsing:))
        guard options.shard == nil || out != nil else { throw FairlabError("--shard needs --out: a shard's results are for fairlab merge") }
        options.bootstrapResamples = bootstrap
        options.jobs = jobs
        options.timeout = timeout
        options.memoryLimitMB = memoryLimit
        options.command = CommandLine.arguments.joined(separator: " ")

        // Refuse a results file that cannot take the run before spending the time to compute it.
        if let out {
            try ResultsFile.checkWritable(out)
            if FileManager.default.fileExists(atPath: out) {
                try UntrustedFile.check(out, as: .resultsIndex, executable: options.executablePath)
            }
        }
        if let report { try ResultsFile.checkWritable(report) }
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
        print(try tableFormat.render(summary), terminator: "")
        if let out {
            try ResultsFile.append(run, to: out)
            reportProgress("appended run \(run.id) to \(out)")
        }
        if let report {
            // After the run is saved: a mistyped axis costs the report, not the run.
            try plot.check([summary], file: out ?? dataset)
            try writeAtomically(HTMLReport.document([summary], axes: try plot.axes()), to: report)
            reportProgress("wrote the report to \(report)")
        }
        if let ruleError { throw ruleError }
        try finish(with: exitStatus(of: summary))
    }

    /// The most seeds one run may have.
    static let maximumSeeds = 10_000
    /// The most bootstrap resamples one run may draw.
    static let maximumBootstrapResamples = 100_000

    /// A comma-separated list, entries trimmed.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Parses `method.key=value` overrides.
    static func parseParameters(_ texts: [String]) throws -> [String: [String: String]] {
        var overrides: [String: [String: String]] = [:]
        for text in texts {
            guard let equals = text.firstIndex(of: "="), let dot = text[..<equals].lastIndex(of: ".") else {
                throw FairlabError("--param \(text): expected method.key=value")
            }
            let method = String(text[..<dot]), key = String(text[text.index(after: dot)..<equals])
            guard !method.isEmpty, !key.isEmpty else { throw FairlabError("--param \(text): expected method.key=value") }
            guard overrides[method]?[key] == nil else { throw FairlabError("--param \(method).\(key) is given twice") }
            overrides[method, default: [:]][key] = String(text[text.index(after: equals)...])
        }
        return overrides
    }
}

extension Standardization: ExpressibleByArgument {}
