import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

@Suite struct LogisticRegressionTests {
    /// Adult, on the split in tools/golden/make_learner_goldens.py, against scikit-learn's optimum.
    @Test func reachesScikitLearnsOptimumOnAdult() throws {
        let golden = try #require(try TestEnvironment.fixture("logistic_regression_adult.json") as? [String: Any])
        let dataset = try DatasetFile.read(TestEnvironment.dataset("adult"))
        let train = (0..<dataset.rows).filter { $0 % 5 <= 2 }
        let test = (0..<dataset.rows).filter { $0 % 5 == 4 }
        let trainFeatures = dataset.features.selectingRows(train)
        let standardizer = Standardizer(fitting: trainFeatures)
        let x = standardizer.transform(trainFeatures)
        let y = train.map { dataset.labels[$0] }
        let model = try LogisticRegression.fit(features: x, labels: y)

        let logLoss = model.logLoss(x, labels: y)
        let goldenLogLoss = try #require(golden["train_log_loss"] as? Double)
        #expect(abs(logLoss - goldenLogLoss) < 1e-6, "log-loss \(logLoss) vs scikit-learn \(goldenLogLoss)")
        let goldenIntercept = try #require(golden["intercept"] as? Double)
        #expect(abs(model.intercept - goldenIntercept) < 1e-4)

        let predictions = model.scores(standardizer.transform(dataset.features.selectingRows(test))).map { $0 > 0.5 ? 1 : 0 }
        let goldenPredictions = try #require(golden["test_predictions"] as? [Int])
        #expect(predictions.count == goldenPredictions.count)
        let agreement = Double(zip(predictions, goldenPredictions).filter { $0 == $1 }.count) / Double(predictions.count)
        #expect(agreement >= 0.999, "predictions agree on \(agreement)")

        // The dense BLAS path reaches the same optimum as the sparse one Adult's one-hot columns select.
        var dense = LogisticRegression.Options()
        dense.allowSparseProducts = false
        let denseModel = try LogisticRegression.fit(features: x, labels: y, options: dense)
        let largest = zip(model.coefficients, denseModel.coefficients).map { abs($0 - $1) }.max()!
        #expect(largest < 1e-7, "sparse and dense coefficients differ by \(largest)")
        #expect(abs(model.intercept - denseModel.intercept) < 1e-7)
    }

    /// A two-point problem with a closed-form optimum: x = ±1, y = 1 at x = 1 only, C = 1. By symmetry b = 0 and
    /// the optimum satisfies β = 1 − σ(β) (gradient σ(β) − 1 + σ(−β)·... reduced): solved here by bisection.
    @Test func solvesATinyProblemExactly() throws {
        let x = Matrix(rows: 2, cols: 1, columnMajor: [1, -1])
        let model = try LogisticRegression.fit(features: x, labels: [1, 0])
        // Stationarity: 2(σ(β) − 1) + β = 0 when b = 0 (both rows contribute σ(β) − 1 times ±1).
        var low = 0.0, high = 2.0
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if 2 * (sigmoid(mid) - 1) + mid < 0 { low = mid } else { high = mid }
        }
        #expect(abs(model.coefficients[0] - low) < 1e-10)
        #expect(abs(model.intercept) < 1e-10)
    }

    @Test func weightsActLikeRepeatedRows() throws {
        let x = Matrix(rows: 4, cols: 1, columnMajor: [0.5, -1, 2, 0])
        let weighted = try LogisticRegression.fit(features: x, labels: [1, 0, 1, 0], weights: [2, 1, 1, 3])
        let repeated = try LogisticRegression.fit(
            features: Matrix(rows: 7, cols: 1, columnMajor: [0.5, 0.5, -1, 2, 0, 0, 0]), labels: [1, 1, 0, 1, 0, 0, 0])
        #expect(abs(weighted.coefficients[0] - repeated.coefficients[0]) < 1e-10)
        #expect(abs(weighted.intercept - repeated.intercept) < 1e-10)
    }

    @Test func refusesOneClassAndBadLabels() {
        let x = Matrix(rows: 2, cols: 1, columnMajor: [1, 2])
        #expect(throws: FairlabError.self) { try LogisticRegression.fit(features: x, labels: [1, 1]) }
        #expect(throws: FairlabError.self) { try LogisticRegression.fit(features: x, labels: [1, 2]) }
        #expect(throws: FairlabError.self) { try LogisticRegression.fit(features: x, labels: [1, 0], weights: [1, .nan]) }
    }
}
