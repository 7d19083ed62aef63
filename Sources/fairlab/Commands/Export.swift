import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab export`: comparison tables from a results file.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the comparison table of a run stored in a results file.")

    @Argument(help: "The HDF5 results file.")
    var results: String

    @Option(help: "Format: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = TableFormat.md.rawValue

    @Option(name: .customLong("run"), help: "The run id (default: the latest run).")
    var runID: String?

    @Flag(help: "List the runs in the file instead.")
    var list = false

    func run() throws {
        try UntrustedFile.check(results, as: .results, executable: currentExecutablePath())
        let ids = try ResultsFile.runIDs(in: results)
        if list {
            ids.forEach { print($0) }
            return
        }
        guard let tableFormat = TableFormat(rawValue: format) else {
            throw FairlabError("unknown --format \(format) (use \(TableFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let id = runID ?? ids.last else { throw FairlabError(file: results, "the file holds no complete run") }
        print(try tableFormat.render(ComparisonSummary(try ResultsFile.read(runID: id, from: results))), terminator: "")
    }
}
