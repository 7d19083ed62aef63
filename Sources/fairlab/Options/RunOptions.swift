import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// The options of a run that `compare` and `stress` share: which seeds, methods, groups and plugins, how
/// features are standardised, where the run is appended, and how its workers run.
struct RunOptions: ParsableArguments {
    @Option(help: "Number of seeds (splits); with more than one the table shows mean ± std (a stress run's, means with intervals over seeds).")
    var seeds: Int = 1

    @Option(help: "The first seed; seeds run from here upwards.")
    var seed: UInt64 = 0

    @Option(help: "Comma-separated method ids to run (default: every method found).")
    var methods: String?

    @Option(help: "Comma-separated method ids to leave out of every method found (not with --methods).")
    var skip: String?

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

    @Option(help: "For a clustering dataset: the number of clusters k (default: the one the dataset was imported with).")
    var clusters: Int?

    @Option(name: .customLong("n-init"), help: "For a clustering dataset: the k-means++ starts of every k-means fit, the lowest inertia kept (scikit-learn's n_init; default 10).")
    var nInit: Int?

    @Option(help: "Worker processes to run at once (besides, while the plugins are described, the one reading the dataset).")
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
    var format: TableFormat = .md

    /// The most seeds one run may have.
    static let maximumSeeds = 10_000
    /// The most bootstrap resamples one run may draw.
    static let maximumBootstrapResamples = 100_000

    /// The comparison these options describe on `dataset`, with `bootstrap` resamples. Its checks throw
    /// `FairlabError`, not `ValidationError`, so that a bad value is one line on stderr, not a usage page.
    func comparisonOptions(dataset: String, bootstrap: Int) throws -> Comparison.Options {
        guard (1...Self.maximumSeeds).contains(seeds) else { throw FairlabError("--seeds must be between 1 and \(Self.maximumSeeds)") }
        guard seed <= UInt64.max - UInt64(seeds - 1) else { throw FairlabError("--seed \(seed) leaves no room for \(seeds) seeds") }
        guard jobs >= 1 else { throw FairlabError("--jobs must be at least 1") }
        guard timeout > 0 else { throw FairlabError("--timeout must be positive") }
        guard (0...Self.maximumBootstrapResamples).contains(bootstrap) else {
            throw FairlabError("--bootstrap must be between 0 (no intervals) and \(Self.maximumBootstrapResamples)")
        }
        var options = Comparison.Options(datasetPath: dataset, executablePath: currentExecutablePath())
        options.seeds = (0..<UInt64(seeds)).map { seed + $0 }
        options.methodIDs = methods.map(Self.list)
        guard methods == nil || skip == nil else { throw FairlabError("give --methods or --skip, not both") }
        // An empty list is a slip (a shell variable left unset), not a request for the baseline alone
        // (`--methods baseline` asks for that).
        for (option, value) in [("--methods", methods), ("--skip", skip)] {
            if let value, Self.list(value).isEmpty { throw FairlabError("\(option) names no method: '\(value)'") }
        }
        options.skippedMethodIDs = skip.map(Self.list) ?? []
        options.protectedAttributes = protected.map(Self.list) ?? []
        options.pluginFolders = pluginFolders
        options.allowWorldWritablePlugins = allowWorldWritablePlugins
        options.verbose = verbose
        options.parameterOverrides = try Self.parseParameters(parameters)
        options.standardization = standardize
        if let clusters, clusters < 2 { throw FairlabError("--clusters must be at least 2") }
        options.clusters = clusters
        options.kMeansStarts = nInit
        options.bootstrapResamples = bootstrap
        options.jobs = jobs
        options.timeout = timeout
        options.memoryLimitMB = memoryLimit
        options.writesResults = out != nil
        options.command = CommandLine.arguments.joined(separator: " ")
        return options
    }

    /// Refuses a results file (`--out`) or report file that could not take the run, before the run's time is spent.
    /// Neither is the dataset, nor (a report) the stress run's `replay` file, nor an HDF5 file at all.
    func checkOutputs(dataset: String, replay: String? = nil, report: String?, executable: String) throws {
        if let out {
            try ResultsFile.checkWritable(out)
            try OutputFile.checkDistinct(out, from: [("the dataset", dataset)])
            if FileManager.default.fileExists(atPath: out) {
                try UntrustedFile.check(out, as: .resultsIndex, executable: executable)
            }
        }
        if let report {
            try OutputFile.checkWritable(report)
            try OutputFile.checkDistinct(report, from: [("the dataset", dataset), ("the --out results file", out), ("the --replay results file", replay)])
            try OutputFile.checkNotHDF5(report, writing: "a report")
        }
    }

    /// Appends `run` to `--out`, when given.
    func save(_ run: RunRecord) throws {
        guard let out else { return }
        try ResultsFile.append(run, to: out)
        reportProgress("appended run \(run.id) to \(out)")
    }

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
extension TableFormat: ExpressibleByArgument {}
extension TaskKind: ExpressibleByArgument {}
