import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

@Suite struct CSVTableTests {
    func parse(_ text: String) throws -> CSVTable { try CSVTable(data: Data(text.utf8), name: "test.csv") }

    @Test func handlesQuotesCRLFBOMAndBlankLines() throws {
        let table = try parse("\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n 4 ,\"multi\nline\",6\n")
        #expect(table.header == ["a", "b", "c"])
        #expect(table.rows == [["1", "x, \"y\"", "3"], ["4", "multi\nline", "6"]])
        #expect(table.lineNumbers == [2, 4])
    }

    @Test func renamesRepeatedHeaders() throws {
        #expect(try parse("a,b,a\n1,2,3\n").header == ["a", "b", "a.1"])
    }

    @Test func raggedRowsAreErrorsNamingTheLine() {
        #expect(throws: FairlabError("test.csv: line 3: 2 fields, the header has 3")) { try parse("a,b,c\n1,2,3\n4,5\n") }
        #expect(throws: FairlabError.self) { try parse("a,b\n\"open,2\n") }
    }
}

@Suite struct DatasetImporterTests {
    let csv = """
    age,sex,job,income
    30,Male,clerk,>50K
    45,Female,?,<=50K
    22,Female,manager,>50K
    51,Male,clerk,<=50K
    38,Female,clerk,<=50K
    """

    func importer(_ protected: [String] = ["sex=Male"]) throws -> DatasetImporter {
        DatasetImporter(options: .init(
            labelColumn: "income", favorableValues: [">50K"], protected: try protected.map(ProtectedColumnRule.init(parsing:))))
    }

    @Test func encodesFeaturesLabelsAndGroups() throws {
        let table = try CSVTable(data: Data(csv.utf8), name: "t.csv")
        let (dataset, report) = try importer().importTable(table, name: "t.csv")
        #expect(report.rowsDroppedForMissingValues == 1)
        #expect(dataset.rows == 4)
        #expect(dataset.featureNames == ["age", "sex", "job=clerk", "job=manager"])
        #expect(dataset.labels == [1, 1, 0, 0])
        #expect(dataset.features.column(1) == [1, 0, 1, 0])  // sex: 1 = privileged (Male)
        #expect(dataset.features.column(3) == [0, 1, 0, 0])
        #expect(dataset.protected[0].categories == ["Female", "Male"])
        #expect(dataset.protected[0].privilegedCodes == [1])
    }

    @Test func numericThresholdsMakeTwoGroups() throws {
        let table = try CSVTable(data: Data(csv.utf8), name: "t.csv")
        let (dataset, _) = try importer(["age>35"]).importTable(table, name: "t.csv")
        #expect(dataset.protected[0].categories == ["age<=35", "age>35"])
        #expect(dataset.protected[0].codes == [0, 0, 1, 1])
    }

    @Test func clearErrorsForBadOptions() throws {
        let table = try CSVTable(data: Data(csv.utf8), name: "t.csv")
        #expect(throws: FairlabError.self) { try importer(["gender=Male"]).importTable(table, name: "t.csv") }
        #expect(throws: FairlabError.self) { try importer(["sex=Other"]).importTable(table, name: "t.csv") }
        let oneClass = try DatasetImporter(options: .init(labelColumn: "income", favorableValues: [">50K", "<=50K"],
            protected: [ProtectedColumnRule(parsing: "sex=Male")]))
        #expect(throws: FairlabError("t.csv: every row has the favourable label: the label has one class")) {
            try oneClass.importTable(table, name: "t.csv")
        }
    }

    @Test func numericColumnsNameTheFirstBadValue() throws {
        let table = try CSVTable(data: Data((csv + "\nabc,Male,clerk,>50K").utf8), name: "t.csv")
        var options = try importer().options
        // Without --numeric, a column with text becomes categorical (the documented rule).
        let (dataset, _) = try DatasetImporter(options: options).importTable(table, name: "t.csv")
        #expect(dataset.featureNames.contains("age=abc"))
        options.numeric = ["age"]
        #expect(throws: FairlabError("t.csv: line 7, column age: 'abc' is not a number")) {
            try DatasetImporter(options: options).importTable(table, name: "t.csv")
        }
    }

    @Test func roundTripsThroughHDF5() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = try CSVTable(data: Data(csv.utf8), name: "t.csv")
        var (dataset, _) = try importer(["sex=Male", "age>35"]).importTable(table, name: "t.csv")
        dataset.split = [0, 1, 2, 2]
        dataset.provenance = ["source_sha256": "abc"]
        try DatasetFile.write(dataset, to: folder + "/t.h5")
        let read = try DatasetFile.read(folder + "/t.h5")
        #expect(read.features == dataset.features)
        #expect(read.featureNames == dataset.featureNames)
        #expect(read.labels == dataset.labels)
        #expect(read.protected == dataset.protected)
        #expect(read.split == dataset.split)
        #expect(read.provenance["source_sha256"] == "abc")
    }
}

@Suite struct DatasetFileErrorTests {
    @Test func namesTheFileAndTheProblem() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: FairlabError("\(folder)/none.h5: no such file")) { try DatasetFile.read(folder + "/none.h5") }
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: folder + "/text.h5"))
        #expect(throws: FairlabError("\(folder)/text.h5: not an HDF5 file")) { try DatasetFile.read(folder + "/text.h5") }

        let base = Dataset(
            features: Matrix(rows: 3, cols: 1, repeating: 1), featureNames: ["x"], labels: [1, 1, 1], labelName: "y",
            favorableValue: "1", protected: [ProtectedAttribute(name: "g", codes: [0, 1, 1], categories: ["a", "b"], privilegedCodes: [1])])
        try DatasetFile.write(base, to: folder + "/one-class.h5")
        #expect(throws: FairlabError("\(folder)/one-class.h5: /label has only one class (1)")) { try DatasetFile.read(folder + "/one-class.h5") }

        var oneGroup = base
        oneGroup.labels = [1, 0, 1]
        oneGroup.protected = [ProtectedAttribute(name: "g", codes: [1, 1, 1], categories: ["a", "b"], privilegedCodes: [1])]
        try DatasetFile.write(oneGroup, to: folder + "/one-group.h5")
        #expect(throws: FairlabError("\(folder)/one-group.h5: protected attribute g has only one group (b)")) {
            try DatasetFile.read(folder + "/one-group.h5")
        }

        do {
            let file = try HDF5File(path: folder + "/no-label.h5", mode: .create)
            try file.writeDoubles("/features", [1, 2], shape: [2, 1])
            try file.writeStrings("/feature_names", ["x"])
        }
        #expect(throws: FairlabError("\(folder)/no-label.h5: missing dataset /label")) { try DatasetFile.read(folder + "/no-label.h5") }
    }
}

/// Format version 2 (columnar): what `fairlab import` writes reads back as the same dataset a version-1 file held.
@Suite struct ColumnarFormatTests {
    /// Source columns of each shipped dataset, counted from its CSV import (the protected attributes' own
    /// columns included): Adult 13, German 20, COMPAS 10.
    @Test(arguments: [("adult", 13), ("german", 20), ("compas", 10)])
    func shippedDatasetsRoundTripThroughColumns(_ name: String, _ sourceColumns: Int) throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = try DatasetFile.read(TestEnvironment.dataset(name))
        try DatasetFile.write(original, to: folder + "/v2.h5")
        let file = try HDF5File(path: folder + "/v2.h5", mode: .readOnly)
        #expect(try file.integersAttribute("fairlab_format_version") == [2])
        #expect(!file.exists("/features") && file.exists("/columns"))
        let columns = SourceColumn.columns(of: original.features, names: original.featureNames)
        #expect(columns.reduce(0) { $0 + $1.featureCount } == original.features.cols)
        // Every one-hot block became codes.
        #expect(columns.count == sourceColumns)
        let back = try DatasetFile.read(folder + "/v2.h5")
        #expect(back.featureNames == original.featureNames)
        #expect(back.features.storage.map(\.bitPattern) == original.features.storage.map(\.bitPattern))
        #expect(back.labels == original.labels && back.split == original.split)
        #expect(back.protected.map(\.codes) == original.protected.map(\.codes))
    }

    @Test func featuresThatAreNotOneHotStayNumeric() {
        // "a=x"/"a=y" have a row with two 1s, "b=1" a 0.5: neither is a one-hot block; "c=p"/"c=q" is.
        let features = Matrix(rows: 3, cols: 6, rowMajor: [
            1, 1, 0.5, 1, 0, 2,
            0, 1, 0, 0, 1, 3,
            1, 0, 1, 1, 0, 4,
        ])
        let names = ["a=x", "a=y", "b=1", "c=p", "c=q", "d"]
        let columns = SourceColumn.columns(of: features, names: names)
        #expect(columns == [
            .numeric(name: "a=x", values: [1, 0, 1]), .numeric(name: "a=y", values: [1, 1, 0]), .numeric(name: "b=1", values: [0.5, 0, 1]),
            .categorical(name: "c", categories: ["p", "q"], codes: [0, 1, 0]), .numeric(name: "d", values: [2, 3, 4]),
        ])
        #expect(columns.flatMap(\.featureNames) == names)
    }

    @Test func damagedColumnsAreNamed() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func write(_ name: String, codes: [Int32], kind: String = "categorical") throws -> String {
            let path = "\(folder)/\(name).h5"
            let file = try HDF5File(path: path, mode: .create)
            try file.setAttribute("fairlab_format", DatasetFile.formatName)
            try file.setAttribute("fairlab_format_version", Int64(2))
            try file.createGroup("/columns")
            try file.setAttribute("count", of: "/columns", Int64(1))
            try file.writeIntegers("/columns/0", codes)
            try file.setAttribute("name", of: "/columns/0", "colour")
            try file.setAttribute("kind", of: "/columns/0", kind)
            try file.setAttribute("categories", of: "/columns/0", ["blue", "red"])
            try file.writeIntegers("/label", [Int8(0), 1, 1])
            try file.createGroup("/protected")
            try file.writeIntegers("/protected/g", [Int32(0), 1, 0])
            try file.setAttribute("categories", of: "/protected/g", ["a", "b"])
            try file.setAttribute("privileged", of: "/protected/g", [Int64(1)])
            return path
        }
        let good = try DatasetFile.read(try write("good", codes: [0, 1, 1]))
        #expect(good.featureNames == ["colour=blue", "colour=red"] && good.features.storage == [1, 0, 0, 0, 1, 1])
        let outside = try write("outside", codes: [0, 2, 1])
        #expect(throws: FairlabError("\(outside): /columns/0 has code 2 at row 1, outside its 2 categories")) { try DatasetFile.read(outside) }
        let short = try write("short", codes: [0, 1])
        #expect(throws: FairlabError("\(short): /columns/0 has 2 values for 3 rows")) { try DatasetFile.read(short) }
        let strange = try write("strange", codes: [0, 1, 1], kind: "ordinal")
        #expect(throws: FairlabError("\(strange): /columns/0 has an unknown kind 'ordinal'")) { try DatasetFile.read(strange) }
    }
}

