import ArgumentParser
import FairlabCore
import Foundation

/// `fairlab import`: a CSV file into fairlab's HDF5 dataset format.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert a CSV file into a fairlab HDF5 dataset.")

    @Argument(help: "The CSV file.")
    var csv: String

    @Option(help: "The label column.")
    var label: String

    @Option(help: "The favourable label value(s), comma-separated.")
    var favorable: String

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

    @Option(help: "The marker of a missing value (repeatable; empty fields are always missing).")
    var missing: [String] = ["?"]

    @Option(name: .shortAndLong, help: "The HDF5 file to write.")
    var output: String

    func run() throws {
        var options = DatasetImporter.Options(
            labelColumn: label, favorableValues: favorable.split(separator: ",").map(String.init),
            protected: try protected.map(ProtectedColumnRule.init(parsing:)))
        options.categorical = categorical
        options.numeric = numeric
        options.drop = drop
        options.keep = keep
        options.missingMarkers = missing
        var (dataset, report) = try DatasetImporter(options: options).importCSV(at: csv)
        dataset.provenance = [
            "source_file": URL(fileURLWithPath: csv).lastPathComponent,
            "source_sha256": try SHA256.hexDigest(ofFile: csv),
            "import_command": (["fairlab"] + CommandLine.arguments.dropFirst()).map(Self.shellQuote).joined(separator: " "),
            "created_by": "fairlab \(fairlabVersion)",
        ]
        try DatasetFile.write(dataset, to: output)
        print("\(output): \(dataset.rows) rows, \(dataset.features.cols) features (read \(report.rowsRead), dropped \(report.rowsDroppedForMissingValues) with missing values)")
    }

    static func shellQuote(_ argument: String) -> String {
        argument.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=,:".contains($0) }) ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
