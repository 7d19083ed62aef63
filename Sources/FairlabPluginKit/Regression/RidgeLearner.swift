import CFairlabPlugin

/// Weighted ridge regression (`FairRidge` without its penalty: the host's baseline learner, α = 1 by default) as
/// the reductions' best-response oracle, over column-major training features that outlive the search.
public final class RidgeLearner: ReductionLearner {
    /// A fitted ridge model.
    public struct Model {
        /// One coefficient per feature.
        public let coefficients: [Double]
        /// The intercept.
        public let intercept: Double

        /// A model with these parameters.
        public init(coefficients: [Double], intercept: Double) {
            self.coefficients = coefficients
            self.intercept = intercept
        }

        /// xβ + b for every row of column-major `features` (`rows` × the model's features).
        public func predict(_ features: UnsafeBufferPointer<Double>, rows: Int) throws -> [Double] {
            guard features.count == rows * coefficients.count else {
                throw PluginError.invalidInput("fitted on \(coefficients.count) feature columns, given \(rows == 0 ? 0 : features.count / rows)")
            }
            var predictions = [Double](repeating: intercept, count: rows)
            for (j, beta) in coefficients.enumerated() {
                let column = features.baseAddress! + j * rows
                for i in 0..<rows { predictions[i] += beta * column[i] }
            }
            return predictions
        }
    }

    private let features: UnsafeBufferPointer<Double>
    private let rows: Int
    private let cols: Int
    private let labels: [Double]
    private let alpha: Double
    private let blas: fl_blas

    /// A learner on `features` (rows × cols, column-major), `labels` and ridge penalty `alpha`.
    public init(features: UnsafeBufferPointer<Double>, rows: Int, cols: Int, labels: [Double], alpha: Double, blas: fl_blas) {
        self.features = features
        self.rows = rows
        self.cols = cols
        self.labels = labels
        self.alpha = alpha
        self.blas = blas
    }

    /// A ridge fit of the labels with weights |w| · `scale`, and its training predictions.
    public func fit(signedWeights: [Double], scale: Double) throws -> (model: Model, predictions: [Double]) {
        let weights = signedWeights.map { scale * abs($0) }
        let (coefficients, intercept) = try labels.withUnsafeBufferPointer { labels in
            try weights.withUnsafeBufferPointer { weights in
                try FairRidge.fit(
                    features: features, rows: rows, cols: cols, labels: labels, weights: weights, groups: nil, alpha: alpha, lambda: 0, blas: blas)
            }
        }
        let model = Model(coefficients: coefficients, intercept: intercept)
        return (model, try model.predict(features, rows: rows))
    }

    /// Nothing to free: a model is two arrays.
    public func release(_ model: Model) {}
}
