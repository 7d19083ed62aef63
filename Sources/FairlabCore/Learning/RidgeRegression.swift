import COpenBLAS

/// Weighted ridge regression with an unpenalised intercept: the host's base learner for regression data.
///
/// It minimises `Σ wᵢ (yᵢ − xᵢβ − b)² + α‖β‖²`, the objective (and so the solution) of scikit-learn's
/// `Ridge(alpha=α)` with `sample_weight`. The intercept is eliminated by centring the features and labels on
/// their weighted means, which leaves the normal equations `(X̃ᵀ W X̃ + α I) β = X̃ᵀ W ỹ`, with `b = ȳ − x̄ β`:
/// one `cblas_dsyrk` for the Gram matrix and a Cholesky solve, exact in one step.
public struct RidgeRegression: Sendable, Equatable {
    /// One coefficient per feature.
    public let coefficients: [Double]
    /// The intercept.
    public let intercept: Double

    /// A model with the given parameters.
    public init(coefficients: [Double], intercept: Double) {
        self.coefficients = coefficients
        self.intercept = intercept
    }

    /// Fits on `features` and real `labels` with instance `weights` (nil: all 1) and penalty `alpha` ≥ 0.
    public static func fit(features: Matrix, labels: [Double], weights: [Double]? = nil, alpha: Double = 1) throws -> RidgeRegression {
        let n = features.rows, p = features.cols
        guard labels.count == n else { throw FairlabError("ridge regression: \(labels.count) labels for \(n) rows") }
        let w = weights ?? [Double](repeating: 1, count: n)
        guard w.count == n else { throw FairlabError("ridge regression: \(w.count) weights for \(n) rows") }
        guard alpha >= 0, alpha.isFinite else { throw FairlabError("ridge regression: alpha \(alpha) is not a finite non-negative number") }
        if let bad = labels.firstIndex(where: { !$0.isFinite }) { throw FairlabError("ridge regression: label \(labels[bad]) at row \(bad) is not finite") }
        if let bad = w.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw FairlabError("ridge regression: weight \(w[bad]) at row \(bad) is not a finite non-negative number")
        }
        let total = w.reduce(0, +)
        guard total > 0 else { throw FairlabError("ridge regression: the weights sum to 0") }
        let labelMean = zip(w, labels).reduce(0) { $0 + $1.0 * $1.1 } / total
        guard p > 0 else { return RidgeRegression(coefficients: [], intercept: labelMean) }

        // √w ⊙ (x − x̄) column by column, and √w ⊙ (y − ȳ).
        let roots = w.map { $0.squareRoot() }
        var means = [Double](repeating: 0, count: p)
        var scaled = [Double](repeating: 0, count: n * p)
        features.withUnsafeStorage { x in
            for j in 0..<p {
                var sum = 0.0
                for i in 0..<n { sum += w[i] * x[j * n + i] }
                means[j] = sum / total
                for i in 0..<n { scaled[j * n + i] = roots[i] * (x[j * n + i] - means[j]) }
            }
        }
        let target = (0..<n).map { roots[$0] * (labels[$0] - labelMean) }
        var gram = [Double](repeating: 0, count: p * p)
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, BLAS.dimension(p), BLAS.dimension(n), 1, scaled, BLAS.dimension(n), 0, &gram,
                    BLAS.dimension(p))
        for j in 0..<p { gram[j + j * p] += alpha }
        var right = [Double](repeating: 0, count: p)
        cblas_dgemv(CblasColMajor, CblasTrans, BLAS.dimension(n), BLAS.dimension(p), 1, scaled, BLAS.dimension(n), target, 1, 0, &right, 1)
        guard let beta = CholeskySolver(factoring: gram, size: p)?.solve(right) else {
            throw FairlabError("ridge regression: the normal equations are singular (alpha = 0 with collinear or constant features?)")
        }
        let intercept = labelMean - zip(means, beta).reduce(0) { $0 + $1.0 * $1.1 }
        return RidgeRegression(coefficients: beta, intercept: intercept)
    }

    /// The prediction xβ + b for every row of `features`.
    public func predict(_ features: Matrix) -> [Double] {
        precondition(features.cols == coefficients.count, "model has \(coefficients.count) coefficients, data \(features.cols) features")
        return features.multiplied(by: coefficients).map { $0 + intercept }
    }
}
