import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Zafar et al.'s fine-grained accuracy constraint (their code's `sep_constraint = 1`): instead of one loss
/// budget, one constraint per training row, given the unconstrained weights θ*: a privileged row θ* predicts
/// positive must stay positive, θᵀx_i ≥ 0, and every other row's loss may grow at most (1 + γ)-fold,
/// ℓ_i(θ) ≤ (1 + γ) ℓ_i(θ*). As ℓ_i(θ) = log(1 + e^(−y_i θᵀx_i)) (y = ±1) falls as the margin grows, that is
/// y_i θᵀx_i ≥ −log(e^((1+γ)ℓ_i(θ*)) − 1): every constraint is linear, G θ ≥ h, and θ* meets all of them.
///
/// Zafar minimises the |covariance| over this polyhedron with SLSQP from θ*, and returns wherever it stops among
/// the weights of least |covariance|. fairlab returns one of them defined without a path. When weights of zero
/// covariance meet the rows' constraints, the nearest θ*: min ½‖θ − θ*‖² subject to G θ ≥ h and every
/// covariance zero, solved by its dual, bound-constrained in one multiplier per row: θ(λ) = P(θ* + Gᵀλ) with P
/// the projection onto zero covariance, minimise f(λ) = −½‖θ(λ) − θ*‖² + λᵀ(G θ(λ) − h) over λ ≥ 0,
/// ∇f = G θ(λ) − h (L-BFGS-B). When none do, which shows as the dual running off, the fit fails and says how
/// close the rows' constraints let the covariance come: t* = min t subject to t ± a_g · θ ≥ 0 and G θ ≥ h, a
/// linear program (Zafar's SLSQP would stop somewhere on that face; there the nearest-point dual degenerates and
/// converges too slowly to use).
extension CovarianceConstrainedLogistic {
    /// The violation of a row's margin constraint accepted at the dual's end: margins are O(1), and the dual's
    /// L-BFGS-B stalls in the last digits.
    static let perRowTolerance = 1e-5

    /// What the per-row problem ended with.
    struct PerRowSolution {
        var solution: Solution
        /// The rows' constraints kept (those whose bound is finite).
        var rowConstraints: Int
        /// Of them, those whose multiplier is positive (binding at the solution).
        var binding: Int
        /// The largest violation of a row's constraint at the solution.
        var largestViolation: Double
        /// The largest λ_i · slack_i over the constraints: 0 at the optimum (a multiplier only where one binds).
        var complementarity: Double
    }

    /// Row i's constraint, sign · x_i · θ ≥ bound, for the rows that have one.
    private func rowConstraints(gamma: Double, unconstrained: Solution, privileged: [Bool]) -> (rows: [Double], bounds: [Double]) {
        let margins = margins(unconstrained.theta)
        var matrix: [Double] = [], bounds: [Double] = []
        for i in 0..<rows {
            var sign = 1.0, bound = 0.0
            if !(privileged[i] && margins[i] > 0) {
                sign = labels[i] == 1 ? 1 : -1
                bound = -log(expm1((1 + gamma) * Logistic.crossEntropy(logit: margins[i], target: labels[i])))
                // A budget past e^709 leaves the row unconstrained.
                guard bound > -.infinity else { continue }
            }
            matrix += design.row(i).map { sign * $0 }
            bounds.append(bound)
        }
        return (matrix, bounds)
    }

    /// The per-row problem for `gamma`, from the unconstrained weights, with each row's side (true: privileged).
    func solveWithPerRowConstraints(gamma: Double, unconstrained: Solution, privileged: [Bool]) throws -> PerRowSolution {
        let (matrix, bounds) = rowConstraints(gamma: gamma, unconstrained: unconstrained, privileged: privileged)
        let found = nearestWithZeroCovariance(unconstrained.theta, rows: matrix, bounds: bounds)
        if found.violation <= Self.perRowTolerance {
            return PerRowSolution(
                solution: Solution(theta: found.theta, loss: loss(found.theta), largestCovariance: largestCovariance(found.theta), outerIterations: 0,
                                   innerIterations: found.iterations),
                rowConstraints: bounds.count, binding: found.multipliers.filter { $0 > 0 }.count, largestViolation: found.violation,
                complementarity: found.complementarity)
        }
        let least = try leastCovariance(rows: matrix, bounds: bounds)
        // A zero-covariance point exists after all: the dual was too slow, not unbounded.
        guard least > 1e-9 * max(unconstrained.largestCovariance, .leastNormalMagnitude) else {
            throw PluginError.numerical(
                "the nearest zero-covariance weights were not reached (largest row violation \(found.violation) after \(found.iterations) dual iterations)")
        }
        throw PluginError.numerical(
            "no weights of zero covariance keep every row within its constraint at gamma \(gamma): the least largest |covariance| they allow is \(least) (the unconstrained weights' \(unconstrained.largestCovariance)); raise gamma")
    }

    /// The least largest |covariance| over {θ : G θ ≥ h}, min t subject to t ± a_g · θ ≥ 0 and the rows, solved
    /// as its dual, max hᵀλ over λ, ν⁺, ν⁻ ≥ 0 with Gᵀλ + Σ_g (ν⁺_g − ν⁻_g) a_g = 0 and Σ_g (ν⁺_g + ν⁻_g) = 1: one
    /// equality per weight, plus one, so the interior-point method's normal equations stay width × width.
    private func leastCovariance(rows matrix: [Double], bounds: [Double]) throws -> Double {
        let m = bounds.count, groups = covarianceRows.count
        var program = LinearProgram(variables: m + 2 * groups)
        for j in 0..<m { program.cost[j] = -bounds[j] }
        for k in 0..<width {
            var terms = (0..<m).map { (column: $0, value: matrix[$0 * width + k]) }
            for g in 0..<groups {
                terms.append((m + 2 * g, covarianceRows[g][k]))
                terms.append((m + 2 * g + 1, -covarianceRows[g][k]))
            }
            program.addEquality(terms, equals: 0)
        }
        program.addEquality((0..<(2 * groups)).map { (m + $0, 1.0) }, equals: 1)
        do {
            return max(0, -(try program.solve()).objective)
        } catch {
            throw PluginError.numerical("the least covariance the rows' constraints allow could not be found: \(error)")
        }
    }

    /// The weights nearest `start` with zero covariance meeting the rows' constraints, by the dual; a large
    /// violation says there are none.
    private func nearestWithZeroCovariance(_ start: [Double], rows constraints: [Double], bounds rightSides: [Double])
        -> (theta: [Double], multipliers: [Double], violation: Double, complementarity: Double, iterations: Int) {
        let project = zeroCovarianceProjection()
        let m = rightSides.count, width = self.width
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
            // ∇f = C θ(λ) − d.
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(width), Int32(m), 1, constraints, Int32(width),
                       theta, 1, 0, &gradient, 1)
            var value = 0.0
            for k in 0..<width { value -= 0.5 * (theta[k] - start[k]) * (theta[k] - start[k]) }
            for j in 0..<m {
                gradient[j] -= rightSides[j]
                value += lambda[j] * gradient[j]
            }
            return value
        }
        let theta = weights(result.point)
        var slack = [Double](repeating: 0, count: m)
        blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(width), Int32(m), 1, constraints, Int32(width), theta, 1, 0, &slack, 1)
        for j in 0..<m { slack[j] -= rightSides[j] }
        let violation = slack.map { max(0, -$0) }.max() ?? 0
        let complementarity = (0..<m).map { result.point[$0] * abs(slack[$0]) }.max() ?? 0
        return (theta, result.point, violation, complementarity, result.iterations)
    }
}
