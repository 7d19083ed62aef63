import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Zafar et al.'s fine-grained accuracy constraint (their code's `sep_constraint = 1`): instead of one loss
/// budget, one constraint per training row, given the unconstrained weights θ*: a privileged row θ* predicts
/// positive must stay positive, θᵀx_i ≥ 0, and every other row's loss may grow at most (1 + γ)-fold,
/// ℓ_i(θ) ≤ (1 + γ) ℓ_i(θ*). As ℓ_i(θ) = log(1 + e^(−y_i θᵀx_i)) (y = ±1) falls as the margin grows, that is
/// y_i θᵀx_i ≥ −log(e^((1+γ)ℓ_i(θ*)) − 1): every constraint is linear, G θ ≥ h, and θ* meets all of them.
///
/// Zafar minimises |covariance| over this polyhedron with SLSQP from θ*, and returns wherever it stops among the
/// many weights of zero covariance. fairlab returns one of them defined without a path: the zero-covariance
/// weights nearest θ*, min ½‖θ − θ*‖² subject to a_g · θ = 0 and G θ ≥ h. That quadratic program is solved by its
/// dual, a bound-constrained one in one multiplier per row: θ(λ) = P(θ* + Gᵀλ) with P the projection onto zero
/// covariance, minimise f(λ) = −½‖θ(λ) − θ*‖² + λᵀ(G θ(λ) − h) over λ ≥ 0, ∇f = G θ(λ) − h (L-BFGS-B).
extension CovarianceConstrainedLogistic {
    /// The violation of a row's margin constraint accepted at the dual's end: margins are O(1), and the dual's
    /// L-BFGS-B stalls in the last digits.
    static let perRowTolerance = 1e-5

    /// The solution, the multipliers λ (the certificate: θ − θ* = P Gᵀλ, λ ≥ 0, λ_i > 0 only where row i's
    /// constraint binds), and the rows' constraints (G row-major over `width`, h).
    struct PerRowSolution {
        var solution: Solution
        var multipliers: [Double]
        var constraints: [Double]
        var bounds: [Double]
        /// The largest violation of G θ ≥ h at the solution (at most `perRowTolerance` when the program is
        /// feasible; an infeasible one's dual runs off and leaves a large one).
        var largestViolation: Double
        /// The largest λ_i · (G θ − h)_i: 0 at the optimum (a multiplier only where its row binds).
        var complementarity: Double
        var iterations: Int
    }

    /// The per-row problem for `gamma`, from the unconstrained weights, with each row's side (1: privileged).
    func solveWithPerRowConstraints(gamma: Double, unconstrained: Solution, privileged: [Bool]) -> PerRowSolution {
        var margins = [Double](repeating: 0, count: rows)
        blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(rows), Int32(width), 1, design, Int32(rows),
                   unconstrained.theta, 1, 0, &margins, 1)
        // Row i's constraint: sign · x_i · θ ≥ bound (rows whose bound is −∞ constrain nothing and are left out).
        var kept: [(row: Int, sign: Double, bound: Double)] = []
        for i in 0..<rows {
            if privileged[i], margins[i] > 0 {
                kept.append((i, 1, 0))
                continue
            }
            let y = labels[i] == 1 ? 1.0 : -1.0
            let budget = (1 + gamma) * Logistic.crossEntropy(logit: margins[i], target: labels[i])
            let bound = -log(expm1(budget))
            if bound > -.infinity { kept.append((i, y, bound)) }
        }
        var constraints = [Double](repeating: 0, count: kept.count * width)
        for (j, constraint) in kept.enumerated() {
            for k in 0..<width { constraints[j * width + k] = constraint.sign * design[k * rows + constraint.row] }
        }
        let bounds = kept.map(\.bound)
        let project = zeroCovarianceProjection()
        let m = kept.count, width = self.width, start = unconstrained.theta
        func weights(_ lambda: [Double]) -> [Double] {
            var theta = start
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(width), Int32(m), 1, constraints, Int32(width),
                       lambda, 1, 1, &theta, 1)
            project(&theta)
            return theta
        }
        var optimizer = BoundedLBFGS(count: m, lower: [Double](repeating: 0, count: m))
        optimizer.gradientTolerance = 1e-10
        optimizer.relativeReduction = 0
        optimizer.maxIterations = 20_000
        let result = optimizer.minimize(from: [Double](repeating: 0, count: m)) { lambda, gradient in
            let theta = weights(lambda)
            // ∇f = G θ(λ) − h.
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(width), Int32(m), 1, constraints, Int32(width),
                       theta, 1, 0, &gradient, 1)
            var value = 0.0
            for k in 0..<width { value -= 0.5 * (theta[k] - start[k]) * (theta[k] - start[k]) }
            for j in 0..<m {
                gradient[j] -= bounds[j]
                value += lambda[j] * gradient[j]
            }
            return value
        }
        let theta = weights(result.point)
        var products = [Double](repeating: 0, count: m)
        blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(width), Int32(m), 1, constraints, Int32(width), theta, 1, 0, &products, 1)
        let violation = zip(products, bounds).map { max(0, $1 - $0) }.max() ?? 0
        let complementarity = (0..<m).map { result.point[$0] * abs(products[$0] - bounds[$0]) }.max() ?? 0
        return PerRowSolution(
            solution: Solution(theta: theta, loss: loss(theta), largestCovariance: largestCovariance(theta), outerIterations: 0,
                               innerIterations: result.iterations),
            multipliers: result.point, constraints: constraints, bounds: bounds, largestViolation: violation, complementarity: complementarity, iterations: result.iterations)
    }
}
