import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab inspect`: what a dataset holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a fairlab HDF5 dataset: rows, features, groups and base rates.")

    @Argument(help: "The dataset.")
    var dataset: String

    func run() throws {
        try UntrustedFile.check(dataset, as: .dataset, executable: currentExecutablePath())
        let data = try DatasetFile.read(dataset)
        let positives = data.labels.filter { $0 == 1 }.count
        print("\(dataset): \(data.rows) rows, \(data.features.cols) features")
        print("label: \(data.labelName) (favourable: \(data.favorableValue)), base rate \(format(Double(positives) / Double(data.rows)))")
        if let split = data.split {
            print("fixed split: \(split.filter { $0 == 0 }.count) train, \(split.filter { $0 == 1 }.count) validation, \(split.filter { $0 == 2 }.count) test")
        }
        for (key, value) in data.provenance.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        for attribute in data.protected {
            print("protected attribute \(attribute.name):")
            for (code, category) in attribute.categories.enumerated() {
                let rows = data.labels.indices.filter { attribute.codes[$0] == Int32(code) }
                let rate = rows.isEmpty ? "—" : format(Double(rows.filter { data.labels[$0] == 1 }.count) / Double(rows.count))
                let privileged = attribute.privilegedCodes.contains(Int32(code)) ? " (privileged)" : ""
                print("  \(category)\(privileged): \(rows.count) rows, base rate \(rate)")
            }
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
