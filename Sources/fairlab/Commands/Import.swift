import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab import`: a CSV file into fairlab's HDF5 dataset format.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Convert a CSV file into a fairlab HDF5 dataset.")

    @Argument(help: "The CSV file.")
    var csv: String

    @Option(help: "The label column (none for --task clustering).")
    var label: String?

    @Option(help: "What the label is: binary (with --favorable), regression (a number to predict), or clustering (no label; with --clusters).")
    var task: TaskKind = .binary

    @Option(help: "For --task clustering: the number of clusters k that runs on the dataset ask for (at least 2).")
    var clusters: Int?

    @Option(help: "The favourable label value(s), comma-separated, or a numeric threshold such as '>=70' or '<3' (binary task only).")
    var favorable: String?

    @Option(help: "A protected attribute: COLUMN=PRIVILEGED[,PRIVILEGED...] or COLUMN>NUMBER / COLUMN>=NUMBER (repeatable).")
    var protected: [String] = []

    @Option(help: "Treat this column as categorical even if it is numeric (repeatable).")
    var categorical: [String] = []

    @Option(help: "Require this column to be numeric: a value that is not a number is an error (repeatable).")
    var numeric: [String] = []

    @Option(help: "Leave this column out (repeatable).")
    var drop: [String] = []

    @Option(help: "Use only these columns as features, besides the protected ones (repeatable).")
    var keep: [String] = []

    @Option(help: "The marker of a missing value (repeatable; empty fields are missing too). 'none': nothing is missing, so a marker such as '?' is kept as a category.")
    var missing: [String] = ["?"]

    @Option(name: .customLong("where"), help: "Keep only rows meeting COLUMN>=N, COLUMN<=N, COLUMN>N, COLUMN<N, COLUMN==TEXT or COLUMN!=TEXT (repeatable; all must hold).")
    var filters: [String] = []

    @Option(help: "A column holding train, validation or test per row: it fixes the split and is not a feature.")
    var splitColumn: String?

    @Option(help: "Keep this feature column even though it equals the label or its complement (repeatable).")
    var allowLeak: [String] = []

    @Flag(help: "The file has no header line: every line is data; name the columns with --columns or --names-file.")
    var noHeader = false

    @Option(help: "With --no-header: the column names, comma-separated.")
    var columns: String?

    @Option(help: "With --no-header: a file of column names, one per line (text after ':' is ignored, as in UCI .names files; lines starting with '|' are comments).")
    var namesFile: String?

    @Option(name: .shortAndLong, help: "The HDF5 file to write.")
    var output: String

    func validate() throws {
        switch task {
        case .clustering:
            guard label == nil, favorable == nil else {
                throw ValidationError("a clustering dataset has no label: leave out --label and --favorable")
            }
            guard let clusters, clusters >= 2 else { throw ValidationError("--task clustering needs --clusters K, with K at least 2") }
        case _ where clusters != nil:
            throw ValidationError("--clusters is for --task clustering")
        case _ where label == nil:
            throw ValidationError("--label is required (the column to predict), unless --task clustering")
        case .binary where favorable == nil:
            throw ValidationError("a binary label needs --favorable (the value or values that are favourable), or give --task regression")
        case .regression where favorable != nil:
            throw ValidationError("--favorable is for a binary label; a regression label is read as a number")
        default: break
        }
        if noHeader {
            guard (columns == nil) != (namesFile == nil) else {
                throw ValidationError("--no-header needs the column names: --columns a,b,... or --names-file FILE (one of them)")
            }
        } else if columns != nil || namesFile != nil {
            throw ValidationError("--columns and --names-file go with --no-header (the file's first line is its header otherwise)")
        }
        if missing.contains("none"), missing.count > 1 {
            throw ValidationError("--missing none cannot be combined with other --missing markers")
        }
    }

    func run() throws {
        try OutputFile.checkWritable(output)
        try OutputFile.checkDistinct(output, from: [("the CSV file read", csv), ("the names file", namesFile)])
        // An import may replace a dataset (re-importing is how one is remade), and only what reads as one: a results
        // file, or anything the check could not read (damaged, or the check itself interrupted), is kept.
        if OutputFile.isHDF5(output) {
            do {
                try UntrustedFile.check(output, as: .dataset, executable: currentExecutablePath())
            } catch {
                let reason = "\(error)".replacingOccurrences(of: output + ": ", with: "")
                throw FairlabError(file: output, "exists and is not a dataset an import may replace (\(reason)): remove it, or write elsewhere")
            }
        }
        var options = DatasetImporter.Options(
            labelColumn: label, favorable: try favorable.map(FavorableLabel.init(parsing:)),
            protected: try protected.map(ProtectedColumnRule.init(parsing:)))
        options.categorical = categorical
        options.numeric = numeric
        options.drop = drop
        options.keep = keep
        options.missingMarkers = missing == ["none"] ? [] : missing
        options.filters = try filters.map(RowFilter.init(parsing:))
        options.splitColumn = splitColumn
        options.allowedLeaks = allowLeak
        options.clusterCount = clusters ?? 0
        var (dataset, report) = try DatasetImporter(options: options).importCSV(at: csv, columns: try columnNames())
        for warning in report.warnings {
            FileHandle.standardError.write(Data("fairlab: warning: \(csv): \(warning)\n".utf8))
        }
        dataset.provenance = [
            "source_file": URL(fileURLWithPath: csv).lastPathComponent,
            "source_sha256": try SHA256.hexDigest(ofFile: csv),
            "import_command": (["fairlab"] + CommandLine.arguments.dropFirst()).map(Self.shellQuote).joined(separator: " "),
            "created_by": "fairlab \(fairlabVersion)",
        ]
        try DatasetFile.write(dataset, to: output)
        var read = "read \(report.rowsRead)"
        if report.rowsFilteredOut > 0 { read += ", \(report.rowsFilteredOut) left out by --where" }
        read += ", dropped \(report.rowsDroppedForMissingValues) with missing values"
        print("\(output): \(dataset.rows) rows, \(dataset.features.cols) features (\(read))")
    }

    /// The column names of a header-less file, from --columns or --names-file; nil when the file has a header.
    private func columnNames() throws -> [String]? {
        guard noHeader else { return nil }
        if let columns { return columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let path = namesFile!
        try CSVTable.checkRegularFile(path)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FairlabError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the names file" : "no such file")
        }
        let names = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let name = line.split(separator: ":", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return name.isEmpty || name.hasPrefix("|") ? nil : name
        }
        guard !names.isEmpty else { throw FairlabError(file: path, "the names file lists no column") }
        return names
    }

    static func shellQuote(_ argument: String) -> String {
        argument.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=,:".contains($0) }) ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
