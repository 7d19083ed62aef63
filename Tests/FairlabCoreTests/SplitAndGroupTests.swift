import FairlabCore
import Testing

@Suite struct DatasetSplitTests {
    let labels: [Double] = (0..<1000).map { $0 % 4 == 0 ? 1 : 0 }
    let groups: [Int32] = (0..<1000).map { $0 % 3 == 0 ? 1 : 0 }

    @Test func isADeterministicPartitionInSixtyTwentyTwenty() {
        let split = DatasetSplit(stratifiedBy: labels, groups: groups, seed: 42)
        #expect(split == DatasetSplit(stratifiedBy: labels, groups: groups, seed: 42))
        #expect(split != DatasetSplit(stratifiedBy: labels, groups: groups, seed: 43))
        let all = split.train + split.validation + split.test
        #expect(all.sorted() == Array(0..<1000))
        #expect(abs(split.train.count - 600) <= 2)
        #expect(abs(split.validation.count - 200) <= 2)
    }

    @Test func keepsEveryLabelGroupCellsShare() {
        let split = DatasetSplit(stratifiedBy: labels, groups: groups, seed: 7)
        for part in [split.train, split.validation, split.test] {
            let positivesInGroup1 = part.filter { labels[$0] == 1 && groups[$0] == 1 }.count
            // The cell holds 84 of 1000 rows (rows ≡ 0 mod 12).
            #expect(abs(Double(positivesInGroup1) / Double(part.count) - 0.084) < 0.006)
        }
    }

    @Test func fixedSplitFollowsTheVector() {
        let split = DatasetSplit(fixed: [0, 2, 1, 0, 2])
        #expect(split == DatasetSplit(train: [0, 3], validation: [2], test: [1, 4]))
    }
}

@Suite struct GroupPartitionTests {
    func dataset() -> Dataset {
        Dataset(
            features: Matrix(rows: 4, cols: 1, repeating: 0), featureNames: ["x"], labels: [1, 0, 1, 0], labelName: "y",
            favorableValue: "1",
            protected: [
                ProtectedAttribute(name: "race", codes: [0, 1, 1, 0], categories: ["Black", "White"], privilegedCodes: [1]),
                ProtectedAttribute(name: "sex", codes: [0, 1, 0, 0], categories: ["Female", "Male"], privilegedCodes: [1]),
            ])
    }

    @Test func intersectionsKeepOnlyPresentCombinations() throws {
        let partition = try GroupPartition(dataset: dataset(), attributes: ["race", "sex"])
        #expect(partition.names == ["Black/Female", "White/Female", "White/Male"])
        #expect(partition.privileged == [false, false, true])
        #expect(partition.codes == [0, 2, 1, 0])
    }

    @Test func defaultsToTheFirstAttribute() throws {
        let partition = try GroupPartition(dataset: dataset())
        #expect(partition.names == ["Black", "White"])
        #expect(partition.codes == [0, 1, 1, 0])
    }

    @Test func refusesUnknownAttributesAndSingleGroups() {
        #expect(throws: FairlabError.self) { try GroupPartition(dataset: dataset(), attributes: ["age"]) }
        var single = dataset()
        single.protected[0] = ProtectedAttribute(name: "race", codes: [1, 1, 1, 1], categories: ["Black", "White"], privilegedCodes: [1])
        #expect(throws: FairlabError.self) { try GroupPartition(dataset: single, attributes: ["race"]) }
    }
}
