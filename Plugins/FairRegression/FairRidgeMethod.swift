import CFairlabPlugin
import FairlabPluginKit

/// In-processing: `FairRidge`, ridge regression penalised by the squared gaps between groups' mean predictions.
final class FairRidgeMethod: FairlabMethod {
    static let parameters = [
        Parameter("alpha", .real(minimum: 0, maximum: 1e12), default: "1", description: "ridge penalty on the coefficients (the baseline's is 1)"),
        Parameter("lambda", .real(minimum: 0, maximum: 1e12), default: "1",
                  description: "weight of the squared mean-prediction gap between groups against the mean squared error"),
    ]

    private let host: HostServices
    private let alpha: Double
    private let lambda: Double
    private var model: RidgeLearner.Model?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        alpha = parameters.number("alpha")
        lambda = parameters.number("lambda")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let (coefficients, intercept) = try FairRidge.fit(
            features: try train.contiguousFeatures(), rows: train.rows, cols: train.cols,
            labels: labels, weights: train.weights, groups: (codes, train.groups.count), alpha: alpha, lambda: lambda,
            blas: host.blas)
        model = RidgeLearner.Model(coefficients: coefficients, intercept: intercept)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let model else { throw PluginError.invalidInput("predict before fit") }
        let predictions = try model.predict(try data.contiguousFeatures(), rows: data.rows)
        for i in 0..<data.rows { output.predictions[i] = predictions[i] }
    }
}
