import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The `fairlab.learner-control/1` extension through its C tables, as a plugin calls it: fits with options and
/// warm starts, and the coefficients read back, against the exact optimum of each of Fairlearn's grid-search
/// fits on the golden rows (tools/golden/make_gridsearch_goldens.py: Newton on C Σ w logloss + ½‖β‖², which
/// scikit-learn's lbfgs matches to 3e-7).
@Suite struct LearnerControlTests {
    struct Fits {
        let provider = HostServicesProvider(seed: 0, methodID: "test")
        let control: fl_learner_control
        let context: UnsafeMutableRawPointer?
        let features: Matrix

        init(features: Matrix) throws {
            self.features = features
            let host = provider.host.pointee
            let table = try #require(host.get_extension(host.context, FL_EXTENSION_LEARNER_CONTROL))
            control = table.assumingMemoryBound(to: fl_learner_control.self).pointee
            context = host.learner.pointee.context
        }

        /// Fits with C, a warm start (0: none); the model's coefficients, intercept, iterations and handle.
        func fit(labels: [Double], weights: [Double], c: Double = 1, warmStart: fl_model = 0) throws
            -> (coefficients: [Double], intercept: Double, iterations: Int, model: fl_model) {
            var options = fl_learner_options(
                struct_size: UInt32(MemoryLayout<fl_learner_options>.size), abi_version: FAIRLAB_ABI_VERSION,
                inverse_regularization: c, tolerance: 1e-10, max_iterations: 100, reserved: 0, warm_start: warmStart)
            var model: fl_model = 0
            var message = [CChar](repeating: 0, count: 256)
            let storage = features.rowMajorValues()
            var columnMajor = [Double](repeating: 0, count: storage.count)
            for i in 0..<features.rows { for j in 0..<features.cols { columnMajor[i + j * features.rows] = storage[i * features.cols + j] } }
            let status = columnMajor.withUnsafeBufferPointer { x in
                message.withUnsafeMutableBufferPointer { buffer in
                    var error = fl_error(struct_size: UInt32(MemoryLayout<fl_error>.size), abi_version: FAIRLAB_ABI_VERSION,
                                         message: buffer.baseAddress, capacity: UInt32(buffer.count), reserved: 0)
                    var matrix = fl_matrix(struct_size: UInt32(MemoryLayout<fl_matrix>.size), abi_version: FAIRLAB_ABI_VERSION,
                                           rows: Int64(features.rows), cols: Int64(features.cols), leading_dimension: Int64(features.rows), data: x.baseAddress)
                    return control.fit_with_options(context, &matrix, labels, weights, &options, &model, &error)
                }
            }
            guard status == FL_OK else { throw FairlabError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
            var coefficients = [Double](repeating: 0, count: features.cols), intercept = 0.0
            var error = fl_error(struct_size: UInt32(MemoryLayout<fl_error>.size), abi_version: FAIRLAB_ABI_VERSION, message: nil, capacity: 0, reserved: 0)
            #expect(control.coefficients(context, model, &coefficients, Int64(features.cols), &intercept, &error) == FL_OK)
            return (coefficients, intercept, Int(control.iterations(context, model)), model)
        }
    }

    @Test func optionsWarmStartsAndCoefficientsReachTheExactOptimum() throws {
        let golden = try #require(try TestEnvironment.fixture("gridsearch_goldens.json") as? [String: Any])
        let training = try PreProcessingGoldenTests.Training()
        let fits = try Fits(features: training.features)
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
        let fits = try Fits(features: training.features)
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
