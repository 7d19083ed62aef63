import FairlabPluginKit

/// Minimises a smooth objective by truncated Newton steps: each step solves H s = −g approximately by
/// conjugate gradients on products with the Hessian H, preconditioned by the caller's approximation of it
/// (rebuilt when CG starts needing many steps), to the forcing tolerance
/// min(½, √‖g‖)·‖g‖ and stopping early at a direction of non-positive curvature (Nocedal & Wright, "Numerical
/// Optimization", algorithm 7.1), then backtracks along s until the Armijo condition holds. A product with H costs
/// what a gradient does (two matrix-vector products); Newton's convergence needs ten or so steps where
/// quasi-Newton took hundreds of line-search evaluations.
struct TruncatedNewton {
    /// The objective at a point, writing its gradient; it also prepares `curvatureTimes` and `makePreconditioner`
    /// for that point (the last point evaluated).
    let evaluate: (_ point: [Double], _ gradient: inout [Double]) -> Double
    /// The Hessian at the last point evaluated, times a vector.
    let curvatureTimes: (_ vector: [Double], _ result: inout [Double]) -> Void
    /// A preconditioner built at the last point evaluated: a function applying an approximation of H⁻¹.
    let makePreconditioner: () -> ([Double]) -> [Double]

    /// CG steps after which the preconditioner is rebuilt at the next Newton step (it is kept while it serves:
    /// building one may cost as much as several CG steps).
    static let preconditionerRefreshSteps = 8

    static let gradientTolerance = 1e-9
    static let relativeDecreaseTolerance = 1e-14
    static let maximumConjugateGradientSteps = 250

    /// Minimises from zero; stops when the gradient's largest entry is below `gradientTolerance`, when a step no
    /// longer decreases the objective, or after `maximumIterations` Newton steps.
    func minimize(dimension: Int, maximumIterations: Int) throws -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        var gradient = [Double](repeating: 0, count: dimension)
        var value = evaluate(x, &gradient)
        var preconditioner: (([Double]) -> [Double])?
        for _ in 0..<maximumIterations {
            guard value.isFinite else { throw PluginError.numerical("the objective became \(value)") }
            if gradient.map(abs).max() ?? 0 < Self.gradientTolerance { break }
            let solve = preconditioner ?? makePreconditioner()
            let (step, conjugateGradientSteps) = newtonStep(gradient, solve)
            preconditioner = conjugateGradientSteps > Self.preconditionerRefreshSteps ? nil : solve
            let slope = dot(step, gradient)
            guard slope < 0 else { break }
            var stepLength = 1.0, candidate = x, candidateGradient = gradient, candidateValue = value
            var accepted = false
            for _ in 0..<60 {
                for j in 0..<dimension { candidate[j] = x[j] + stepLength * step[j] }
                candidateValue = evaluate(candidate, &candidateGradient)
                if candidateValue.isFinite, candidateValue <= value + 1e-4 * stepLength * slope { accepted = true; break }
                stepLength /= 2
            }
            guard accepted else { break }  // no further decrease at this precision
            let decrease = value - candidateValue
            x = candidate
            gradient = candidateGradient
            value = candidateValue
            if decrease <= Self.relativeDecreaseTolerance * max(1, abs(value)) { break }
        }
        return x
    }

    /// An approximate solution of H s = −g by preconditioned conjugate gradients, and the CG steps it took.
    private func newtonStep(_ gradient: [Double], _ solve: ([Double]) -> [Double]) -> ([Double], Int) {
        let dimension = gradient.count
        let gradientNorm = dot(gradient, gradient).squareRoot()
        let tolerance = min(0.5, gradientNorm.squareRoot()) * gradientNorm
        var s = [Double](repeating: 0, count: dimension)
        var residual = gradient.map { -$0 }
        var preconditioned = solve(residual)
        var direction = preconditioned
        var product = [Double](repeating: 0, count: dimension)
        var rz = dot(residual, preconditioned)
        var steps = 0
        while steps < Self.maximumConjugateGradientSteps, dot(residual, residual).squareRoot() > tolerance {
            steps += 1
            curvatureTimes(direction, &product)
            let curvature = dot(direction, product)
            guard curvature > 0 else { break }
            let alpha = rz / curvature
            for j in 0..<dimension {
                s[j] += alpha * direction[j]
                residual[j] -= alpha * product[j]
            }
            preconditioned = solve(residual)
            let next = dot(residual, preconditioned)
            for j in 0..<dimension { direction[j] = preconditioned[j] + next / rz * direction[j] }
            rz = next
        }
        // Never zero: fall back to the preconditioned steepest descent if CG made no progress.
        return (s.allSatisfy { $0 == 0 } ? solve(gradient).map { -$0 } : s, steps)
    }
}
