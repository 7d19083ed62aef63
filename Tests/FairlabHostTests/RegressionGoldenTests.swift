import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
@testable import FairlabPluginKit
import FairlabTestSupport
import Foundation
import Testing

/// The regression task against the reference libraries (tools/golden/make_regression_goldens.py): the host's
/// ridge baseline against scikit-learn's `Ridge` on Wage rows, the regression metric plugin (through the ABI)
/// against scikit-learn's metrics and Fairlearn's `MetricFrame`, and the fair ridge's penalty against its
/// definition.
@Suite struct RegressionGoldenTests {
    static let tolerance = 1e-9

    struct Golden {
        let json: [String: Any]
        var cols: Int { json["cols"] as! Int }
        var trainLabels: [Double] { json["train_labels"] as! [Double] }
        var train: Matrix { Matrix(rows: trainLabels.count, cols: cols, columnMajor: json["train_features"] as! [Double]) }
        var test: Matrix {
            let values = json["test_features"] as! [Double]
            return Matrix(rows: values.count / cols, cols: cols, columnMajor: values)
        }

        init() throws { json = try #require(try TestEnvironment.fixture("regression_goldens.json") as? [String: Any]) }
    }

    static func close(_ actual: Double, _ expected: Double) -> Bool { abs(actual - expected) <= tolerance * max(1, abs(expected)) }

    @Test func ridgeEqualsScikitLearn() throws {
        let golden = try Golden()
        for key in ["unweighted", "weighted"] {
            let reference = golden.json["ridge"].flatMap { ($0 as! [String: Any])[key] } as! [String: Any]
            let model = try RidgeRegression.fit(features: golden.train, labels: golden.trainLabels, weights: reference["weights"] as? [Double])
            #expect(model.coefficients.count == (reference["coefficients"] as! [Double]).count)
            for (actual, expected) in zip(model.coefficients, reference["coefficients"] as! [Double]) {
                #expect(Self.close(actual, expected), "\(key): coefficient \(actual), scikit-learn \(expected)")
            }
            #expect(Self.close(model.intercept, reference["intercept"] as! Double), "\(key): intercept \(model.intercept)")
            let predictions = model.predict(golden.test)
            let expected = reference["test_predictions"] as! [Double]
            #expect(predictions.count == expected.count)
            let worst = zip(predictions, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-9 * 200, "\(key): test predictions differ from scikit-learn's by up to \(worst)")
        }
    }

    /// The learner service of a method on regression data is the host's ridge: a plugin's fit through
    /// `fl_learner` gives scikit-learn's coefficients, and `predict_scores` its test predictions.
    @Test func theLearnerServiceIsRidgeOnRegressionData() throws {
        let golden = try Golden()
        let reference = golden.json["ridge"].flatMap { ($0 as! [String: Any])["weighted"] } as! [String: Any]
        let provider = HostServicesProvider(seed: 0, methodID: "ridge-service", learner: .for(.regression))
        let services = HostServices(provider.host)
        #expect(String(cString: provider.host.pointee.learner.pointee.name) == "ridge-regression")
        func view<R>(_ matrix: Matrix, _ body: (UnsafePointer<fl_matrix>) throws -> R) rethrows -> R {
            try withMatrixView(matrix.storage, rows: matrix.rows, cols: matrix.cols, body)
        }
        var model: fl_model = 0
        try view(golden.train) { model = try services.fitBaseLearner(features: $0, labels: golden.trainLabels, weights: reference["weights"] as? [Double]) }
        let (coefficients, intercept) = try services.baseLearnerCoefficients(model, features: golden.cols)
        let expected = reference["coefficients"] as! [Double]
        #expect(coefficients.count == expected.count)
        for (a, b) in zip(coefficients, expected) { #expect(Self.close(a, b), "coefficient \(a), scikit-learn \(b)") }
        #expect(Self.close(intercept, reference["intercept"] as! Double))
        var predictions: [Double] = []
        try view(golden.test) { predictions = try services.baseLearnerScores(model, features: $0) }
        let worst = zip(predictions, reference["test_predictions"] as! [Double]).map { abs($0 - $1) }.max()!
        #expect(predictions.count == (reference["test_predictions"] as! [Double]).count && worst < 1e-9 * 200, "largest difference \(worst)")
    }

    @Test func metricsEqualScikitLearnAndFairlearn() throws {
        let golden = try Golden()
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("RegressionMetrics"))
        let metric = try #require(try library.methods().first { $0.id == "regression-metrics" })
        #expect(metric.handles(.regression) && !metric.handles(.binary))
        let instance = try MethodInstance(
            library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0, learner: .for(.regression))
        var compared = 0
        for testCase in golden.json["metric_cases"] as! [[String: Any]] {
            let name = testCase["name"] as! String
            let codes = (testCase["groups"] as! [Int]).map(Int32.init)
            let values = try instance.evaluate(EvaluationBuffers(
                labels: testCase["labels"] as! [Double], predictions: testCase["predictions"] as! [Double], scores: nil,
                weights: testCase["weights"] as? [Double], groupCodes: codes, groupNames: testCase["group_names"] as! [String],
                privileged: testCase["privileged"] as! [Bool], task: .regression))
            for (metricName, expected) in testCase["overall"] as! [String: Double] {
                let actual = try #require(values.overall[metricName], "\(name): \(metricName) not reported")
                #expect(Self.close(actual, expected), "\(name): \(metricName) = \(actual), reference \(expected)")
                compared += 1
            }
            // MetricFrame lists the groups present, in code order.
            let present = Array(Set(codes)).sorted()
            for (metricName, expected) in testCase["per_group"] as! [String: [Any]] {
                let actual = try #require(values.perGroup[metricName], "\(name): \(metricName) not reported per group")
                for (position, value) in expected.enumerated() {
                    let group = Int(present[position])
                    guard let value = value as? Double else {
                        #expect(actual[group].isNaN, "\(name): \(metricName)[\(group)] = \(actual[group]), undefined in the reference")
                        continue
                    }
                    #expect(Self.close(actual[group], value), "\(name): \(metricName)[\(group)] = \(actual[group]), reference \(value)")
                    compared += 1
                }
            }
        }
        #expect(compared > 90)
    }

    /// SciPy's KS test has no weights: the weighted distance by hand. Group a predicts 1 (weight 1) and 2
    /// (weight 3), group b predicts 2: their ECDFs are 0.25 and 0 at 1, and 1 and 1 at 2, so the distance is 0.25.
    @Test func weightedKolmogorovSmirnovByHand() throws {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("RegressionMetrics"))
        let metric = try #require(try library.methods().first)
        let instance = try MethodInstance(library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0, learner: .for(.regression))
        let values = try instance.evaluate(EvaluationBuffers(
            labels: [1, 2, 2], predictions: [1, 2, 2], scores: nil, weights: [1, 3, 1], groupCodes: [0, 0, 1], groupNames: ["a", "b"],
            privileged: [false, true], task: .regression))
        #expect(values.overall["prediction_ks_distance"] == 0.25)
        // Means 1.75 and 2: difference 0.25, ratio 0.875.
        #expect(values.overall["mean_prediction_difference"] == 0.25 && values.overall["mean_prediction_ratio"] == 0.875)
    }

    /// The metric plugin refuses binary data, and the binary one is not offered regression data by the host
    /// (Comparison's task filter, tested end to end).
    @Test func regressionMetricsRefuseBinaryData() throws {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("RegressionMetrics"))
        let metric = try #require(try library.methods().first)
        let instance = try MethodInstance(library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0)
        #expect(throws: (any Error).self) {
            try instance.evaluate(EvaluationBuffers(labels: [0, 1], predictions: [0, 1], scores: nil, weights: nil, groupCodes: [0, 1],
                                                    groupNames: ["a", "b"], privileged: [false, true]))
        }
    }

    /// λ = 0 is the host's ridge; λ > 0 is the minimiser of its objective (its gradient, recomputed from the
    /// definition, vanishes); a large λ closes the training gap between the groups' mean predictions.
    @Test func fairRidgeMinimisesItsObjective() throws {
        let golden = try Golden()
        let train = golden.train, labels = golden.trainLabels, n = train.rows, p = train.cols
        // Two groups: the protected column of Wage (race, White = 1) is one of the features.
        let names = try #require(golden.json["feature_names"] as? [String])
        let raceColumn = try #require(names.firstIndex(of: "race"))
        let groups = (0..<n).map { Int32(train[$0, raceColumn]) }
        let provider = HostServicesProvider(seed: 0, methodID: "fair-ridge-test")
        let blas = provider.host.pointee.blas.pointee
        func fit(_ lambda: Double) throws -> (coefficients: [Double], intercept: Double) {
            try train.withUnsafeStorage { x in
                try labels.withUnsafeBufferPointer { y in
                    try groups.withUnsafeBufferPointer { g in
                        try FairRidge.fit(features: x, rows: n, cols: p, labels: y, weights: nil, groups: (g, 2),
                                          alpha: 1, lambda: lambda, blas: blas)
                    }
                }
            }
        }
        let ridge = try RidgeRegression.fit(features: train, labels: labels)
        let plain = try fit(0)
        #expect(plain.coefficients.count == ridge.coefficients.count)
        for (a, b) in zip(plain.coefficients, ridge.coefficients) { #expect(Self.close(a, b), "λ = 0: \(a) against the ridge's \(b)") }
        #expect(Self.close(plain.intercept, ridge.intercept))

        func gap(_ model: (coefficients: [Double], intercept: Double)) -> Double {
            let predictions = train.multiplied(by: model.coefficients).map { $0 + model.intercept }
            let means = (0..<2).map { group in
                let rows = (0..<n).filter { groups[$0] == Int32(group) }
                return rows.reduce(0) { $0 + predictions[$1] } / Double(rows.count)
            }
            return means[1] - means[0]
        }
        // The objective's gradient at λ = 5: −2 X̃ᵀ(ỹ − X̃β) + 2αβ + 2λn·d(dᵀβ), with d the groups' mean difference.
        let lambda = 5.0
        let model = try fit(lambda)
        let predictions = train.multiplied(by: model.coefficients).map { $0 + model.intercept }
        let residuals = (0..<n).map { labels[$0] - predictions[$0] }
        let means = (0..<p).map { j in (0..<n).reduce(0) { $0 + train[$1, j] } / Double(n) }
        let d = (0..<p).map { j -> Double in
            let mean = { (group: Int32) -> Double in
                let rows = (0..<n).filter { groups[$0] == group }
                return rows.reduce(0) { $0 + train[$1, j] } / Double(rows.count)
            }
            return mean(1) - mean(0)
        }
        let projection = zip(d, model.coefficients).reduce(0) { $0 + $1.0 * $1.1 }
        let residualSum = residuals.reduce(0, +)
        #expect(abs(residualSum) < 1e-7 * Double(n), "the intercept's gradient \(-2 * residualSum)")
        for j in 0..<p {
            let fit = (0..<n).reduce(0) { $0 + (train[$1, j] - means[j]) * residuals[$1] }
            let gradient = -2 * fit + 2 * model.coefficients[j] + 2 * lambda * Double(n) * d[j] * projection
            #expect(abs(gradient) < 1e-6 * Double(n), "coordinate \(j): gradient \(gradient)")
        }
        // The training gap shrinks with λ, to nothing.
        let gaps = try [0.0, 1, 100, 1e6].map { abs(gap(try fit($0))) }
        #expect(gaps[0] > 0.1 && gaps[1] < gaps[0] && gaps[2] < gaps[1] && gaps[3] < 1e-3, "training gaps \(gaps)")
    }

    /// Exponentiated gradient with bounded group loss over ridge fits equals Fairlearn's on the same training rows,
    /// at a bound that binds hard and one that binds one group: ν, the number of fits, every group's and the
    /// overall training MSE under Q (to 1e-6 relative, which also puts the worst group's within 0.01 absolute), and Q's
    /// mean test prediction.
    @Test func boundedGroupLossEqualsFairlearn() throws {
        let golden = try Golden()
        let train = golden.train, test = golden.test, labels = golden.trainLabels
        let codes = (golden.json["train_groups"] as! [Int]).map(Int32.init)
        let provider = HostServicesProvider(seed: 0, methodID: "bounded-group-loss-test")
        let blas = provider.host.pointee.blas.pointee
        for reference in golden.json["bounded_group_loss"] as! [[String: Any]] {
            let upperBound = reference["upper_bound"] as! Double
            // The learner views the training storage: the search and every use of its fits stay inside the closure.
            let (result, calls, fits, testMeans) = try train.withUnsafeStorage { features in
                let learner = RidgeLearner(features: features, rows: train.rows, cols: train.cols, labels: labels, alpha: 1, blas: blas)
                let oracle = LagrangianOracle(moment: BoundedGroupLoss(labels: labels, codes: codes, upperBound: upperBound), learner: learner, bound: 100)
                let result = try ExponentiatedGradientSearch.run(oracle, maxIterations: 50, nu: 0, eta0: 2)
                let testMeans = try test.withUnsafeStorage { testFeatures in
                    try zip(result.weights, oracle.hypotheses).reduce([Double](repeating: 0, count: test.rows)) { sums, pair in
                        zip(sums, try pair.1.model.predict(testFeatures, rows: test.rows)).map { $0 + pair.0 * $1 }
                    }
                }
                return (result, oracle.calls, oracle.hypotheses.map { (error: $0.error, gamma: $0.gamma) }, testMeans)
            }
            #expect(abs(result.nu - (reference["nu"] as! Double)) < 1e-9, "ν \(result.nu)")
            #expect(calls == reference["oracle_calls"] as! Int && fits.count == reference["hypotheses"] as! Int,
                    "bound \(upperBound): \(calls) fits, \(fits.count) kept")
            let groupLosses = zip(result.weights, fits).reduce([Double](repeating: 0, count: Set(codes).count)) { sums, pair in
                zip(sums, pair.1.gamma).map { $0 + pair.0 * $1 }
            }
            let expectedLosses = reference["group_losses"] as! [Double]
            #expect(groupLosses.count == expectedLosses.count)
            for (actual, expected) in zip(groupLosses, expectedLosses) {
                #expect(abs(actual - expected) <= 1e-6 * expected, "bound \(upperBound): group MSE \(actual), Fairlearn \(expected)")
            }
            #expect(abs(groupLosses.max()! - (reference["worst_group_loss"] as! Double)) < 0.01)
            let overall = zip(result.weights, fits).reduce(0) { $0 + $1.0 * $1.1.error }
            #expect(abs(overall - (reference["overall_loss"] as! Double)) <= 1e-6 * overall)
            let expectedMeans = reference["test_mean_prediction"] as! [Double]
            #expect(testMeans.count == expectedMeans.count)
            let worst = zip(testMeans, expectedMeans).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "bound \(upperBound): Q's mean test prediction differs from Fairlearn's by up to \(worst)")
        }
    }
}
