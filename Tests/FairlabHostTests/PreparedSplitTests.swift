import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The prepare step's file: what a method job maps is the dataset's split, standardised as the run says.
@Suite struct PreparedSplitTests {
    @Test(arguments: [Standardization.numeric, .all, .none])
    func mappedSplitHoldsTheStandardisedRows(_ standardization: Standardization) throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = TestEnvironment.dataset("german")
        let prepared = try RunPreparation.run(
            PrepareJob(datasetPath: path, protectedAttributes: [], seeds: [3, 4], standardization: standardization, folder: folder),
            progress: { _ in })
        let dataset = try DatasetFile.read(path)
        let partition = try GroupPartition(dataset: dataset)
        #expect(prepared.datasetSHA256 == (try SHA256.hexDigest(ofFile: path)))
        #expect(prepared.groupNames == partition.names && prepared.splitPaths.count == 2 && prepared.splitPaths[0] != prepared.splitPaths[1])

        // Recomputed here from the definitions: the split from the seed, then each column standardised with the
        // training rows' mean and population standard deviation, or left alone, as `standardization` says.
        let split = DatasetSplit(stratifiedBy: dataset.labels, groups: partition.codes, seed: 4)
        #expect(prepared.splits[1].train == split.train && prepared.splits[1].test == split.test)
        let mapped = try PreparedSplit.read(from: prepared.splitPaths[1])
        let kinds = FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name)).kinds
        var largest = 0.0
        for j in 0..<dataset.features.cols {
            let train = split.train.map { dataset.features[$0, j] }
            let mean = train.reduce(0, +) / Double(train.count)
            let std = (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count)).squareRoot()
            let scaled = standardization == .all || (standardization == .numeric && kinds[j] == .numeric)
            for (rows, part) in [(split.train, mapped.train), (split.validation, mapped.validation), (split.test, mapped.test)] {
                for (k, row) in rows.enumerated() {
                    let expected = scaled && std > 0 ? (dataset.features[row, j] - mean) / std : dataset.features[row, j]
                    largest = max(largest, abs(part.features[k, j] - expected))
                }
            }
        }
        #expect(largest < 1e-12, "largest difference \(largest)")
        #expect(mapped.train.labels == split.train.map { dataset.labels[$0] })
        #expect(mapped.validation.groupCodes == split.validation.map { partition.codes[$0] })
        #expect(mapped.columns.names == dataset.featureNames && mapped.groupPrivileged == partition.privileged)
    }

    /// A stress run's label-flipping levels share their seed's split and read their own labels over it; dropped
    /// rows get a split of their own, standardised with the remaining training rows.
    @Test func labelFlippingLevelsShareTheSeedsSplitAndRowDropsDoNot() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = TestEnvironment.dataset("german")
        let dataset = try DatasetFile.read(path)
        for kind in [InjectionKind.labelBias, .underSample] {
            try FileManager.default.createDirectory(atPath: folder + "/\(kind.rawValue)", withIntermediateDirectories: true)
            let prepared = try RunPreparation.run(
                PrepareJob(datasetPath: path, protectedAttributes: [], seeds: [5], standardization: .numeric,
                           stress: try StressPlan(injection: Injection(kind: kind), levels: [0.3]), folder: folder + "/\(kind.rawValue)"),
                progress: { _ in })
            #expect(prepared.splitPaths.count == 2 && prepared.labelPaths.count == 2)
            let injected = prepared.injected[1]
            let clean = try PreparedSplit.read(from: prepared.splitPaths[0])
            if kind == .labelBias {
                #expect(prepared.splitPaths[0] == prepared.splitPaths[1] && prepared.labelPaths.allSatisfy { $0 != nil })
                let level = try clean.relabelled(from: prepared.labelPaths[1]!)
                let train = prepared.splits[0].train, validation = prepared.splits[0].validation
                let flipped = Set(injected.rows)
                #expect(!flipped.isEmpty)
                #expect(level.train.labels == train.map { flipped.contains($0) ? 1 - dataset.labels[$0] : dataset.labels[$0] })
                #expect(level.validation.labels == validation.map { flipped.contains($0) ? 1 - dataset.labels[$0] : dataset.labels[$0] })
                #expect(level.train.features.storage == clean.train.features.storage && level.test.labels == clean.test.labels)
                // Labels of another split's size are refused, naming the file.
                let short = folder + "/short.f64"
                try PreparedSplit.writeLabels(train: [1], validation: [0], to: short)
                #expect(throws: FairlabError(file: short, "not the labels of this split: 16 bytes for \(train.count + validation.count) training and validation rows")) {
                    _ = try clean.relabelled(from: short)
                }
            } else {
                #expect(prepared.splitPaths[0] != prepared.splitPaths[1] && prepared.labelPaths.allSatisfy { $0 == nil })
                let level = try PreparedSplit.read(from: prepared.splitPaths[1])
                #expect(level.train.labels.count == clean.train.labels.count - injected.rows.filter { Set(prepared.splits[0].train).contains($0) }.count)
            }
        }
    }

    /// Statistics come from the training rows alone, even when another part is larger (a fixed split, or a
    /// stress level that shrank the training rows): the buffer sized for the largest part must not add zeros.
    @Test func aTrainingPartSmallerThanTheTestPartIsStandardisedWithItsOwnRows() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dataset = try DatasetFile.read(TestEnvironment.dataset("german"))
        let partition = try GroupPartition(dataset: dataset)
        let split = DatasetSplit(train: Array(0..<100), validation: [], test: Array(100..<600))
        try PreparedSplit.write(dataset: dataset, partition: partition, split: split, standardization: .numeric, to: folder + "/small.bin")
        let mapped = try PreparedSplit.read(from: folder + "/small.bin")
        let numeric = FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name)).kinds.indices.filter {
            FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name)).kinds[$0] == .numeric
        }
        #expect(!numeric.isEmpty)
        for j in numeric {
            let column = (0..<100).map { mapped.train.features[$0, j] }
            let mean = column.reduce(0, +) / 100, variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100
            #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12, "\(dataset.featureNames[j]): mean \(mean), variance \(variance)")
        }
    }

    /// The split's columns are written in two halves, one per thread: with one column (a single half) and with
    /// three (halves of one and two), every value lands in its part and place, standardised with the training rows'
    /// mean and population standard deviation computed here, and the 0/1 column named after the protected attribute
    /// is left as it is.
    @Test func everyColumnLandsInItsPlaceWhateverTheColumnCount() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rows = 40
        let split = DatasetSplit(train: (0..<rows).filter { $0 % 5 < 3 }, validation: (0..<rows).filter { $0 % 5 == 3 }, test: (0..<rows).filter { $0 % 5 == 4 })
        let sex: [Int32] = (0..<rows).map { Int32($0 % 2) }
        for names in [["x"], ["x", "sex", "z"]] {
            let values: [[Double]] = names.map { name in
                (0..<rows).map { i in name == "sex" ? Double(sex[i]) : name == "x" ? Double(i * i % 17) - 3.5 : Double(i % 7) * 0.25 }
            }
            let dataset = Dataset(
                features: Matrix(rows: rows, cols: names.count, rowMajor: (0..<rows).flatMap { i in values.map { $0[i] } }), featureNames: names,
                labels: (0..<rows).map { Double($0 % 3 == 0 ? 1 : 0) }, labelName: "y", favorableValue: "1",
                protected: [ProtectedAttribute(name: "sex", codes: sex, categories: ["Female", "Male"], privilegedCodes: [1])])
            let path = folder + "/\(names.count).bin"
            try PreparedSplit.write(dataset: dataset, partition: try GroupPartition(dataset: dataset), split: split, standardization: .numeric, to: path)
            let mapped = try PreparedSplit.read(from: path)
            for (j, name) in names.enumerated() {
                let train = split.train.map { values[j][$0] }
                let mean = train.reduce(0, +) / Double(train.count)
                let deviation = (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count)).squareRoot()
                for (part, indices) in [(mapped.train, split.train), (mapped.validation, split.validation), (mapped.test, split.test)] {
                    for (position, row) in indices.enumerated() {
                        let wanted = name == "sex" ? values[j][row] : (values[j][row] - mean) / deviation
                        #expect(abs(part.features[position, j] - wanted) < 1e-12, "\(names.count) columns, \(name), row \(row)")
                    }
                }
            }
        }
    }

    /// Two prepare steps (two processes, whose dictionaries hash differently) write the same split file byte for
    /// byte (its header's keys in a fixed order); rows land in the order the split gives them; a split that puts a
    /// row in two parts is refused.
    @Test func aSplitIsWrittenAlikeEveryTimeAndItsPartsAreDisjoint() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files: [Data] = []
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: false)
            let job = PrepareJob(
                datasetPath: TestEnvironment.dataset("german"), protectedAttributes: [], seeds: [3], standardization: .numeric, stress: nil,
                folder: folder + "/" + name, clusters: nil)
            try JSONEncoder().encode(job).write(to: URL(fileURLWithPath: folder + "/\(name).json"))
            let prepared = try TestEnvironment.fairlab(["worker", "prepare", folder + "/\(name).json", folder + "/\(name).reply"])
            #expect(prepared.status == 0, "\(prepared.stderr)")
            let written = try FileManager.default.contentsOfDirectory(atPath: folder + "/" + name).filter { $0.hasSuffix(".bin") }
            try #require(written.count == 1)
            files.append(try Data(contentsOf: URL(fileURLWithPath: folder + "/\(name)/" + written[0])))
        }
        #expect(files[0].count > 100_000 && files[0] == files[1])

        let dataset = try DatasetFile.read(TestEnvironment.dataset("german"))
        let partition = try GroupPartition(dataset: dataset)
        let split = DatasetSplit(train: Array((0..<600).reversed()), validation: Array(600..<800), test: Array(800..<1000))
        try PreparedSplit.write(dataset: dataset, partition: partition, split: split, standardization: .numeric, to: folder + "/a.bin")
        // The rows land in the order the split gives them, however the columns were read: the reversed training
        // rows are the ascending ones backwards (to the last bits of the statistics, summed in another order).
        let ascending = DatasetSplit(train: Array(0..<600), validation: split.validation, test: split.test)
        try PreparedSplit.write(dataset: dataset, partition: partition, split: ascending, standardization: .numeric, to: folder + "/d.bin")
        let reversed = try PreparedSplit.read(from: folder + "/a.bin"), forward = try PreparedSplit.read(from: folder + "/d.bin")
        let largest = (0..<600).flatMap { k in (0..<dataset.features.cols).map { j in abs(reversed.train.features[k, j] - forward.train.features[599 - k, j]) } }.max()!
        #expect(largest < 1e-12 && reversed.train.labels == forward.train.labels.reversed())
        let overlapping = DatasetSplit(train: Array(0..<600), validation: [599] + Array(601..<800), test: Array(800..<1000))
        #expect(throws: FairlabError("the split has row 599 in two parts")) {
            try PreparedSplit.write(dataset: dataset, partition: partition, split: overlapping, standardization: .numeric, to: folder + "/c.bin")
        }
    }

    @Test func damagedSplitFilesAreRefused() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let prepared = try RunPreparation.run(
            PrepareJob(datasetPath: TestEnvironment.dataset("german"), protectedAttributes: [], seeds: [0], standardization: .numeric, folder: folder),
            progress: { _ in })
        let whole = try Data(contentsOf: URL(fileURLWithPath: prepared.splitPaths[0]))
        let truncated = folder + "/truncated.bin"
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: FairlabError.self) { try PreparedSplit.read(from: truncated) }
        let foreign = folder + "/foreign.bin"
        try Data("not a split at all".utf8).write(to: URL(fileURLWithPath: foreign))
        #expect(throws: FairlabError("\(foreign): not a prepared split: wrong signature")) { try PreparedSplit.read(from: foreign) }
    }
}
