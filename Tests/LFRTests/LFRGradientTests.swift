import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
@testable import FairlabPluginKit

import Testing

/// LFR's analytic gradient (`LFRObjective.gradient(at:into:)`, by the chain rule through the softmax and the distances)
/// against central finite differences of its objective, for every parameter: the prototypes' label weights and every
/// coordinate of every prototype. A wrong term in the hand-written gradient shows as a mismatch; the golden script
/// checks the same gradient in Python, this check runs with the suite.
@Suite struct LFRGradientTests {
    static let rows = 40, features = 4, prototypes = 3

    /// Column-major rows like standardised one-hot data (`centredTestColumns`: indicators whose most common value is
    /// not 0, one continuous column), so that the sparse storage is compressed less each column's most common value
    /// and its products carry the correction.
    static func columns() -> [Double] { centredTestColumns(rows: rows, seed: 5) }

    @Test(arguments: [true, false])
    func gradientEqualsCentralDifferences(sparse: Bool) {
        let n = Self.rows, k = Self.prototypes
        let table = DataTable(
            features: Matrix(rows: n, cols: Self.features, columnMajor: Self.columns()), labels: nil, scores: nil, weights: nil, groupCodes: nil,
            groups: GroupsTable(names: ["a", "b"], privileged: [true, false]))
        let data = DataView(table.pointer.pointee)
        let blas = HostServicesProvider(seed: 1, methodID: "lfr-gradient").host.pointee.blas.pointee
        let rows = FeatureMatrix(data, blas: blas, sparse: sparse)
        #expect(rows.isSparse == sparse)
        let labels = (0..<n).map { Double(($0 * 7 + 3) % 5 < 2 ? 1 : 0) }
        let privileged = (0..<n).map { $0 % 3 != 0 }
        // AIF360's weights: the parity term, 50 times the others, dominates.
        let objective = LFRObjective(
            rows: rows, labels: labels, privileged: privileged, prototypes: k, weights: (reconstruction: 0.01, prediction: 1, parity: 50))
        var generator = SeededGenerator(seed: 9)
        // Label weights inside (0, 1); prototypes spread over the rows' range.
        let theta = (0..<k).map { _ in 0.1 + 0.8 * generator.nextUniform() }
            + (0..<(k * Self.features)).map { _ in 3 * generator.nextUniform() - 1.5 }
        #expect(theta.count == objective.parameterCount)

        let terms = objective.evaluate(theta)
        #expect(terms.total.isFinite && terms.reconstruction > 0 && terms.prediction > 0 && terms.parity > 0)
        var analytic = [Double](repeating: .nan, count: theta.count)
        analytic.withUnsafeMutableBufferPointer { objective.gradient(at: theta, into: $0) }
        // The parity term is |Δ_j| per prototype, differentiable only away from Δ_j = 0: no difference below may
        // cross a kink, so every evaluated point's contrasts keep the start's signs (checked at each).
        let signs = objective.sideContrasts.map { $0 > 0 }
        #expect(objective.sideContrasts.allSatisfy { $0 != 0 })

        let h = 1e-6
        var worst = 0.0
        for index in theta.indices {
            var plus = theta, minus = theta
            plus[index] += h
            minus[index] -= h
            let up = objective.evaluate(plus).total
            #expect(objective.sideContrasts.map { $0 > 0 } == signs, "parameter \(index) + h crosses a kink")
            let down = objective.evaluate(minus).total
            #expect(objective.sideContrasts.map { $0 > 0 } == signs, "parameter \(index) − h crosses a kink")
            let numeric = (up - down) / (2 * h)
            worst = max(worst, abs(numeric - analytic[index]) / max(1, abs(numeric)))
        }
        let largest = analytic.map(abs).max()!
        // Central differences are exact to O(h²) ≈ 1e-12 here, and the objective's rounding adds ε·|L|/h ≈ 1e-9.
        #expect(worst < 1e-6, "analytic and numeric gradients differ by \(worst) (largest entry \(largest))")
        #expect(largest > 1e-2, "a gradient this small would check nothing")

        // The gradient is of the point asked for, though another was evaluated last (the last perturbed one).
        var again = [Double](repeating: .nan, count: theta.count)
        again.withUnsafeMutableBufferPointer { objective.gradient(at: theta, into: $0) }
        #expect(again == analytic)
    }
}
