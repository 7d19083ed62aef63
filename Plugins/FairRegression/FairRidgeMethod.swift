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
    private var coefficients: [Double] = []
    private var intercept = 0.0

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        alpha = parameters.number("alpha")
        lambda = parameters.number("lambda")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let matrix = train.matrix.pointee
        guard Int(matrix.leading_dimension) == train.rows else { throw PluginError.invalidInput("the features are not contiguous columns") }
        (coefficients, intercept) = try FairRidge.fit(
            features: UnsafeBufferPointer(start: matrix.data, count: train.rows * train.cols), rows: train.rows, cols: train.cols,
            labels: labels, weights: train.weights, groupCodes: codes, groupCount: train.groups.count, alpha: alpha, lambda: lambda,
            blas: host.blas)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard data.cols == coefficients.count else { throw PluginError.invalidInput("fitted on \(coefficients.count) features, given \(data.cols)") }
        var predictions = [Double](repeating: intercept, count: data.rows)
        for j in 0..<data.cols {
            let column = data.column(j), beta = coefficients[j]
            for i in 0..<data.rows { predictions[i] += beta * column[i] }
        }
        for i in 0..<data.rows { output.predictions[i] = predictions[i] }
    }
}
