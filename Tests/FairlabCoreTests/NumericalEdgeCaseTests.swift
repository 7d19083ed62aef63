import FairlabCore
import Testing

/// Data that breaks naive code: separable classes, constant columns, zero weights.
@Suite struct NumericalEdgeCaseTests {
    @Test func perfectlySeparableDataStaysFinite() throws {
        // y = 1 exactly when x > 0: without regularisation the optimum is at infinity; L2 keeps it finite.
        let x = Matrix(rows: 6, cols: 1, columnMajor: [-3, -2, -1, 1, 2, 3])
        let model = try LogisticRegression.fit(features: x, labels: [0, 0, 0, 1, 1, 1])
        #expect(model.coefficients[0].isFinite && model.coefficients[0] > 0)
        #expect(model.scores(x).map { $0 > 0.5 ? 1.0 : 0 } == [0, 0, 0, 1, 1, 1])
    }

    @Test func constantColumnsAreHarmless() throws {
        let x = Matrix(rows: 4, cols: 2, columnMajor: [1, 2, 3, 4, 7, 7, 7, 7])
        let standardized = Standardizer(fitting: x).transform(x)
        #expect(standardized.column(1) == [0, 0, 0, 0])
        let model = try LogisticRegression.fit(features: standardized, labels: [0, 1, 0, 1])
        #expect(model.coefficients[1] == 0)
        #expect(model.coefficients.allSatisfy { $0.isFinite })
    }

    @Test func zeroWeightsAreAClearError() throws {
        let x = Matrix(rows: 3, cols: 1, columnMajor: [1, 2, 3])
        #expect(throws: FairlabError("logistic regression: the (weighted) labels have only one class")) {
            try LogisticRegression.fit(features: x, labels: [0, 1, 1], weights: [0, 0, 0])
        }
        #expect(throws: FairlabError.self) { try LogisticRegression.fit(features: x, labels: [0, 1, 1], weights: [0, 1, 1]) }
        // Rows with weight 0 are ignored, not fatal.
        let model = try? LogisticRegression.fit(features: x, labels: [0, 1, 0], weights: [1, 1, 0])
        #expect(model != nil)
    }

    @Test func tinyCellsStillSplitAndPartition() {
        // A group of one row: it lands in one part; the partition keeps it as a group.
        let split = DatasetSplit(stratifiedBy: [1, 0, 1, 0, 1], groups: [0, 0, 0, 0, 1], seed: 1)
        #expect((split.train + split.validation + split.test).sorted() == [0, 1, 2, 3, 4])
        #expect(split.train.contains(4))
    }
}
