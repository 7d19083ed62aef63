import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab inspect`: what a dataset holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a fairlab HDF5 dataset: rows, features, groups and base rates.")

    @Argument(help: "The dataset.")
    var dataset: String

    func run() throws {
        try UntrustedFile.check(dataset, as: .dataset, executable: currentExecutablePath(), progress: reportProgress)
        let reading = ThrottledProgress(reportProgress)
        let data = try DatasetFile.read(dataset) { reading.reportRows($0, of: $1, reading: dataset) }
        let positives = data.labels.filter { $0 == 1 }.count
        print("\(dataset): \(data.rows) rows, \(data.features.cols) features")
        print("label: \(data.labelName) (favourable: \(data.favorableValue)), base rate \(format(Double(positives) / Double(data.rows)))")
        if let split = data.split {
            print("fixed split: \(split.filter { $0 == 0 }.count) train, \(split.filter { $0 == 1 }.count) validation, \(split.filter { $0 == 2 }.count) test")
        }
        for (key, value) in data.provenance.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        for attribute in data.protected {
            print("protected attribute \(attribute.name):")
            // One pass: rows and favourable labels per category.
            var rows = [Int](repeating: 0, count: attribute.categories.count)
            var favorable = rows
            for (code, label) in zip(attribute.codes, data.labels) {
                rows[Int(code)] += 1
                if label == 1 { favorable[Int(code)] += 1 }
            }
            for (code, category) in attribute.categories.enumerated() {
                let rate = rows[code] == 0 ? "—" : format(Double(favorable[code]) / Double(rows[code]))
                let privileged = attribute.privilegedCodes.contains(Int32(code)) ? " (privileged)" : ""
                print("  \(category)\(privileged): \(rows[code]) rows, base rate \(rate)")
            }
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
