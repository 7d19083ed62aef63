import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// `fairlab stress`'s injections do what they say: on real data and on a large synthetic sample, each moves the
/// training base rates by the amount its definition gives (exactly where it drops a count of rows, within four
/// standard errors where it flips with a probability), touches no test row, and is the same for the same seed.
@Suite struct InjectionTests {
    /// Adult as shipped, grouped by sex (Female unprivileged), and seed 0's split.
    static func adult() throws -> (Dataset, GroupPartition, DatasetSplit) {
        let dataset = try DatasetFile.read(TestEnvironment.dataset("adult"))
        let partition = try GroupPartition(dataset: dataset)
        return (dataset, partition, DatasetSplit(stratifiedBy: dataset.labels, groups: partition.codes, seed: 0))
    }

    /// The favourable rate of `group` among `rows`, and how many rows that is.
    static func baseRate(_ labels: [Double], _ partition: GroupPartition, group: Int32, rows: [Int]) -> (rate: Double, count: Int) {
        let members = rows.filter { partition.codes[$0] == group }
        return (members.map { labels[$0] }.reduce(0, +) / Double(members.count), members.count)
    }

    @Test func labelBiasMovesTheTrainingBaseRateGapByTheExpectedAmountOnAdult() throws {
        let (dataset, partition, split) = try Self.adult()
        let injection = Injection(kind: .labelBias)
        let female = try injection.targetGroup(in: partition)
        #expect(partition.names[Int(female)] == "Female")
        let male = Int32(partition.privileged.firstIndex(of: true)!)
        let (cleanFemale, femaleRows) = Self.baseRate(dataset.labels, partition, group: female, rows: split.train)
        let (cleanMale, _) = Self.baseRate(dataset.labels, partition, group: male, rows: split.train)
        for level in [0.1, 0.2, 0.4] {
            let rows = injection.draw(level: level, seed: 0, labels: dataset.labels, groups: partition.codes, target: female, split: split)
            let (injected, injectedSplit) = try rows.apply(.labelBias, to: dataset, split: split, partition: partition)
            #expect(injectedSplit == split)
            let (biasedFemale, _) = Self.baseRate(injected.labels, partition, group: female, rows: split.train)
            let (biasedMale, _) = Self.baseRate(injected.labels, partition, group: male, rows: split.train)
            // Each of the group's favourable rows flips with probability p: its rate becomes r(1 − p) in
            // expectation, with binomial spread; the other group's does not move at all.
            let expected = cleanFemale * (1 - level)
            let standardError = (cleanFemale * level * (1 - level) / Double(femaleRows)).squareRoot()
            #expect(abs(biasedFemale - expected) < 4 * standardError, "level \(level): \(biasedFemale) vs \(expected) ± \(standardError)")
            #expect(biasedMale == cleanMale)
            let gapChange = (biasedMale - biasedFemale) - (cleanMale - cleanFemale)
            #expect(abs(gapChange - cleanFemale * level) < 4 * standardError)
            // Only favourable training or validation rows of the group, and no test row's label, changed.
            #expect(rows.rows.allSatisfy { partition.codes[$0] == female && dataset.labels[$0] == 1 && injected.labels[$0] == 0 })
            #expect(split.test.allSatisfy { injected.labels[$0] == dataset.labels[$0] })
        }
    }

    @Test func levelsAreNestedAndTheSameSeedDrawsTheSameRows() throws {
        let (dataset, partition, split) = try Self.adult()
        let target = try Injection(kind: .labelNoise).targetGroup(in: partition)
        func draw(_ kind: InjectionKind, _ level: Double, seed: UInt64 = 3) -> InjectedRows {
            Injection(kind: kind).draw(level: level, seed: seed, labels: dataset.labels, groups: partition.codes, target: target, split: split)
        }
        for kind in [InjectionKind.labelBias, .labelNoise, .underSample, .groupSize] {
            let low = draw(kind, 0.1), high = draw(kind, 0.3)
            #expect(!low.rows.isEmpty && Set(low.rows).isSubset(of: high.rows), "\(kind)")
            #expect(draw(kind, 0.3) == high)
            #expect(draw(kind, 0.3, seed: 4) != high)
            #expect(draw(kind, 0).rows.isEmpty)
        }
    }

    /// A synthetic sample large enough for tight expectations: 20,000 rows, group 0 (unprivileged) with
    /// favourable rate 0.3, group 1 with 0.6.
    static func synthetic() throws -> (Dataset, GroupPartition, DatasetSplit) {
        var generator = SeededGenerator(seed: 11)
        let rows = 20_000
        let groups = (0..<rows).map { _ in Int32(generator.nextUniform() < 0.4 ? 0 : 1) }
        let labels = groups.map { generator.nextUniform() < ($0 == 0 ? 0.3 : 0.6) ? 1.0 : 0.0 }
        let dataset = Dataset(
            features: Matrix(rows: rows, cols: 1, columnMajor: labels.map { $0 + 0.5 }), featureNames: ["x"], labels: labels,
            labelName: "y", favorableValue: "1",
            protected: [ProtectedAttribute(name: "g", codes: groups, categories: ["a", "b"], privilegedCodes: [1])])
        let partition = try GroupPartition(dataset: dataset)
        return (dataset, partition, DatasetSplit(stratifiedBy: labels, groups: partition.codes, seed: 2))
    }

    @Test func samplingKindsDropExactlyTheirShareAndNoiseFlipsBothWays() throws {
        let (dataset, partition, split) = try Self.synthetic()
        let level = 0.25
        let (clean, members) = Self.baseRate(dataset.labels, partition, group: 0, rows: split.train)
        let favourable = Int((clean * Double(members)).rounded())

        // under-sample: round(p·F) of the F favourable training rows go; the rate is (F − k)/(N − k) exactly.
        let under = Injection(kind: .underSample).draw(level: level, seed: 1, labels: dataset.labels, groups: partition.codes, target: 0, split: split)
        let (_, underSplit) = try under.apply(.underSample, to: dataset, split: split, partition: partition)
        let dropped = Int((level * Double(favourable)).rounded())
        #expect(split.train.count - underSplit.train.count == dropped)
        let (underRate, underCount) = Self.baseRate(dataset.labels, partition, group: 0, rows: underSplit.train)
        #expect(underCount == members - dropped)
        #expect(abs(underRate - Double(favourable - dropped) / Double(members - dropped)) < 1e-12)
        #expect(underSplit.test == split.test)

        // group-size: round(p·N) of the group's N training rows go, the rate stays (to sampling error).
        let shrink = Injection(kind: .groupSize).draw(level: level, seed: 1, labels: dataset.labels, groups: partition.codes, target: 0, split: split)
        let (_, shrunk) = try shrink.apply(.groupSize, to: dataset, split: split, partition: partition)
        let (shrunkRate, shrunkCount) = Self.baseRate(dataset.labels, partition, group: 0, rows: shrunk.train)
        #expect(shrunkCount == members - Int((level * Double(members)).rounded()))
        #expect(abs(shrunkRate - clean) < 4 * (clean * (1 - clean) * level / Double(shrunkCount)).squareRoot())

        // label-noise: each of the group's labels flips with probability p: r becomes r(1 − p) + (1 − r)p.
        let noise = Injection(kind: .labelNoise).draw(level: level, seed: 1, labels: dataset.labels, groups: partition.codes, target: 0, split: split)
        let (noisy, _) = try noise.apply(.labelNoise, to: dataset, split: split, partition: partition)
        let (noisyRate, _) = Self.baseRate(noisy.labels, partition, group: 0, rows: split.train)
        let expected = clean * (1 - level) + (1 - clean) * level
        #expect(abs(noisyRate - expected) < 4 * (level * (1 - level) / Double(members)).squareRoot(), "\(noisyRate) vs \(expected)")
    }

    @Test func theProxyFeatureCorrelatesWithTheGroupAtTheLevel() throws {
        let (dataset, partition, split) = try Self.synthetic()
        for level in [0.0, 0.3, 0.8] {
            let proxy = Injection(kind: .proxy).draw(level: level, seed: 5, labels: dataset.labels, groups: partition.codes, target: 0, split: split)
            let (injected, _) = try proxy.apply(.proxy, to: dataset, split: split, partition: partition)
            #expect(injected.featureNames == ["x", InjectedRows.proxyColumn] && injected.features.cols == 2)
            #expect(injected.features.column(1) == proxy.proxy && injected.features.column(0) == dataset.features.column(0))
            let indicator = partition.codes.map { $0 == 0 ? 1.0 : 0.0 }
            let n = Double(indicator.count)
            let (mx, my) = (indicator.reduce(0, +) / n, proxy.proxy.reduce(0, +) / n)
            let covariance = zip(indicator, proxy.proxy).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
            let correlation = covariance / (indicator.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) * proxy.proxy.map { ($0 - my) * ($0 - my) }.reduce(0, +)).squareRoot()
            // The sample correlation's standard error is about (1 − ρ²)/√n ≤ 0.007 here.
            #expect(abs(correlation - level) < 0.03, "level \(level): correlation \(correlation)")
        }
    }

    @Test func injectionsThatWouldEmptyACellOrNameAnUnknownGroupAreRefused() throws {
        let (dataset, partition, split) = try Self.synthetic()
        for kind in [InjectionKind.labelBias, .underSample, .groupSize] {
            let rows = Injection(kind: kind).draw(level: 1, seed: 0, labels: dataset.labels, groups: partition.codes, target: 0, split: split)
            #expect(throws: FairlabError("level 1 of \(kind.rawValue) on seed 0 leaves no training rows of group a with label \(kind == .groupSize ? 0 : 1): lower the level")) {
                _ = try rows.apply(kind, to: dataset, split: split, partition: partition)
            }
        }
        #expect(throws: FairlabError("--inject label-bias:group=c: unknown group 'c' (the groups are a, b)")) {
            _ = try Injection(parsing: "label-bias:group=c").targetGroup(in: partition)
        }
        #expect(throws: FairlabError("--inject flip: unknown kind (use label-bias, under-sample, label-noise, proxy, group-size)")) {
            _ = try Injection(parsing: "flip")
        }
        #expect(throws: FairlabError("--inject proxy:strength=2: expected KIND or KIND:group=NAME")) { _ = try Injection(parsing: "proxy:strength=2") }
        #expect(try Injection(parsing: "group-size:group=b") == Injection(kind: .groupSize, group: "b"))
        // A replayed row twice would flip back: refused.
        let twice = InjectedRows(level: 0.1, seed: 0, rows: [split.train[0], split.train[0]], proxy: [])
        #expect(throws: FairlabError("level 0.1 of label-bias on seed 0: its rows are not ascending and distinct")) {
            _ = try twice.apply(.labelBias, to: dataset, split: split, partition: partition)
        }
        // Replayed rows must be training or validation rows of the split they are applied to.
        let foreign = InjectedRows(level: 0.1, seed: 0, rows: [split.test[0]], proxy: [])
        #expect(throws: FairlabError("level 0.1 of label-bias on seed 0: its rows are not all training or validation rows of the split")) {
            _ = try foreign.apply(.labelBias, to: dataset, split: split, partition: partition)
        }
    }
}
