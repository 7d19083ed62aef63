import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Zafar et al.'s (2017) fairness-constrained logistic regression: the (weighted) logistic loss, a sum over the
/// rows, plus ‖w‖² / (2C) on the feature weights (not the intercept, as scikit-learn and the host's learner),
/// over weights θ = (w, intercept), subject to
/// |cov(z_g, θᵀx)| = |(1/N) Σ_i (z_ig − z̄_g) θᵀx_i| ≤ t for every group g (z_ig = 1 when row i is in g; for two
/// groups this is Zafar's one constraint on the binary attribute, for more his one-hot categories). The
/// constraints are linear in θ, so the problem is convex; it is solved by the method of multipliers
/// (Powell–Hestenes–Rockafellar augmented Lagrangian, Nocedal & Wright ch. 17.4) with L-BFGS inside, where
/// Zafar's code calls SLSQP. Zafar's code has no penalty (C = ∞); then θ may run to infinity along a direction
/// that separates a few rows (a rare one-hot category of one label), and the covariance, linear in the margins,
/// can be moved along it at no cost: the penalty keeps the problem well posed.
struct CovarianceConstrainedLogistic {
    /// A solution: the weights (features, then the intercept), its loss and largest |covariance|, and why its solver
    /// stopped short of convergence (nil when it converged).
    struct Solution {
        var theta: [Double]
        var loss: Double
        var largestCovariance: Double
        var outerIterations: Int
        var innerIterations: Int
        var unconverged: String? = nil
    }

    /// The most Newton steps `newton` takes (it converges in about ten).
    static let newtonStepLimit = 200
    /// The most multiplier updates of `solve`'s augmented Lagrangian.
    static let multiplierUpdateLimit = 60

    let rows: Int
    /// Features plus the intercept.
    let width: Int
    /// rows × width, the last column 1: products over its non-zero values when most are zero (`FeatureMatrix`).
    let design: FeatureMatrix
    /// 0/1 labels.
    let labels: [Double]
    private let weights: [Double]
    /// 1 / C: the weight of ½‖w‖².
    private let ridge: Double
    /// One covariance row a_g per group, each `width` long: cov_g(θ) = a_g · θ.
    let covarianceRows: [[Double]]
    let blas: fl_blas

    /// The problem on `design` (rows × width, last column 1), labels 0/1, row weights and each row's group.
    init(design: FeatureMatrix, labels: [Double], weights: [Double], groups: [Int], groupCount: Int, inverseRegularization c: Double, blas: fl_blas) {
        ridge = 1 / c
        self.design = design
        rows = design.rows
        width = design.cols
        self.labels = labels
        self.weights = weights
        self.blas = blas
        // a_g = Xᵀ (z_g − z̄_g) / N, one product per group.
        let n = Double(rows)
        covarianceRows = (0..<groupCount).map { g in
            let share = Double(groups.filter { $0 == g }.count) / n
            let centred = groups.map { (($0 == g ? 1 : 0) - share) / n }
            var row = [Double](repeating: 0, count: design.cols)
            design.transposeTimes(centred, into: &row)
            return row
        }
    }

    /// Every row's margin θᵀx_i.
    func margins(_ theta: [Double]) -> [Double] {
        var margins = [Double](repeating: 0, count: rows)
        writeMargins(theta, into: &margins)
        return margins
    }

    private func writeMargins(_ theta: [Double], into margins: inout [Double]) {
        design.times(theta, into: &margins)
    }

    /// The loss Σ w_i CE(θᵀx_i, y_i) + ‖w‖² / (2C); with `gradient`, also writes its gradient there.
    func loss(_ theta: [Double], gradient: UnsafeMutablePointer<Double>? = nil) -> Double {
        var margins = [Double](repeating: 0, count: rows)
        return loss(theta, gradient: gradient, margins: &margins)
    }

    /// The loss and (with `gradient`) its gradient, leaving every row's margin θᵀx_i in `margins` (Newton's Hessian
    /// needs them at the same point).
    func loss(_ theta: [Double], gradient: UnsafeMutablePointer<Double>?, margins: inout [Double]) -> Double {
        writeMargins(theta, into: &margins)
        var total = 0.0
        var slopes = [Double](repeating: 0, count: gradient == nil ? 0 : rows)  // ∂loss/∂margin
        let losses = Logistic.crossEntropy(margins, targets: labels), probabilities = gradient == nil ? [] : Logistic.sigmoid(margins)
        for i in 0..<rows {
            total += weights[i] * losses[i]
            if gradient != nil { slopes[i] = weights[i] * (probabilities[i] - labels[i]) }
        }
        if let gradient {
            design.transposeTimes(slopes, into: gradient)
            for k in 0..<(width - 1) { gradient[k] += ridge * theta[k] }
        }
        for k in 0..<(width - 1) { total += 0.5 * ridge * theta[k] * theta[k] }
        return total
    }

    /// max_g |a_g · θ|.
    func largestCovariance(_ theta: [Double]) -> Double {
        covarianceRows.map { abs(dot($0, theta)) }.max() ?? 0
    }

    /// L-BFGS run to the loss's rounding (the constraints are checked to 1e-10).
    private var tightOptimizer: BoundedLBFGS {
        var optimizer = BoundedLBFGS(count: width)
        optimizer.relativeReduction = 1e-15
        optimizer.gradientTolerance = 1e-7
        return optimizer
    }

    /// The least loss with every |covariance| ≤ `threshold` (∞: unconstrained), from `start`. Each outer
    /// iteration minimises f + (ρ/2) Σ_j max(0, μ_j/ρ + h_j)² over the 2G constraints h_j = ±a_g·θ − t ≤ 0,
    /// then moves μ_j to max(0, μ_j + ρ h_j); ρ grows tenfold when the violation did not fall to a quarter.
    func solve(threshold: Double, from start: [Double]) -> Solution {
        if threshold == 0 { return solveWithZeroCovariance(from: start) }
        if threshold == .infinity {
            let (theta, iterations, unconverged) = newton(from: start, orthogonalTo: [])
            return Solution(
                theta: theta, loss: loss(theta), largestCovariance: largestCovariance(theta), outerIterations: 0, innerIterations: iterations,
                unconverged: unconverged)
        }
        var optimizer = tightOptimizer
        let constraints = covarianceRows.flatMap { [($0, 1.0), ($0, -1.0)] }
        var multipliers = [Double](repeating: 0, count: constraints.count)
        var penalty = max(weights.reduce(0, +), 1)
        var theta = start, outer = 0, inner = 0, lastViolation = Double.infinity
        var unconverged: String?
        let tolerance = 1e-10
        while true {
            outer += 1
            // Loose inner solves while the multipliers are far off, tighter as they settle (Conn, Gould & Toint).
            optimizer.gradientTolerance = max(1e-7, 1e-1 * pow(0.1, Double(outer - 1)))
            let result = optimizer.minimize(from: theta) { point, gradient in
                var value = gradient.withUnsafeMutableBufferPointer { loss(point, gradient: $0.baseAddress!) }
                for (j, (row, sign)) in constraints.enumerated() {
                    let shifted = multipliers[j] / penalty + sign * dot(row, point) - threshold
                    guard shifted > 0 else { continue }
                    value += 0.5 * penalty * shifted * shifted
                    for k in 0..<width { gradient[k] += penalty * shifted * sign * row[k] }
                }
                return value
            }
            theta = result.point
            inner += result.iterations
            var violation = 0.0, slack = 0.0
            for (j, (row, sign)) in constraints.enumerated() {
                let h = sign * dot(row, theta) - threshold
                violation = max(violation, h)
                multipliers[j] = max(0, multipliers[j] + penalty * h)
                if multipliers[j] > 0 { slack = max(slack, abs(h)) }
            }
            if violation <= tolerance && slack <= tolerance { break }
            if outer == Self.multiplierUpdateLimit {
                unconverged = "the multiplier method stopped at its limit of \(Self.multiplierUpdateLimit) updates with a constraint violated by \(violation) (slack \(slack))"
                break
            }
            if violation > 0.25 * lastViolation { penalty *= 10 }
            lastViolation = violation
        }
        return Solution(
            theta: theta, loss: loss(theta), largestCovariance: largestCovariance(theta), outerIterations: outer, innerIterations: inner,
            unconverged: unconverged)
    }

    /// The least loss with every covariance zero: the equalities a_g · θ = 0 eliminated by minimising over
    /// their null space, by Newton's method from the start projected onto it.
    func solveWithZeroCovariance(from start: [Double]) -> Solution {
        let (theta, iterations, unconverged) = newton(from: start, orthogonalTo: zeroCovarianceBasis())
        return Solution(
            theta: theta, loss: loss(theta), largestCovariance: largestCovariance(theta), outerIterations: 0, innerIterations: iterations,
            unconverged: unconverged)
    }

    /// The least loss over the θ orthogonal to every vector of `basis` (orthonormal; empty: all of θ), from `start`
    /// projected there, by Newton's method. With P = I − QQᵀ the projection, each step solves
    /// (P H P + QQᵀ) s = −P g, whose solution lies in the subspace and is the Newton step there (H = Xᵀ diag(w σ(1 − σ)) X
    /// plus the ridge, `addWeightedGram`), with Armijo backtracking; it stops after the step whose half Newton
    /// decrement is below 1e-13 of the loss. The loss is smooth and strictly convex (the ridge), so this converges
    /// quadratically in about ten steps, where L-BFGS took several hundred evaluations to the same point (2.2 s of a
    /// 2.3 s fit on Adult). Without the ridge (C = ∞) on data a direction separates, θ runs off along it and the
    /// loss only approaches its infimum: then it stops at `newtonStepLimit` steps and says so in `unconverged`, as
    /// it does when its line search finds no decrease before the decrement is negligible.
    func newton(from start: [Double], orthogonalTo basis: [[Double]]) -> (theta: [Double], iterations: Int, unconverged: String?) {
        let p = width, project = projection(orthogonalTo: basis)
        var theta = start
        project(&theta)
        var gradient = [Double](repeating: 0, count: p), candidateGradient = gradient
        var margins = [Double](repeating: 0, count: rows)
        var value = gradient.withUnsafeMutableBufferPointer { loss(theta, gradient: $0.baseAddress!, margins: &margins) }
        var iterations = 0
        while iterations < Self.newtonStepLimit {
            iterations += 1
            project(&gradient)
            let curvature = zip(weights, Logistic.sigmoid(margins)).map { weight, probability in weight * probability * (1 - probability) }
            var hessian = [Double](repeating: 0, count: p * p)
            design.addWeightedGram(curvature: curvature, into: &hessian, leadingDimension: p)
            for k in 0..<(p - 1) { hessian[k + k * p] += ridge }
            if !basis.isEmpty {
                // P H P: every column projected, then (H symmetric) every row; then + QQᵀ.
                for _ in 0..<2 {
                    for j in 0..<p {
                        var column = Array(hessian[(j * p)..<((j + 1) * p)])
                        project(&column)
                        hessian.replaceSubrange((j * p)..<((j + 1) * p), with: column)
                    }
                    for j in 0..<p { for i in 0..<j { hessian.swapAt(i + j * p, j + i * p) } }
                }
                for q in basis { for j in 0..<p { for i in 0..<p { hessian[i + j * p] += q[i] * q[j] } } }
            }
            // A Gram matrix's floor (Cholesky's advice): without a ridge (C = ∞) one-hot columns and the intercept
            // make H singular, and a rounding-sized pivot must count as vanished rather than steer the step.
            var step = Cholesky(lowerOf: hessian, size: p, relativeFloor: 1e-10).solve(gradient.map { -$0 })
            project(&step)
            let slope = dot(gradient, step)
            guard slope < 0 else { return (theta, iterations, nil) }  // no descent direction left: the optimum, to rounding
            let converged = -slope / 2 <= 1e-13 * max(1, abs(value))
            var length = 1.0, accepted = false
            var candidateMargins = margins
            for _ in 0..<(converged ? 1 : 60) {
                var candidate = zip(theta, step).map { $0 + length * $1 }
                project(&candidate)
                let candidateValue = candidateGradient.withUnsafeMutableBufferPointer {
                    loss(candidate, gradient: $0.baseAddress!, margins: &candidateMargins)
                }
                // A converged step's decrease is below the loss's rounding: it is taken unless the loss rises beyond it.
                if candidateValue <= value + (converged ? 1e-12 * max(1, abs(value)) : 1e-4 * length * slope) {
                    (theta, value, accepted) = (candidate, candidateValue, true)
                    swap(&gradient, &candidateGradient)
                    swap(&margins, &candidateMargins)
                    break
                }
                length /= 2
            }
            if converged { return (theta, iterations, nil) }
            if !accepted {
                return (theta, iterations, "Newton's line search found no decrease at step \(iterations) (half the Newton decrement \(-slope / 2), loss \(value))")
            }
        }
        return (theta, iterations, "Newton's method stopped at its limit of \(Self.newtonStepLimit) steps before converging")
    }

    /// An orthonormal basis of the covariance rows, by Gram–Schmidt (dependent rows dropped: the rows of all groups
    /// sum to zero): the weights of zero covariance are the ones orthogonal to it.
    func zeroCovarianceBasis() -> [[Double]] {
        var basis: [[Double]] = []
        for row in covarianceRows {
            var residual = row
            for q in basis {
                let along = dot(q, residual)
                for k in 0..<width { residual[k] -= along * q[k] }
            }
            let norm = residual.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-10 * scale { basis.append(residual.map { $0 / norm }) }
        }
        return basis
    }

    /// The orthogonal projection onto the weights of zero covariance.
    func zeroCovarianceProjection() -> (inout [Double]) -> Void { projection(orthogonalTo: zeroCovarianceBasis()) }

    /// v − Σ q (q · v) over an orthonormal `basis`: the orthogonal projection onto its complement.
    func projection(orthogonalTo basis: [[Double]]) -> (inout [Double]) -> Void {
        let width = self.width
        return { v in
            for q in basis {
                let along = dot(q, v)
                for k in 0..<width { v[k] -= along * q[k] }
            }
        }
    }

    /// Zafar et al.'s accuracy-constrained variant: the fairest weights whose loss is at most (1 + γ) times the
    /// unconstrained least loss. When zero covariance is within that budget, the least loss at zero covariance;
    /// otherwise the Pareto point where the loss budget binds, the threshold t found by Illinois regula falsi
    /// on loss(t) − budget (convex and decreasing in t).
    func solveWithinLoss(gamma: Double, unconstrained: Solution) -> (solution: Solution, threshold: Double, searches: Int) {
        let budget = (1 + gamma) * unconstrained.loss
        let fair = solve(threshold: 0, from: unconstrained.theta)
        if fair.loss <= budget { return (fair, 0, 1) }
        var low = (t: 0.0, excess: fair.loss - budget, solution: fair)
        var high = (t: unconstrained.largestCovariance, excess: unconstrained.loss - budget, solution: unconstrained)
        var side = 0, searches = 1
        while searches < 100, high.t - low.t > 1e-12 * max(high.t, 1e-300), -high.excess > 1e-9 * budget {
            searches += 1
            let t = (low.t * high.excess - high.t * low.excess) / (high.excess - low.excess)
            let solution = solve(threshold: t, from: high.solution.theta)
            let excess = solution.loss - budget
            if excess > 0 {
                low = (t, excess, solution)
                if side == 1 { high.excess /= 2 }
                side = 1
            } else {
                high = (t, excess, solution)
                if side == -1 { low.excess /= 2 }
                side = -1
            }
        }
        // The feasible end: its loss is within the budget.
        return (high.solution, high.t, searches)
    }
}
