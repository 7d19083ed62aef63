/// A linear program, min cᵀx subject to equalities, ≤ inequalities and x ≥ 0, solved by Mehrotra's
/// predictor–corrector interior-point method (Wright, *Primal-Dual Interior-Point Methods*, 1997, ch. 10) on the
/// standard form with one slack per inequality. The constraint matrix is kept sparse by column; each iteration
/// forms the normal equations A·diag(x/s)·Aᵀ from it and factors them by a dense Cholesky, so the cost is
/// about m³/3 per iteration for m constraints: meant for programs of up to a few thousand constraints.
public struct LinearProgram {
    /// The solution of a program.
    public struct Solution {
        /// The variables, in the order they were declared (slacks removed).
        public var values: [Double]
        /// cᵀx at `values`.
        public var objective: Double
        /// Interior-point iterations taken.
        public var iterations: Int
        /// The dual solution: one multiplier per constraint, in the order they were added (≤ 0 for an
        /// inequality of this minimisation), so that c − Aᵀ·multipliers ≥ 0.
        public var multipliers: [Double]
    }

    /// A linear program that cannot be solved to the tolerance.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Number of variables (all ≥ 0).
    public let variableCount: Int
    /// Objective coefficients, one per variable.
    public var cost: [Double]
    /// Relative tolerance on primal and dual residuals and on the duality gap.
    public var tolerance = 1e-10
    /// Largest number of iterations.
    public var maxIterations = 200

    private var rows: [[(column: Int, value: Double)]] = []
    private var rightHandSides: [Double] = []
    private var isInequality: [Bool] = []

    /// A program over `variables` non-negative variables, with zero cost until `cost` is set.
    public init(variables: Int) {
        variableCount = variables
        cost = [Double](repeating: 0, count: variables)
    }

    /// Adds Σ value · x[column] = rhs.
    public mutating func addEquality(_ terms: [(column: Int, value: Double)], equals rhs: Double) {
        rows.append(terms); rightHandSides.append(rhs); isInequality.append(false)
    }

    /// Adds Σ value · x[column] ≤ rhs.
    public mutating func addInequality(_ terms: [(column: Int, value: Double)], atMost rhs: Double) {
        rows.append(terms); rightHandSides.append(rhs); isInequality.append(true)
    }

    /// Solves the program; throws if it does not converge (infeasible, unbounded or ill-conditioned).
    public func solve() throws -> Solution {
        let m = rows.count
        let slackCount = isInequality.filter { $0 }.count
        let n = variableCount + slackCount
        // Columns of the standard-form matrix [A | I_inequalities].
        var columns = [[(row: Int, value: Double)]](repeating: [], count: n)
        var slack = variableCount
        for (i, terms) in rows.enumerated() {
            for term in terms where term.value != 0 { columns[term.column].append((i, term.value)) }
            if isInequality[i] { columns[slack].append((i, 1)); slack += 1 }
        }
        let c = cost + [Double](repeating: 0, count: slackCount), b = rightHandSides
        func multiply(_ x: [Double]) -> [Double] {  // A x
            var out = [Double](repeating: 0, count: m)
            for j in 0..<n where x[j] != 0 { for (i, a) in columns[j] { out[i] += a * x[j] } }
            return out
        }
        func multiplyTransposed(_ y: [Double]) -> [Double] {  // Aᵀ y
            columns.map { $0.reduce(0) { $0 + $1.value * y[$1.row] } }
        }
        func normalEquations(_ scale: [Double]) -> Cholesky {  // A diag(scale) Aᵀ
            var matrix = [Double](repeating: 0, count: m * m)
            for j in 0..<n {
                let column = columns[j], d = scale[j]
                for u in column { for v in column where v.row >= u.row { matrix[v.row + u.row * m] += d * u.value * v.value } }
            }
            return Cholesky(lowerOf: matrix, size: m)
        }
        let norm = { (v: [Double]) in v.reduce(0) { max($0, abs($1)) } }

        // Mehrotra's starting point: the least-norm x and least-squares (λ, s), shifted to be positive.
        let start = normalEquations([Double](repeating: 1, count: n))
        var x = multiplyTransposed(start.solve(b))
        var lambda = start.solve(multiply(c))
        var s = zip(c, multiplyTransposed(lambda)).map { $0 - $1 }
        let shiftX = max(-1.5 * (x.min() ?? 0), 0), shiftS = max(-1.5 * (s.min() ?? 0), 0)
        x = x.map { $0 + shiftX }; s = s.map { $0 + shiftS }
        let xs = dot(x, s)
        let extraX = 0.5 * xs / max(s.reduce(0, +), 1e-300), extraS = 0.5 * xs / max(x.reduce(0, +), 1e-300)
        x = x.map { $0 + extraX + 1e-8 }; s = s.map { $0 + extraS + 1e-8 }

        for iteration in 0..<maxIterations {
            let primalResidual = zip(b, multiply(x)).map { $0 - $1 }
            let aTLambda = multiplyTransposed(lambda)
            let rc = (0..<n).map { c[$0] - s[$0] - aTLambda[$0] }
            let primalObjective = dot(c, x), dualObjective = dot(b, lambda)
            if norm(primalResidual) <= tolerance * (1 + norm(b)), norm(rc) <= tolerance * (1 + norm(c)),
               abs(primalObjective - dualObjective) <= tolerance * (1 + abs(primalObjective)) {
                return Solution(values: Array(x.prefix(variableCount)), objective: primalObjective, iterations: iteration, multipliers: lambda)
            }
            let mu = dot(x, s) / Double(n)
            let scale = (0..<n).map { x[$0] / s[$0] }
            let factor = normalEquations(scale)
            // Solves for a complementarity target r_xs: A D Aᵀ Δλ = r_b − A S⁻¹ r_xs + A D r_c.
            func direction(_ rxs: [Double]) -> (dx: [Double], dl: [Double], ds: [Double]) {
                let rhs = zip(primalResidual, multiply((0..<n).map { (scale[$0] * rc[$0]) - rxs[$0] / s[$0] })).map { $0 + $1 }
                let dl = factor.solve(rhs)
                let ds = zip(rc, multiplyTransposed(dl)).map { $0 - $1 }
                let dx = (0..<n).map { (rxs[$0] - x[$0] * ds[$0]) / s[$0] }
                return (dx, dl, ds)
            }
            func stepLength(_ v: [Double], _ dv: [Double]) -> Double {
                var step = 1.0
                for j in 0..<n where dv[j] < 0 { step = min(step, -v[j] / dv[j]) }
                return step
            }
            let affine = direction((0..<n).map { -x[$0] * s[$0] })
            let primalAffine = stepLength(x, affine.dx), dualAffine = stepLength(s, affine.ds)
            let muAffine = (0..<n).reduce(0) { $0 + (x[$1] + primalAffine * affine.dx[$1]) * (s[$1] + dualAffine * affine.ds[$1]) } / Double(n)
            let sigma = pow3(muAffine / mu)
            let corrected = direction((0..<n).map { -x[$0] * s[$0] - affine.dx[$0] * affine.ds[$0] + sigma * mu })
            let primalStep = min(1, 0.995 * stepLength(x, corrected.dx)), dualStep = min(1, 0.995 * stepLength(s, corrected.ds))
            for j in 0..<n {
                x[j] += primalStep * corrected.dx[j]
                s[j] += dualStep * corrected.ds[j]
            }
            for i in 0..<m { lambda[i] += dualStep * corrected.dl[i] }
            guard x.allSatisfy(\.isFinite), s.allSatisfy(\.isFinite) else { break }
        }
        throw Failure(description: "the linear program did not converge in \(maxIterations) interior-point iterations (infeasible or ill-conditioned)")
    }

    private func pow3(_ v: Double) -> Double { v * v * v }
}
