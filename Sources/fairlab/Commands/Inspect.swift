import ArgumentParser
import FairlabCore
import FairlabHost

/// `fairlab inspect`: what a dataset holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a fairlab HDF5 dataset: rows, features, groups and base rates.")

    @Argument(help: "The dataset.")
    var dataset: String

    func run() throws {
        try UntrustedFile.check(dataset, as: .dataset, executable: currentExecutablePath(), progress: reportProgress)
        let reading = ThrottledProgress(reportProgress)
        let data = try DatasetFile.read(dataset) { reading.reportRows($0, of: $1, reading: dataset) }
        print("\(dataset): \(data.rows) rows, \(data.features.cols) features")
        // A binary label is summarised by its favourable rate, a regression label by its mean (and spread); a
        // clustering dataset has none, so a group by its share of the rows.
        func summary(_ labels: [Double]) -> String {
            guard !labels.isEmpty else { return "—" }
            switch data.task {
            case .binary:
                return "base rate " + format(Double(labels.filter { $0 == 1 }.count) / Double(labels.count))
            case .regression:
                let mean = labels.reduce(0, +) / Double(labels.count)
                let variance = labels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(labels.count)
                return "mean \(format(mean)), std \(format(variance.squareRoot()))"
            case .clustering:
                return "share of rows " + format(Double(labels.count) / Double(data.rows))
            }
        }
        switch data.task {
        case .binary: print("label: \(data.labelName) (favourable: \(data.favorableValue)), \(summary(data.labels))")
        case .regression: print("label: \(data.labelName) (regression), \(summary(data.labels))")
        case .clustering: print("no label: clustering into \(data.clusterCount) clusters")
        }
        if let split = data.split {
            print("fixed split: \(split.filter { $0 == 0 }.count) train, \(split.filter { $0 == 1 }.count) validation, \(split.filter { $0 == 2 }.count) test")
        }
        for (key, value) in data.provenance.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        for attribute in data.protected {
            print("protected attribute \(attribute.name):")
            var labels = [[Double]](repeating: [], count: attribute.categories.count)
            for (code, label) in zip(attribute.codes, data.labels) { labels[Int(code)].append(label) }
            for (code, category) in attribute.categories.enumerated() {
                let privileged = attribute.privilegedCodes.contains(Int32(code)) ? " (privileged)" : ""
                print("  \(category)\(privileged): \(labels[code].count) rows, \(summary(labels[code]))")
            }
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
