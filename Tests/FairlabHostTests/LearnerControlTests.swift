import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
@testable import FairlabPluginKit
import FairlabTestSupport
import Foundation
import Testing

/// The `fairlab.learner-control/1` extension as a Swift plugin calls it, through the plugin kit's wrappers over
/// the host's C tables: fits with options and warm starts, and the coefficients read back, against the exact optimum of each of Fairlearn's grid-search
/// fits on the golden rows (tools/golden/make_gridsearch_goldens.py: Newton on C Σ w logloss + ½‖β‖², which
/// scikit-learn's lbfgs matches to 3e-7).
@Suite struct LearnerControlTests {
    /// Fits through the plugin kit's wrappers (`HostServices`) over a method instance's host tables.
    struct Fits {
        let provider = HostServicesProvider(seed: 0, methodID: "test")
        let features: Matrix

        /// Fits with C and a warm start (0: none); the model's coefficients, intercept, iterations and handle.
        func fit(labels: [Double], weights: [Double], c: Double = 1, warmStart: fl_model = 0) throws
            -> (coefficients: [Double], intercept: Double, iterations: Int, model: fl_model) {
            let services = HostServices(provider.host)
            var options = LearnerOptions()
            options.inverseRegularization = c
            options.warmStart = warmStart == 0 ? nil : warmStart
            let model = try features.withUnsafeStorage { storage in
                var matrix = fl_matrix(struct_size: UInt32(MemoryLayout<fl_matrix>.size), abi_version: FAIRLAB_ABI_VERSION,
                                       rows: Int64(features.rows), cols: Int64(features.cols), leading_dimension: Int64(features.rows),
                                       data: storage.baseAddress)
                return try services.fitBaseLearner(features: &matrix, labels: labels, weights: weights, options: options)
            }
            let (coefficients, intercept) = try services.baseLearnerCoefficients(model, features: features.cols)
            return (coefficients, intercept, try services.baseLearnerIterations(model), model)
        }
    }

    @Test func optionsWarmStartsAndCoefficientsReachTheExactOptimum() throws {
        let golden = try #require(try TestEnvironment.fixture("gridsearch_goldens.json") as? [String: Any])
        let training = try PreProcessingGoldenTests.Training()
        let fits = Fits(features: training.features)
        var previous: fl_model = 0
        for constraint in ["demographic_parity", "equalized_odds"] {
            for point in (golden[constraint] as! [String: Any])["points"] as! [[String: Any]] where !(point["dummy"] as! Bool) {
                let signed = (point["signed_weights"] as! [NSNumber]).map(\.doubleValue)
                let labels = signed.map { $0 > 0 ? 1.0 : 0.0 }, weights = signed.map(abs)
                let expected = (point["newton_coef"] as! [NSNumber]).map(\.doubleValue), intercept = (point["newton_intercept"] as! NSNumber).doubleValue
                let cold = try fits.fit(labels: labels, weights: weights)
                #expect(zip(cold.coefficients, expected).allSatisfy { abs($0 - $1) < 1e-7 } && abs(cold.intercept - intercept) < 1e-7,
                        "\(constraint): \(cold.coefficients) against \(expected)")
                // From the previous point's model: the same optimum.
                if previous != 0 {
                    let warm = try fits.fit(labels: labels, weights: weights, warmStart: previous)
                    #expect(zip(warm.coefficients, expected).allSatisfy { abs($0 - $1) < 1e-7 } && abs(warm.intercept - intercept) < 1e-7)
                }
                previous = cold.model
            }
        }
        // Warm-started at its own optimum, a fit takes one step (to confirm convergence).
        let labels = training.labels, weights = [Double](repeating: 1, count: labels.count)
        let cold = try fits.fit(labels: labels, weights: weights)
        let again = try fits.fit(labels: labels, weights: weights, warmStart: cold.model)
        #expect(again.iterations == 1 && cold.iterations > 2, "cold \(cold.iterations), warm \(again.iterations)")
        #expect(zip(again.coefficients, cold.coefficients).allSatisfy { abs($0 - $1) < 1e-10 })
    }

    /// With C = 0.1 the fit is the stationary point of 0.1 Σ logloss + ½‖β‖² (gradient recomputed here), not C = 1's.
    @Test func inverseRegularizationIsHonoured() throws {
        let training = try PreProcessingGoldenTests.Training()
        let fits = Fits(features: training.features)
        let ones = [Double](repeating: 1, count: training.labels.count)
        let fit = try fits.fit(labels: training.labels, weights: ones, c: 0.1)
        let defaultFit = try fits.fit(labels: training.labels, weights: ones)
        var gradient = fit.coefficients, interceptGradient = 0.0
        for i in 0..<training.labels.count {
            let z = (0..<training.features.cols).reduce(fit.intercept) { $0 + fit.coefficients[$1] * training.features[i, $1] }
            let residual = 0.1 * (1 / (1 + exp(-z)) - training.labels[i])
            for j in 0..<training.features.cols { gradient[j] += residual * training.features[i, j] }
            interceptGradient += residual
        }
        #expect((gradient + [interceptGradient]).allSatisfy { abs($0) < 1e-8 }, "gradient \(gradient), \(interceptGradient)")
        #expect(zip(fit.coefficients, defaultFit.coefficients).contains { abs($0 - $1) > 1e-3 })
        #expect(throws: (any Error).self) { try fits.fit(labels: training.labels, weights: ones, c: 0) }
        #expect(throws: (any Error).self) { try fits.fit(labels: training.labels, weights: ones, warmStart: 999) }
        let host = fits.provider.host.pointee
        #expect(host.get_extension(host.context, "fairlab.no-such-extension/1") == nil)
    }
}
