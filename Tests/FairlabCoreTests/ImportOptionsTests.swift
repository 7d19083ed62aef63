@testable import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// The importer's options beyond the basics: filters, thresholds, header-less files, missing markers, split
/// columns, and the checks that keep leaks and wrong names out.
@Suite struct ImportOptionsTests {
    let csv = """
    id,score,sex,city,outcome,outcome.copy,part
    a1,71,Male,Oslo,pass,yes,train
    a2,55,Female,?,fail,no,train
    a3,90,Female,Bergen,pass,yes,test
    a4,40,Male,Oslo,fail,no,validation
    a5,68,Female,Oslo,fail,no,test
    a6,85,Male,?,pass,yes,train
    """

    func table(_ text: String? = nil) throws -> CSVTable { try CSVTable(data: Data((text ?? csv).utf8), name: "t.csv") }

    func options(_ favorable: String = "pass", _ configure: (inout DatasetImporter.Options) throws -> Void = { _ in }) throws -> DatasetImporter.Options {
        var options = DatasetImporter.Options(
            labelColumn: "outcome", favorable: try FavorableLabel(parsing: favorable), protected: [try ProtectedColumnRule(parsing: "sex=Male")])
        options.drop = ["id", "outcome.copy"]
        try configure(&options)
        return options
    }

    func importing(_ options: DatasetImporter.Options, _ text: String? = nil) throws -> (Dataset, DatasetImporter.Report) {
        try DatasetImporter(options: options).importTable(try table(text), name: "t.csv")
    }

    /// A column equal to the label (a repeated header, a recoding) is refused, naming it; --allow-leak keeps it.
    @Test func refusesAColumnThatCopiesTheLabel() throws {
        // Four copies of the table's rows: 16 complete rows are too few to call a match a leak, 20 are enough.
        let rows = csv.split(separator: "\n").dropFirst().joined(separator: "\n")
        let small = try options { $0.drop = ["id", "part"] }
        #expect(try importing(small, ([csv] + Array(repeating: rows, count: 3)).joined(separator: "\n")).0.rows == 16)
        let text = ([csv] + Array(repeating: rows, count: 4)).joined(separator: "\n")
        #expect(throws: FairlabError("t.csv: column outcome.copy equals the label outcome (or its complement) on every row: as a feature it leaks the answer. Leave it out with --drop outcome.copy, or keep it with --allow-leak outcome.copy")) {
            try importing(small, text)
        }
        let allowed = try options { $0.drop = ["id", "part"]; $0.allowedLeaks = ["outcome.copy"] }
        #expect(try importing(allowed, text).0.featureNames.contains("outcome.copy=yes"))
        #expect(DatasetImporter.copiesLabel([1, 0, 1], ["n", "y", "n"]))  // the complement
        #expect(!DatasetImporter.copiesLabel([1, 0, 1, 0], ["a", "b", "c", "b"]))
    }

    /// A one-hot column unique on most rows (names, dates, ids) is imported with a warning naming it.
    @Test func warnsAboutIdentifierColumns() throws {
        let (dataset, report) = try importing(try options { $0.drop = ["outcome.copy", "part"]; $0.missingMarkers = [] })
        #expect(dataset.featureNames.filter { $0.hasPrefix("id=") }.count == 6)
        #expect(report.warnings == ["column id has 6 distinct values on 6 rows (a name, date or identifier?): it becomes 6 one-hot features; --drop id unless you mean it"])
    }

    @Test func numericLabelThresholds() throws {
        let (dataset, _) = try importing(try options(">=70") { $0.labelColumn = "score"; $0.drop = ["id", "outcome", "outcome.copy", "part"]; $0.missingMarkers = [] })
        #expect(dataset.labels == [1, 0, 1, 0, 0, 1])
        #expect(dataset.favorableValue == ">=70")
        #expect(try FavorableLabel(parsing: ">50K") == .values([">50K"]))  // Adult's label is a value, not a threshold
        #expect(try FavorableLabel(parsing: "<3") == .condition(.numeric(.less, 3)))
        #expect(throws: FairlabError("t.csv: line 2, column outcome: 'pass' is not a number, so --favorable >=70 cannot apply")) {
            try importing(try options(">=70"))
        }
    }

    /// --missing none keeps `?` as a category; the default drops those rows.
    @Test func missingMarkersCanBeKeptAsCategories() throws {
        let (dropped, droppedReport) = try importing(try options())
        #expect(dropped.rows == 4 && droppedReport.rowsDroppedForMissingValues == 2)
        let (kept, keptReport) = try importing(try options { $0.missingMarkers = [] })
        #expect(kept.rows == 6 && keptReport.rowsDroppedForMissingValues == 0)
        #expect(kept.featureNames.contains("city=?"))
    }

    /// When every row has a missing value the error names the columns responsible.
    @Test func everyRowMissingNamesTheColumns() throws {
        let text = "x,g,y,notes\n1,a,1,?\n2,b,0,?\n3,a,0,\n"
        let options = DatasetImporter.Options(labelColumn: "y", favorableValues: ["1"], protected: [try ProtectedColumnRule(parsing: "g=a")])
        #expect(throws: FairlabError("t.csv: every row has a missing value ('', '?'); missing most in: notes (100% of rows). --drop those columns, or keep the marker as a category with --missing none")) {
            try importing(options, text)
        }
    }

    @Test func rowFiltersRunFirst() throws {
        var filtered = try options { $0.filters = [try RowFilter(parsing: "score>=60"), try RowFilter(parsing: "city!=Bergen")] }
        let (dataset, report) = try importing(filtered)
        // Rows a1, a5, a6 (score >= 60, not Bergen), then a6 dropped for its missing city.
        #expect(report.rowsFilteredOut == 3 && report.rowsDroppedForMissingValues == 1 && dataset.rows == 2)
        #expect(try RowFilter(parsing: "days<=-30").condition == .numeric(.lessOrEqual, -30))
        #expect(try RowFilter(parsing: "degree!=O").condition == .notEquals("O"))
        #expect(ValueCondition.numeric(.greaterOrEqual, 1).holds(for: "") == false)  // missing fails, as NaN does
        #expect(throws: FairlabError.self) { try RowFilter(parsing: "score") }
        filtered.filters = [try RowFilter(parsing: "score>100")]
        #expect(throws: FairlabError("t.csv: no row passes --where score>100")) { try importing(filtered) }
    }

    @Test func splitColumnFixesTheSplit() throws {
        let (dataset, _) = try importing(try options { $0.splitColumn = "part"; $0.missingMarkers = [] })
        #expect(dataset.split == [0, 0, 2, 1, 2, 0])
        #expect(!dataset.featureNames.contains { $0.hasPrefix("part") })
        let bad = csv.replacingOccurrences(of: "a4,40,Male,Oslo,fail,no,validation", with: "a4,40,Male,Oslo,fail,no,holdout")
        #expect(throws: FairlabError("t.csv: line 5, column part: 'holdout' is not one of train, validation, test")) {
            try importing(try options { $0.splitColumn = "part"; $0.missingMarkers = [] }, bad)
        }
    }

    /// A header-less file gets its names from --columns; named columns are checked against the header before
    /// any row is read (here a ragged last row would otherwise be the first error).
    @Test func headerlessFilesAndEarlyColumnChecks() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/census.data"
        try "39, Male, 77516, - 50000.\n50, Female, 83311, 50000+.\n38, Male, 215646, - 50000.\n".write(toFile: path, atomically: true, encoding: .utf8)
        let options = DatasetImporter.Options(labelColumn: "income", favorableValues: ["50000+."], protected: [try ProtectedColumnRule(parsing: "sex=Male")])
        #expect(throws: FairlabError("\(path): --label names column 'income', which the file does not have (columns: 39, Male, 77516, - 50000.); if the file has no header line, give the names with --no-header --columns or --names-file")) {
            try DatasetImporter(options: options).importCSV(at: path)
        }
        let (dataset, _) = try DatasetImporter(options: options).importCSV(at: path, columns: ["age", "sex", "weight", "income"])
        #expect(dataset.rows == 3 && dataset.labels == [0, 1, 0])

        let ragged = folder + "/ragged.csv"
        try "a,g,y\n1,x,1\n2,y,0\n3,x\n".write(toFile: ragged, atomically: true, encoding: .utf8)
        var wrong = options
        wrong.labelColumn = "y"
        wrong.protected = [try ProtectedColumnRule(parsing: "g=x")]
        wrong.keep = ["b"]
        #expect(throws: FairlabError("\(ragged): --keep names column 'b', which the file does not have (columns: a, g, y); if the file has no header line, give the names with --no-header --columns or --names-file")) {
            try DatasetImporter(options: wrong).importCSV(at: ragged)
        }
        #expect(try CSVTable.header(ofFile: ragged) == ["a", "g", "y"])
    }
}
