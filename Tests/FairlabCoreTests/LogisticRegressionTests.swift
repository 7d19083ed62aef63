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

        // The dense BLAS path reaches the same optimum as the sparse one Adult's one-hot columns select. Its first
        // Hessians come from a quarter of the 18,098 training rows (4,544), so its iterates differ from the sparse
        // path's and each stops somewhere within the default tolerance (fitted here on 2026-12-01, the two differed
        // by 1.1e-7): both are run to the tightest tolerance instead, where they agreed to 1.5e-13.
        var tight = LogisticRegression.Options()
        tight.relativeTolerance = 1e-15
        let tightSparse = try LogisticRegression.fit(features: x, labels: y, options: tight)
        var dense = tight
        dense.allowSparseProducts = false
        let denseModel = try LogisticRegression.fit(features: x, labels: y, options: dense)
        let largest = zip(tightSparse.coefficients, denseModel.coefficients).map { abs($0 - $1) }.max()!
        #expect(largest < 1e-10, "sparse and dense coefficients differ by \(largest)")
        #expect(abs(tightSparse.intercept - denseModel.intercept) < 1e-10)
        // The dense fit users run, at the default tolerance, stops near that optimum (1.2e-8 from it when fitted here).
        var denseDefault = LogisticRegression.Options()
        denseDefault.allowSparseProducts = false
        let usual = try LogisticRegression.fit(features: x, labels: y, options: denseDefault)
        let usualGap = zip(usual.coefficients, denseModel.coefficients).map { abs($0 - $1) }.max()!
        #expect(usualGap < 1e-6, "the default dense fit is \(usualGap) from the optimum")
        // A warm start at the optimum takes every row at once and stops after its first step: a sampled first step
        // could not count as converged, and would take a second.
        let again = try LogisticRegression.fit(features: x, labels: y, options: denseDefault, start: denseModel)
        #expect(again.iterations == 1, "a warm start at the optimum took \(again.iterations) Newton steps")
        #expect(zip(again.coefficients, denseModel.coefficients).map { abs($0 - $1) }.max()! < 1e-10)

        // Truncated Newton (the solver for wide data), forced on Adult's 98 columns, over both designs.
        for allowSparse in [true, false] {
            var conjugate = LogisticRegression.Options()
            conjugate.conjugateGradientWidth = 0
            conjugate.allowSparseProducts = allowSparse
            let cgModel = try LogisticRegression.fit(features: x, labels: y, options: conjugate)
            let difference = zip(model.coefficients, cgModel.coefficients).map { abs($0 - $1) }.max()!
            #expect(difference < 1e-6, "Cholesky and conjugate-gradient coefficients differ by \(difference) (sparse: \(allowSparse))")
            #expect(abs(cgModel.logLoss(x, labels: y) - logLoss) < 1e-11)
        }
    }

    /// One-hot rows over `levels` levels plus one numeric column, labels from a planted logistic model, from a
    /// fixed linear congruential stream.
    static func oneHotProblem(rows: Int, levels: Int) -> (Matrix, [Double]) {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var columns = [Double](repeating: 0, count: rows * (levels + 1))
        var labels = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            let level = Int(next() * Double(levels))
            let numeric = next() * 2 - 1
            columns[level * rows + i] = 1
            columns[levels * rows + i] = numeric
            labels[i] = next() < sigmoid(1.5 * numeric + (level % 3 == 0 ? 1.0 : -0.5)) ? 1 : 0
        }
        return (Matrix(rows: rows, cols: levels + 1, columnMajor: columns), labels)
    }

    /// Truncated Newton and Cholesky Newton reach the same optimum on one-hot data.
    @Test func truncatedNewtonMatchesCholeskyNewton() throws {
        let (x, labels) = Self.oneHotProblem(rows: 2_000, levels: 300)
        var conjugate = LogisticRegression.Options()
        conjugate.conjugateGradientWidth = 0
        let cgModel = try LogisticRegression.fit(features: x, labels: labels, options: conjugate)
        var cholesky = LogisticRegression.Options()
        cholesky.conjugateGradientWidth = .max
        let reference = try LogisticRegression.fit(features: x, labels: labels, options: cholesky)
        let difference = zip(cgModel.coefficients, reference.coefficients).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-6, "coefficients differ by \(difference)")
        #expect(abs(cgModel.intercept - reference.intercept) < 1e-6)
        #expect(abs(cgModel.logLoss(x, labels: labels) - reference.logLoss(x, labels: labels)) < 1e-11)
    }

    /// 15,000 one-hot columns (the width of an import that one-hot encoded a name column), where a Cholesky
    /// Newton step alone would take minutes and 3.6 GB: the default fit finishes, at a point where the gradient
    /// of the objective, computed here from its definition, is zero to rounding error.
    @Test func fitsFifteenThousandOneHotColumns() throws {
        let (x, labels) = Self.oneHotProblem(rows: 3_000, levels: 15_000)
        let model = try LogisticRegression.fit(features: x, labels: labels)
        let scores = model.scores(x)
        let residual = zip(scores, labels).map { $0 - $1 }
        var largest = abs(residual.reduce(0, +))
        for j in 0..<x.cols {
            let column = x.column(j)
            var g = model.coefficients[j]
            for i in 0..<x.rows where column[i] != 0 { g += column[i] * residual[i] }
            largest = max(largest, abs(g))
        }
        #expect(largest < 1e-6, "largest gradient component \(largest)")
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
