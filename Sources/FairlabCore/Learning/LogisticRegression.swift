import COpenBLAS
import Foundation

/// Weighted, L2-regularised binary logistic regression with an unpenalised intercept: the host's base learner.
///
/// It minimises `C · Σ wᵢ ℓᵢ(β, b) + ½‖β‖²`, where `ℓᵢ` is the log-loss of row i, the same objective (and
/// therefore the same optimum) as scikit-learn's `LogisticRegression(C=C)`. It is solved by Newton's method
/// with a backtracking line search, whose quadratic convergence reaches the optimum to machine precision in a
/// handful of iterations. The Hessian `C·Xᵀ diag(d) X + I` is one `cblas_dsyrk` per iteration for dense data;
/// for data that is mostly one value per column (one-hot encodings), the same products run over the sparse
/// matrix X − 1vᵀ (`SparseDesign`), which gives the same optimum at a fraction of the cost.
public struct LogisticRegression: Sendable, Equatable {
    /// How the model is fitted.
    public struct Options: Sendable, Equatable {
        /// Inverse regularisation strength, as scikit-learn's `C`.
        public var inverseRegularization: Double = 1.0
        /// Stop after the step whose half Newton decrement falls below this fraction of the objective.
        public var relativeTolerance: Double = 1e-10
        /// Whether mostly-constant columns may use the sparse products (false forces dense BLAS products).
        public var allowSparseProducts = true
        /// Upper bound on Newton iterations.
        public var maximumIterations: Int = 100

        /// Default options: `C = 1`, converged to machine precision.
        public init() {}
    }

    /// One coefficient per feature.
    public let coefficients: [Double]
    /// The intercept.
    public let intercept: Double
    /// Newton iterations the fit took.
    public let iterations: Int

    /// A model with the given parameters (for instance, read back from a file).
    public init(coefficients: [Double], intercept: Double, iterations: Int = 0) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.iterations = iterations
    }

    /// Fits on `features` (rows × features) with 0/1 `labels` and optional non-negative `weights`.
    public static func fit(
        features: Matrix, labels: [Double], weights: [Double]? = nil, options: Options = Options()
    ) throws -> LogisticRegression {
        let n = features.rows
        let p = features.cols
        guard labels.count == n else {
            throw FairlabError("logistic regression: \(labels.count) labels for \(n) rows")
        }
        let sampleWeights = weights ?? [Double](repeating: 1, count: n)
        guard sampleWeights.count == n else {
            throw FairlabError("logistic regression: \(sampleWeights.count) weights for \(n) rows")
        }
        var positiveWeight = 0.0
        var negativeWeight = 0.0
        for i in 0..<n {
            let y = labels[i]
            let w = sampleWeights[i]
            guard y == 0 || y == 1 else { throw FairlabError("logistic regression: label \(y) at row \(i) is not 0 or 1") }
            guard w >= 0, w.isFinite else { throw FairlabError("logistic regression: weight \(w) at row \(i) is not a finite non-negative number") }
            if y == 1 { positiveWeight += w } else { negativeWeight += w }
        }
        guard positiveWeight > 0, negativeWeight > 0 else {
            throw FairlabError("logistic regression: the (weighted) labels have only one class")
        }
        guard features.storage.allSatisfy({ $0.isFinite }) else {
            throw FairlabError("logistic regression: features contain NaN or infinite values")
        }

        let c = options.inverseRegularization
        let design = makeDesign(features, allowSparse: options.allowSparseProducts)
        var beta = [Double](repeating: 0, count: p)
        // The intercept of the design's own parametrisation (see `DesignMatrix.columnOffsets`), started at the
        // intercept-only optimum, which saves one or two Newton steps.
        var intercept = log(positiveWeight / negativeWeight)
        var linear = [Double](repeating: intercept, count: n)   // D β + c
        var direction = [Double](repeating: 0, count: n)        // D Δβ
        var candidateLinear = [Double](repeating: 0, count: n)  // line-search trial of D β + c
        var candidateBeta = [Double](repeating: 0, count: p)
        var residual = [Double](repeating: 0, count: n)         // C w (σ(z) − y)
        var curvature = [Double](repeating: 0, count: n)        // C w σ(z)(1 − σ(z))
        var hessianBlock = [Double](repeating: 0, count: p * p)
        var crossTerm = [Double](repeating: 0, count: p)
        let size = p + 1

        func objective(_ z: [Double], _ beta: [Double]) -> Double {
            var loss = 0.0
            for i in 0..<n where sampleWeights[i] > 0 {
                loss += sampleWeights[i] * (softplus(z[i]) - labels[i] * z[i])
            }
            var penalty = 0.0
            for v in beta { penalty += v * v }
            return c * loss + 0.5 * penalty
        }

        var value = objective(linear, beta)
        var iteration = 0
        while iteration < options.maximumIterations {
            iteration += 1
            for i in 0..<n {
                let probability = sigmoid(linear[i])
                let cw = c * sampleWeights[i]
                residual[i] = cw * (probability - labels[i])
                curvature[i] = cw * probability * (1 - probability)
            }
            // Gradient: g_β = Dᵀ r + β, g_c = Σ r.
            var gradient = [Double](repeating: 0, count: size)
            var betaGradient = [Double](repeating: 0, count: p)
            design.transposeMultiply(residual, into: &betaGradient)
            for j in 0..<p { gradient[j] = betaGradient[j] + beta[j] }
            gradient[p] = residual.reduce(0, +)

            // Hessian: [[Dᵀ diag(d) D + I, Dᵀ d], [dᵀ D, Σ d]], upper triangle, column-major (size × size).
            var hessian = [Double](repeating: 0, count: size * size)
            design.weightedGram(curvature, block: &hessianBlock, cross: &crossTerm)
            for j in 0..<p {
                for i in 0...j { hessian[i + j * size] = hessianBlock[i + j * p] }
                hessian[j + j * size] += 1
                hessian[j + p * size] = crossTerm[j]
            }
            hessian[p + p * size] = curvature.reduce(0, +)

            guard let step = CholeskySolver.solve(hessian, gradient.map { -$0 }, size: size) else {
                throw FairlabError("logistic regression: the Hessian is not positive definite (iteration \(iteration))")
            }
            var slope = 0.0
            for j in 0..<size { slope += gradient[j] * step[j] }
            // Half the Newton decrement estimates the remaining suboptimality. Below tolerance, the step is
            // still taken: it costs one more line search and squares the remaining error.
            let converged = -slope / 2 <= options.relativeTolerance * max(1, abs(value))

            // Backtracking (Armijo) line search along the Newton direction.
            design.multiply(Array(step[0..<p]), into: &direction)
            var stepLength = 1.0
            var accepted = false
            for _ in 0..<40 {
                for i in 0..<n { candidateLinear[i] = linear[i] + stepLength * (direction[i] + step[p]) }
                for j in 0..<p { candidateBeta[j] = beta[j] + stepLength * step[j] }
                let candidateValue = objective(candidateLinear, candidateBeta)
                if candidateValue <= value + 1e-4 * stepLength * slope {
                    swap(&linear, &candidateLinear)
                    swap(&beta, &candidateBeta)
                    intercept += stepLength * step[p]
                    value = candidateValue
                    accepted = true
                    break
                }
                stepLength /= 2
            }
            // No decrease along a descent direction means we are at the optimum to rounding error.
            if converged || !accepted { break }
        }
        // Back to the parametrisation of X: z = Dβ + c = Xβ + (c − vᵀβ).
        for j in 0..<p { intercept -= design.columnOffsets[j] * beta[j] }
        return LogisticRegression(coefficients: beta, intercept: intercept, iterations: iteration)
    }

    /// P(label = 1) for every row of `features`.
    public func scores(_ features: Matrix) -> [Double] {
        precondition(features.cols == coefficients.count, "model has \(coefficients.count) coefficients, data \(features.cols) features")
        var linear = features.multiplied(by: coefficients)
        for i in 0..<linear.count { linear[i] = sigmoid(linear[i] + intercept) }
        return linear
    }

    /// The mean (weighted) log-loss of the model on `features` and `labels`, as scikit-learn's `log_loss`.
    public func logLoss(_ features: Matrix, labels: [Double], weights: [Double]? = nil) -> Double {
        let linear = features.multiplied(by: coefficients)
        var total = 0.0
        var weightSum = 0.0
        for i in 0..<labels.count {
            let z = linear[i] + intercept
            let w = weights?[i] ?? 1
            total += w * (softplus(z) - labels[i] * z)
            weightSum += w
        }
        return total / weightSum
    }
}

/// The logistic function, computed without overflow.
@inline(__always)
public func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// log(1 + eᶻ), computed without overflow.
@inline(__always)
func softplus(_ z: Double) -> Double {
    max(z, 0) + log1p(exp(-abs(z)))
}
