/// Limited-memory BFGS for smooth objectives with box bounds: the quasi-Newton direction of the free variables
/// (a variable at a bound whose gradient pushes outwards is held there), steps projected onto the box, and a
/// backtracking Armijo search along the projected path. It stops as scipy's L-BFGS-B does: when the projected
/// gradient's largest entry is at most `gradientTolerance` (pgtol), when an iteration lowers the objective by
/// at most `relativeReduction` relative to its size (factr · machine epsilon), or after `maxIterations`.
public struct BoundedLBFGS {
    /// What a minimisation ended with.
    public struct Result {
        /// The best point found.
        public var point: [Double]
        /// The objective there.
        public var value: Double
        /// Iterations taken (accepted steps).
        public var iterations: Int
        /// Objective evaluations (with the two-step objective, the gradient is taken at the accepted points only).
        public var evaluations: Int
        /// Whether a tolerance was met (not the iteration limit or a failed line search).
        public var converged: Bool
    }

    /// Lower bound per variable (−∞ for none).
    public var lower: [Double]
    /// Upper bound per variable (+∞ for none).
    public var upper: [Double]
    /// Correction pairs kept (scipy's m).
    public var memory = 10
    /// Largest number of iterations; 0 evaluates the starting point only.
    public var maxIterations = 15_000
    /// Stop when no projected-gradient entry exceeds this (scipy's pgtol).
    public var gradientTolerance = 1e-5
    /// Stop when (f_old − f_new) / max(|f_old|, |f_new|, 1) is at most this (scipy's factr 10⁷ × 2⁻⁵²).
    public var relativeReduction = 1e7 * Double.ulpOfOne

    /// A minimiser for `count` variables within [lower, upper] (nil: unbounded).
    public init(count: Int, lower: [Double]? = nil, upper: [Double]? = nil) {
        self.lower = lower ?? [Double](repeating: -.infinity, count: count)
        self.upper = upper ?? [Double](repeating: .infinity, count: count)
    }

    /// Minimises `objective`, which returns f(x) and writes ∇f(x) into its second argument, from `start`
    /// (projected onto the box first).
    public func minimize(from start: [Double], _ objective: ([Double], inout [Double]) -> Double) -> Result {
        var lastGradient = [Double](repeating: 0, count: start.count)
        return minimize(from: start, value: { objective($0, &lastGradient) }, gradient: { _, gradient in gradient = lastGradient })
    }

    /// Minimises an objective taken in two steps, from `start` (projected onto the box first): `value` returns
    /// f(x), and `gradient` writes ∇f(x) for the point `value` was last called at. The search asks for the gradient
    /// only at the points it accepts, so an objective whose gradient costs a pass of its own (LFR's) spends nothing
    /// on the points it refuses.
    public func minimize(from start: [Double], value objective: ([Double]) -> Double, gradient objectiveGradient: ([Double], inout [Double]) -> Void) -> Result {
        let n = start.count
        var x = project(start)
        var gradient = [Double](repeating: 0, count: n)
        var value = objective(x)
        objectiveGradient(x, &gradient)
        var evaluations = 1
        var steps: [[Double]] = [], changes: [[Double]] = [], curvatures: [Double] = []
        var iterations = 0
        while true {
            let free = (0..<n).map { i in !(x[i] <= lower[i] && gradient[i] > 0) && !(x[i] >= upper[i] && gradient[i] < 0) }
            let projected = (0..<n).map { free[$0] ? gradient[$0] : 0 }
            if projected.map(abs).max() ?? 0 <= gradientTolerance {
                return Result(point: x, value: value, iterations: iterations, evaluations: evaluations, converged: true)
            }
            guard iterations < maxIterations, value.isFinite else {
                return Result(point: x, value: value, iterations: iterations, evaluations: evaluations, converged: false)
            }
            var direction = twoLoop(projected, steps: steps, changes: changes, curvatures: curvatures)
            for i in 0..<n where !free[i] { direction[i] = 0 }
            var slope = dot(direction, gradient)
            if !(slope < 0) {
                steps.removeAll(); changes.removeAll(); curvatures.removeAll()
                direction = projected.map { -$0 }
                slope = -projected.reduce(0) { $0 + $1 * $1 }
            }
            // The first step, without curvature information, moves at most a unit distance.
            var t = steps.isEmpty ? min(1, 1 / max(direction.map(abs).max() ?? 1, 1e-300)) : 1
            var accepted: (point: [Double], value: Double, gradient: [Double])?
            for _ in 0..<40 {
                let candidate = project(zip(x, direction).map { $0 + t * $1 })
                let candidateValue = objective(candidate)
                evaluations += 1
                // The projection can clip a helpful component and keep unhelpful ones: only a step along which the
                // objective decreases to first order is a candidate.
                let decrease = zip(candidate, x).enumerated().reduce(0) { $0 + gradient[$1.offset] * ($1.element.0 - $1.element.1) }
                if decrease < 0 && candidateValue.isFinite && candidateValue <= value + 1e-4 * decrease {
                    var candidateGradient = [Double](repeating: 0, count: n)
                    objectiveGradient(candidate, &candidateGradient)
                    accepted = (candidate, candidateValue, candidateGradient)
                    break
                }
                t *= 0.5
            }
            guard let (next, nextValue, nextGradient) = accepted else {
                return Result(point: x, value: value, iterations: iterations, evaluations: evaluations, converged: false)
            }
            iterations += 1
            let s = zip(next, x).map { $0 - $1 }, y = zip(nextGradient, gradient).map { $0 - $1 }
            let sy = dot(s, y), yy = y.reduce(0) { $0 + $1 * $1 }
            if sy > Double.ulpOfOne * yy {
                steps.append(s); changes.append(y); curvatures.append(sy)
                if steps.count > memory { steps.removeFirst(); changes.removeFirst(); curvatures.removeFirst() }
            }
            let reduction = (value - nextValue) / max(abs(value), abs(nextValue), 1)
            (x, value, gradient) = (next, nextValue, nextGradient)
            if reduction >= 0 && reduction <= relativeReduction {
                return Result(point: x, value: value, iterations: iterations, evaluations: evaluations, converged: true)
            }
        }
    }

    private func project(_ x: [Double]) -> [Double] { x.indices.map { min(max(x[$0], lower[$0]), upper[$0]) } }

    /// −H·g by the two-loop recursion over the stored pairs (H₀ scaled by the newest pair's sᵀy / yᵀy).
    private func twoLoop(_ g: [Double], steps: [[Double]], changes: [[Double]], curvatures: [Double]) -> [Double] {
        var q = g
        var alphas = [Double](repeating: 0, count: steps.count)
        for m in stride(from: steps.count - 1, through: 0, by: -1) {
            alphas[m] = dot(steps[m], q) / curvatures[m]
            for i in q.indices { q[i] -= alphas[m] * changes[m][i] }
        }
        if let last = changes.last {
            let scale = curvatures[curvatures.count - 1] / last.reduce(0) { $0 + $1 * $1 }
            for i in q.indices { q[i] *= scale }
        }
        for m in 0..<steps.count {
            let beta = dot(changes[m], q) / curvatures[m]
            for i in q.indices { q[i] += (alphas[m] - beta) * steps[m][i] }
        }
        return q.map { -$0 }
    }
}
