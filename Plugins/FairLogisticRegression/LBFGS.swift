import FairlabPluginKit

/// Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", algorithm 7.4) with a backtracking line
/// search satisfying the Armijo condition, for the smooth objectives of this plugin.
enum LBFGS {
    static let memory = 10
    static let gradientTolerance = 1e-9
    static let relativeDecreaseTolerance = 1e-14

    /// Minimises `evaluate` (objective, writing the gradient) from zero.
    static func minimize(dimension: Int, maximumIterations: Int, _ evaluate: (_ x: [Double], _ gradient: inout [Double]) -> Double) throws -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        var gradient = [Double](repeating: 0, count: dimension)
        var value = evaluate(x, &gradient)
        var steps: [[Double]] = [], gradientChanges: [[Double]] = [], curvatures: [Double] = []

        for _ in 0..<maximumIterations {
            guard value.isFinite else { throw PluginError.numerical("the objective became \(value)") }
            if gradient.map(abs).max() ?? 0 < gradientTolerance { break }
            // Two-loop recursion: direction = −H·g.
            var q = gradient
            var alphas = [Double](repeating: 0, count: steps.count)
            for k in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[k] = curvatures[k] * dot(steps[k], q)
                for j in 0..<dimension { q[j] -= alphas[k] * gradientChanges[k][j] }
            }
            if let lastStep = steps.last, let lastChange = gradientChanges.last {
                let scale = dot(lastStep, lastChange) / dot(lastChange, lastChange)
                for j in 0..<dimension { q[j] *= scale }
            }
            for k in 0..<steps.count {
                let beta = curvatures[k] * dot(gradientChanges[k], q)
                for j in 0..<dimension { q[j] += steps[k][j] * (alphas[k] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, gradient)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                direction = gradient.map { -$0 }
                slope = -dot(gradient, gradient)
                steps.removeAll(); gradientChanges.removeAll(); curvatures.removeAll()
            }
            var stepLength = steps.isEmpty ? min(1, 1 / (gradient.map(abs).max() ?? 1)) : 1
            var candidate = x, candidateGradient = gradient, candidateValue = value
            var accepted = false
            for _ in 0..<60 {
                for j in 0..<dimension { candidate[j] = x[j] + stepLength * direction[j] }
                candidateValue = evaluate(candidate, &candidateGradient)
                if candidateValue.isFinite, candidateValue <= value + 1e-4 * stepLength * slope { accepted = true; break }
                stepLength /= 2
            }
            guard accepted else { break }  // no further decrease possible at this precision
            let step = (0..<dimension).map { candidate[$0] - x[$0] }
            let change = (0..<dimension).map { candidateGradient[$0] - gradient[$0] }
            let curvature = dot(step, change)
            if curvature > 1e-12 * dot(change, change) {
                steps.append(step); gradientChanges.append(change); curvatures.append(1 / curvature)
                if steps.count > memory { steps.removeFirst(); gradientChanges.removeFirst(); curvatures.removeFirst() }
            }
            let decrease = value - candidateValue
            x = candidate; gradient = candidateGradient; value = candidateValue
            if decrease <= relativeDecreaseTolerance * max(1, abs(value)) { break }
        }
        return x
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }
}
