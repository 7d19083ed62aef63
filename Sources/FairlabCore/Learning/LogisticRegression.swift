import CFairlabKernels
import COpenBLAS
import Foundation

/// Weighted, L2-regularised binary logistic regression with an unpenalised intercept: the host's base learner.
///
/// It minimises `C · Σ wᵢ ℓᵢ(β, b) + ½‖β‖²`, where `ℓᵢ` is the log-loss of row i, the same objective (and
/// therefore the same optimum) as scikit-learn's `LogisticRegression(C=C)`. It is solved by Newton's method
/// with a backtracking line search, whose quadratic convergence reaches the optimum to machine precision in a
/// handful of iterations. Two ways to find each Newton step share everything else:
///
/// - **Cholesky** (up to `Options.conjugateGradientWidth` features): the Hessian `C·Xᵀ diag(d) X + I` is formed
///   (one single-precision `cblas_ssyrk` per iteration for dense data, enough for a Newton direction, over a
///   quarter of the rows in the first steps, `RowSample`; for data that is mostly one value per column, one-hot
///   encodings, the same products run over the sparse matrix X − 1vᵀ, `SparseDesign`) and factorised. Its cost
///   grows with the cube of the number of features.
/// - **Truncated Newton** (wider data, such as thousands of one-hot columns): the step is found by
///   preconditioned conjugate gradients using only Hessian-vector products `Xᵀ(d ⊙ Xv)`, so an iteration costs
///   a few passes over the (sparse) design, linear in the features, and no p × p matrix is ever held.
///
/// Both stop on the same test (half the Newton decrement below `relativeTolerance` of the objective) and reach
/// the same optimum.
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
        /// From this many features on, Newton steps come from conjugate gradients instead of a Cholesky
        /// factorisation of the Hessian. Measured on one-hot data with 20,000 rows (tools/bench/wide_fit.py,
        /// `fairlab-bench learner-file --cg-width`): Cholesky 0.042 s and truncated Newton 0.075 s at 200
        /// features, 0.173 s and 0.092 s at 400, 2.40 s and 0.167 s at 1,000.
        public var conjugateGradientWidth: Int = 300

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

    /// Fits on `features` and 0/1 `labels` with instance `weights`; with `start` (a model over the same features),
    /// Newton's method starts from its coefficients, as a reduction refitting on slightly changed weights wants.
    public static func fit(
        features: Matrix, labels: [Double], weights: [Double]? = nil, options: Options = Options(), start: LogisticRegression? = nil
    ) throws -> LogisticRegression {
        try fit(prepared: PreparedFeatures(features, allowSparse: options.allowSparseProducts), labels: labels, weights: weights,
                options: options, start: start)
    }

    /// Fits on features prepared once (`options.allowSparseProducts` was the preparation's to apply).
    public static func fit(
        prepared: PreparedFeatures, labels: [Double], weights: [Double]? = nil, options: Options = Options(), start: LogisticRegression? = nil
    ) throws -> LogisticRegression {
        let features = prepared.features
        let n = features.rows
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

        if let start, start.coefficients.count != features.cols {
            throw FairlabError("logistic regression: the warm start has \(start.coefficients.count) coefficients for \(features.cols) features")
        }
        let design = prepared.design
        // A start's intercept is the design's own (see `DesignMatrix.columnOffsets`): z = Dβ + c = Xβ + (c − vᵀβ).
        // Without a start: the intercept-only optimum, which saves one or two Newton steps.
        let startIntercept = start.map { model in zip(design.columnOffsets, model.coefficients).reduce(model.intercept) { $0 + $1.0 * $1.1 } }
        var problem = NewtonProblem(
            design: design, labels: labels, weights: sampleWeights, c: options.inverseRegularization,
            intercept: startIntercept ?? log(positiveWeight / negativeWeight), beta: start?.coefficients,
            convergedTolerance: min(1e-12, options.relativeTolerance))
        let useConjugateGradients = features.cols >= options.conjugateGradientWidth
        var iteration = 0
        while iteration < options.maximumIterations {
            iteration += 1
            problem.computeDerivatives()
            let step = useConjugateGradients ? problem.conjugateGradientStep() : try problem.choleskyStep(iteration: iteration)
            // Half the Newton decrement estimates the remaining suboptimality. Below tolerance, the step is
            // still taken: it costs one more line search and squares the remaining error.
            let slope = zip(problem.gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
            // A step from a sampled Hessian estimates the decrement too roughly to stop on.
            let converged = !problem.stepFromSample && -slope / 2 <= options.relativeTolerance * max(1, abs(problem.value))
            let accepted = problem.lineSearch(along: step, slope: slope, converged: converged)
            if !accepted && problem.stepFromSample {
                // The sample misjudged the curvature: every row from here on.
                problem.takeEveryRow()
                continue
            }
            // No decrease along a descent direction means we are at the optimum to rounding error.
            if converged || !accepted { break }
        }
        return LogisticRegression(coefficients: problem.beta, intercept: problem.interceptForFeatures, iterations: iteration)
    }

    /// P(label = 1) for every row of `features`.
    public func scores(_ features: Matrix) -> [Double] {
        precondition(features.cols == coefficients.count, "model has \(coefficients.count) coefficients, data \(features.cols) features")
        var linear = features.multiplied(by: coefficients)
        for i in 0..<linear.count { linear[i] += intercept }
        return [Double](unsafeUninitializedCapacity: linear.count) { scores, count in
            fairlab_sigmoid(linear, Int64(linear.count), scores.baseAddress!)
            count = linear.count
        }
    }

    /// The mean (weighted) log-loss of the model on `features` and `labels`, as scikit-learn's `log_loss`.
    public func logLoss(_ features: Matrix, labels: [Double], weights: [Double]? = nil) -> Double {
        let linear = features.multiplied(by: coefficients)
        var total = 0.0
        var weightSum = 0.0
        for i in 0..<labels.count {
            let z = linear[i] + intercept
            let w = weights?[i] ?? 1
            total += w * fairlab_cross_entropy_of(z, labels[i])
            weightSum += w
        }
        return total / weightSum
    }
}

/// The state of one Newton fit in the design's parametrisation: coefficients β, intercept c, the linear
/// predictor z = Dβ + c, and the derivatives at the current point. Both step finders and the line search work on
/// it.
private struct NewtonProblem {
    let design: DesignMatrix
    let labels: [Double]
    let weights: [Double]
    let c: Double
    var beta: [Double]
    var intercept: Double
    var linear: [Double]
    var value: Double = 0
    /// ∂f/∂(β, c): p + 1 values.
    var gradient: [Double]
    /// C w (σ(z) − y) per row.
    var residual: [Double]
    /// C w σ(z)(1 − σ(z)) per row: the Hessian's row weights.
    var curvature: [Double]
    private var direction: [Double]
    private var candidateLinear: [Double]
    private var candidateBeta: [Double]
    /// Scratch, a value per row: σ(z) in `computeDerivatives`, the log-loss in `objective`.
    private var probabilities: [Double], lossTerms: [Double]
    /// Whether the last step came from a Hessian formed over a sample of the rows.
    private(set) var stepFromSample = false
    /// Set once a sampled step failed: no more samples.
    private var everyRow = false
    /// −gᵀs of the last accepted step (twice the decrease its quadratic model predicted); before the first step,
    /// infinite from a cold start and 0 from a warm one, which is near the optimum and so takes every row.
    private var lastPredictedDecrease: Double
    /// The relative rise of the objective a converged step may cause and still be taken (rounding).
    private let convergedTolerance: Double

    var rows: Int { design.rows }
    var cols: Int { design.cols }

    init(
        design: DesignMatrix, labels: [Double], weights: [Double], c: Double, intercept: Double, beta start: [Double]?,
        convergedTolerance: Double
    ) {
        self.design = design
        self.convergedTolerance = convergedTolerance
        lastPredictedDecrease = start == nil ? .infinity : 0
        self.labels = labels
        self.weights = weights
        self.c = c
        self.intercept = intercept
        let n = design.rows, p = design.cols
        beta = start ?? [Double](repeating: 0, count: p)
        linear = [Double](repeating: intercept, count: n)
        if let start {
            var product = [Double](repeating: 0, count: n)
            design.multiply(start, into: &product)
            for i in 0..<n { linear[i] += product[i] }
        }
        gradient = [Double](repeating: 0, count: p + 1)
        residual = [Double](repeating: 0, count: n)
        curvature = [Double](repeating: 0, count: n)
        direction = [Double](repeating: 0, count: n)
        candidateLinear = [Double](repeating: 0, count: n)
        candidateBeta = [Double](repeating: 0, count: p)
        probabilities = [Double](repeating: 0, count: n)
        lossTerms = probabilities
        value = objective(linear, beta)
    }

    /// The intercept on the original features: z = Dβ + c = Xβ + (c − vᵀβ).
    var interceptForFeatures: Double {
        var result = intercept
        for j in 0..<cols { result -= design.columnOffsets[j] * beta[j] }
        return result
    }

    /// The objective at linear predictor `z` and coefficients `beta` (`lossTerms` its scratch: each row's
    /// cross-entropy, computed in one vectorised pass).
    mutating func objective(_ z: [Double], _ beta: [Double]) -> Double {
        fairlab_cross_entropy(z, labels, Int64(rows), &lossTerms)
        var loss = 0.0
        for i in 0..<rows where weights[i] > 0 {
            loss += weights[i] * lossTerms[i]
        }
        var penalty = 0.0
        for v in beta { penalty += v * v }
        return c * loss + 0.5 * penalty
    }

    /// Residuals, curvatures and the gradient g = (Dᵀ r + β, Σ r) at the current point.
    mutating func computeDerivatives() {
        fairlab_sigmoid(linear, Int64(rows), &probabilities)
        for i in 0..<rows {
            let probability = probabilities[i]
            let cw = c * weights[i]
            residual[i] = cw * (probability - labels[i])
            curvature[i] = cw * probability * (1 - probability)
        }
        var betaGradient = [Double](repeating: 0, count: cols)
        design.transposeMultiply(residual, into: &betaGradient)
        for j in 0..<cols { gradient[j] = betaGradient[j] + beta[j] }
        gradient[cols] = residual.reduce(0, +)
    }

    /// The Newton step from the factorised Hessian [[Dᵀ diag(d) D + I, Dᵀ d], [dᵀ D, Σ d]].
    mutating func choleskyStep(iteration: Int) throws -> [Double] {
        let size = cols + 1, sample = gramSample
        stepFromSample = false
        guard let factor = formFactor(over: sample) else {
            // The exact Hessian is positive definite (the penalty adds I); only a single-precision Gram's rounding on
            // near-collinear columns can make its copy fail, and conjugate gradients use exact products instead.
            if design.approximateGram { return conjugateGradientStep() }
            throw FairlabError("logistic regression: the Hessian is not positive definite (iteration \(iteration))")
        }
        stepFromSample = sample.isQuarter
        var step = factor.solve(gradient.map { -$0 })
        // A sampled Hessian's step is not refined: refinement with a factor F of H moves toward H⁻¹ only where
        // H ≺ 2F, which a sample that missed a rare column's rows breaks; F's own step is a descent direction.
        if design.approximateGram && !stepFromSample {
            // One step of iterative refinement against the exact Hessian (its products, in double, cost two
            // passes over X), with the same factor: the single-precision Gram's error in the step is squared away,
            // and Newton's quadratic convergence, which the stopping test relies on, is kept.
            var product = [Double](repeating: 0, count: size), scratch = [Double](repeating: 0, count: rows)
            hessianProduct(step, scratch: &scratch, into: &product)
            let correction = factor.solve((0..<size).map { -gradient[$0] - product[$0] })
            for k in 0..<size { step[k] += correction[k] }
        }
        return step
    }

    /// The rows the next Hessian is formed over. A single-precision Gram may come from a quarter of the rows while
    /// the last step's −gᵀs (twice the decrease its quadratic model promised) exceeded 5 % of the objective, that
    /// is, in the first few steps of a cold start, far from the optimum, where the curvatures are still changing
    /// anyway; after that every row counts (on Adult, sampling until moves fell below 1 converged in 15 iterations
    /// instead of 10). Small data always takes every row (a quarter of it would estimate the Hessian poorly).
    private var gramSample: RowSample {
        design.approximateGram && lastPredictedDecrease > 0.05 * abs(value) && !everyRow
            && rows >= 16 * RowSample.run * RowSample.period && rows >= 80 * cols ? .quarter : .all
    }

    /// Forms every later Hessian over every row.
    mutating func takeEveryRow() { everyRow = true }

    /// The Cholesky factor of the Hessian at the current point, formed over `sample`'s rows, or nil if it is not
    /// numerically positive definite.
    private func formFactor(over sample: RowSample) -> CholeskySolver? {
        let p = cols, size = p + 1
        var hessianBlock = [Double](repeating: 0, count: p * p)
        var crossTerm = [Double](repeating: 0, count: p)
        var hessian = [Double](repeating: 0, count: size * size)
        design.weightedGram(curvature, over: sample, block: &hessianBlock, cross: &crossTerm)
        // A column whose few non-zero rows the sample missed would get almost no curvature, and a huge step: its
        // diagonal, and the intercept's, are raised to the exact ones (raising a diagonal keeps the matrix positive
        // definite). One more pass over X, without a product per pair of columns.
        let exactDiagonal = sample.isQuarter ? design.weightedColumnSquares(curvature) : []
        for j in exactDiagonal.indices { hessianBlock[j + j * p] = max(hessianBlock[j + j * p], exactDiagonal[j]) }
        for j in 0..<p {
            for i in 0...j { hessian[i + j * size] = hessianBlock[i + j * p] }
            hessian[j + j * size] += 1
            hessian[j + p * size] = crossTerm[j]
        }
        // The intercept's curvature over the same rows, so the matrix stays a Gram matrix (positive definite), raised
        // to the exact Σ d with a sample.
        let sampledTotal = sample.ranges(rows: rows).reduce(0) { total, range in range.reduce(total) { $0 + curvature[$1] } } * sample.weight
        hessian[p + p * size] = sample.isQuarter ? max(sampledTotal, curvature.reduce(0, +)) : sampledTotal
        return CholeskySolver(factoring: hessian, size: size)
    }

    /// H·v for v = (v_β, v_c): with u = D v_β + v_c and t = d ⊙ u, H v = (Dᵀ t + v_β, Σ t).
    private func hessianProduct(_ v: [Double], scratch: inout [Double], into result: inout [Double]) {
        let p = cols
        design.multiply(Array(v[0..<p]), into: &scratch)
        var total = 0.0
        for i in 0..<rows {
            scratch[i] = curvature[i] * (scratch[i] + v[p])
            total += scratch[i]
        }
        var betaPart = [Double](repeating: 0, count: p)
        design.transposeMultiply(scratch, into: &betaPart)
        for j in 0..<p { result[j] = betaPart[j] + v[j] }
        result[p] = total
    }

    /// An inexact Newton step: preconditioned conjugate gradients on H s = −g, stopped when the residual falls
    /// below η‖g‖ with η = min(½, ‖g‖) (a forcing term that keeps Newton's quadratic convergence near the
    /// optimum while far from it a few cheap iterations do). The preconditioner is the Hessian's diagonal.
    func conjugateGradientStep() -> [Double] {
        let size = cols + 1
        var diagonal = design.weightedColumnSquares(curvature).map { $0 + 1 }
        diagonal.append(curvature.reduce(0, +))
        let gradientNorm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let target = min(0.5, gradientNorm) * gradientNorm
        var step = [Double](repeating: 0, count: size)
        var residual = gradient.map { -$0 }       // r = −g − H s, with s = 0
        var preconditioned = (0..<size).map { residual[$0] / diagonal[$0] }
        var search = preconditioned
        var product = [Double](repeating: 0, count: size)
        var scratch = [Double](repeating: 0, count: rows)
        var rho = zip(residual, preconditioned).reduce(0) { $0 + $1.0 * $1.1 }
        // In exact arithmetic CG ends within `size` iterations; rounding on ill-conditioned data needs more.
        for _ in 0..<(2 * size + 20) {
            if residual.reduce(0, { $0 + $1 * $1 }).squareRoot() <= target { break }
            hessianProduct(search, scratch: &scratch, into: &product)
            let curvatureAlong = zip(search, product).reduce(0) { $0 + $1.0 * $1.1 }
            guard curvatureAlong > 0 else { break }
            let alpha = rho / curvatureAlong
            for k in 0..<size {
                step[k] += alpha * search[k]
                residual[k] -= alpha * product[k]
                preconditioned[k] = residual[k] / diagonal[k]
            }
            let nextRho = zip(residual, preconditioned).reduce(0) { $0 + $1.0 * $1.1 }
            for k in 0..<size { search[k] = preconditioned[k] + (nextRho / rho) * search[k] }
            rho = nextRho
        }
        return step
    }

    /// Backtracking (Armijo) line search along `step`; moves there and returns true on sufficient decrease.
    ///
    /// A `converged` step's predicted decrease is below the objective's rounding error, so Armijo's test is
    /// meaningless there (it halved Adult's last step 15 times, a tenth of the fit): the full step is taken unless
    /// the objective rises beyond rounding, and otherwise none.
    mutating func lineSearch(along step: [Double], slope: Double, converged: Bool) -> Bool {
        let p = cols
        design.multiply(Array(step[0..<p]), into: &direction)
        var stepLength = 1.0
        for _ in 0..<(converged ? 1 : 40) {
            for i in 0..<rows { candidateLinear[i] = linear[i] + stepLength * (direction[i] + step[p]) }
            for j in 0..<p { candidateBeta[j] = beta[j] + stepLength * step[j] }
            let candidateValue = objective(candidateLinear, candidateBeta)
            let tolerance = converged ? convergedTolerance * max(1, abs(value)) : 1e-4 * stepLength * slope
            if candidateValue <= value + tolerance {
                lastPredictedDecrease = -slope
                swap(&linear, &candidateLinear)
                swap(&beta, &candidateBeta)
                intercept += stepLength * step[p]
                value = candidateValue
                return true
            }
            stepLength /= 2
        }
        return false
    }
}

/// The logistic function, computed without overflow (the kernels' `fairlab_sigmoid_of`: the same bits as the
/// vectorised passes over many values).
public func sigmoid(_ z: Double) -> Double {
    fairlab_sigmoid_of(z)
}
