import FairlabCore
import FairlabTestSupport
import Foundation
@testable import FairlabPluginKit
import Testing

/// The meta-fair classifier against AIF360 0.6.1's MetaFairClassifier on 200 German credit rows
/// (tools/golden/make_metafair_goldens.py), with AIF360's own samples of x given to the fit: the Gaussian's
/// log-densities, the score, dual value and gradient at fixed parameters, the gradient descent's returned
/// parameters (AIF360's aliasing: the last improving start's final step, not the argmin), every grid interval's
/// accuracy and γ, the chosen interval and every row's label and score, for statistical rate and false discovery.
@Suite struct MetaFairTests {
    let golden: [String: Any]
    let x: [Double], labels: [Double], sides: [Double]
    let samples: [[Double]]

    init() throws {
        golden = try #require(try TestEnvironment.fixture("metafair_goldens.json") as? [String: Any])
        let inputs = golden["inputs"] as! [String: Any]
        x = (inputs["X"] as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
        labels = (inputs["y"] as! [NSNumber]).map(\.doubleValue)
        sides = (inputs["z"] as! [NSNumber]).map(\.doubleValue)
        samples = (golden["samples"] as! [[[NSNumber]]]).map { $0.flatMap { $0.map(\.doubleValue) } }
    }

    static func numbers(_ value: Any?) -> [Double] { (value as! [NSNumber]).map(\.doubleValue) }

    /// |a − b| within `tolerance` relative to max(1, |b|).
    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    var gaussian: JointGaussian {
        let n = labels.count
        return JointGaussian(columns: (0..<4).map { j in (0..<n).map { x[$0 * 4 + j] } } + [labels, sides])
    }

    @Test func theGaussiansMomentsAndLogDensitiesAreSciPys() throws {
        let distribution = golden["distribution"] as! [String: Any]
        let gaussian = self.gaussian
        for (mine, theirs) in zip(gaussian.mean, Self.numbers(distribution["mean"])) { #expect(Self.close(mine, theirs, 1e-13)) }
        let covariance = (distribution["cov"] as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
        for (mine, theirs) in zip(gaussian.covariance, covariance) { #expect(Self.close(mine, theirs, 1e-12)) }
        #expect(gaussian.rank == 6)
        let logs = gaussian.logDensities(points: x, count: labels.count)
        let densities = distribution["log_densities"] as! [String: Any]
        let expected = [("y+1_z1", \(Double, Double, Double, Double).0), ("y-1_z1", \.1), ("y+1_z0", \.2), ("y-1_z0", \.3)]
        for (key, path) in expected {
            for (row, value) in Self.numbers(densities[key]).enumerated() {
                #expect(Self.close(logs[row][keyPath: path], value, 1e-11), "\(key) row \(row): \(logs[row][keyPath: path]) against \(value)")
            }
        }
    }

    @Test func scoresValuesAndGradientsAtFixedParametersAreAIF360s() throws {
        let gaussian = self.gaussian
        let share = sides.reduce(0, +) / Double(sides.count)
        #expect(share == (golden["distribution"] as! [String: Any])["z_prior"] as! Double)
        let rows = gaussian.logDensities(points: x, count: labels.count).map(Posterior.init)
        let drawn = gaussian.logDensities(points: samples[0], count: 20).map(Posterior.init)
        let evaluations = golden["evaluations"] as! [String: Any]
        for constraint in [MetaFairConstraint.statisticalRate, .falseDiscovery] {
            for case_ in evaluations[constraint.rawValue] as! [[String: Any]] {
                let a = case_["a"] as! Double, b = case_["b"] as! Double, lambda = Self.numbers(case_["params"])
                for (row, value) in Self.numbers(case_["t_rows"]).enumerated() {
                    #expect(Self.close(constraint.score(rows[row], lambda, a: a, b: b, privilegedShare: share), value, 1e-10))
                }
                for (sample, value) in Self.numbers(case_["t_samples"]).enumerated() {
                    #expect(Self.close(constraint.score(drawn[sample], lambda, a: a, b: b, privilegedShare: share), value, 1e-10))
                }
                let value = constraint.value(drawn, lambda, a: a, b: b, privilegedShare: share)
                #expect(Self.close(value, case_["func_value"] as! Double, 1e-10), "\(constraint) \(a): \(value)")
                let gradient = constraint.gradient(drawn, lambda, a: a, b: b, privilegedShare: share, mu: MetaFairModel.mu)
                for (mine, theirs) in zip(gradient, Self.numbers(case_["expected_grad"])) { #expect(Self.close(mine, theirs, 1e-9), "\(constraint) \(a)") }
            }
        }
    }

    @Test func gradientDescentReturnsWhatAIF360sAliasedBestReturns() throws {
        let gaussian = self.gaussian
        let share = sides.reduce(0, +) / Double(sides.count)
        let descents = golden["gradient_descent"] as! [String: Any]
        for constraint in [MetaFairConstraint.statisticalRate, .falseDiscovery] {
            let descent = descents[constraint.rawValue] as! [String: Any]
            let drawn = gaussian.logDensities(points: samples[descent["samples_index"] as! Int], count: 20).map(Posterior.init)
            let lambda = try #require(MetaFairModel.descend(constraint, drawn, a: descent["a"] as! Double, b: descent["b"] as! Double, privilegedShare: share))
            for (mine, theirs) in zip(lambda, Self.numbers(descent["params"])) { #expect(Self.close(mine, theirs, 1e-7), "\(constraint): \(lambda)") }
            let argmin = Self.numbers((descent["argmin"] as! [String: Any])["params"])
            if constraint == .statisticalRate { #expect(!Self.close(lambda[0], argmin[0], 1e-3), "the sr case is the one where the aliasing shows") }
        }
        // Foundation's JSON reading can be an ulp off the file's shortest round-trip text: compared within 1e-15.
        var taus = (golden["grid"] as! [String: Any])["other_taus"] as! [String: [[NSNumber]]]
        taus["0.8"] = (golden["grid"] as! [String: Any])["pairs"] as? [[NSNumber]]
        for (tau, pairs) in taus {
            let grid = MetaFairModel.grid(tau: Double(tau)!)
            #expect(grid.count == pairs.count, "tau \(tau)")
            for (mine, theirs) in zip(grid, pairs) {
                #expect(Self.close(mine.a, theirs[0].doubleValue, 1e-15) && Self.close(mine.b, theirs[1].doubleValue, 1e-15), "tau \(tau): \(mine)")
            }
        }
    }

    @Test func everyIntervalAndTheChosenClassifierAreAIF360s() throws {
        let fits = golden["fits"] as! [String: Any], bayes = golden["fits_tau0"] as! [String: Any]
        for constraint in [MetaFairConstraint.statisticalRate, .falseDiscovery] {
            let fit = fits[constraint.rawValue] as! [String: Any]
            let (model, candidates) = try MetaFairModel.fit(
                constraint: constraint, tau: 0.8, x: x, labels: labels, sides: sides) { index, _ in samples[index] }
            let pairs = fit["pairs"] as! [[String: Any]]
            #expect(candidates.count == pairs.count)
            for (candidate, pair) in zip(candidates, pairs) {
                #expect(candidate.accuracy == pair["accuracy"] as! Double, "\(constraint) [\(candidate.a), \(candidate.b)]")
                #expect(Self.close(candidate.gamma, pair["gamma"] as! Double, 1e-12))
                #expect(candidate.chosen == pair["replaces_incumbent"] as! Bool)
            }
            #expect(Self.close(model.a, fit["a"] as! Double, 1e-15) && Self.close(model.b, fit["b"] as! Double, 1e-15))
            let t = model.scores(x, count: labels.count)
            #expect(t.map { $0 > 0 ? 1.0 : 0.0 } == Self.numbers(fit["labels"]))
            for (mine, theirs) in zip(t.map { ($0 + 1) / 2 }, Self.numbers(fit["scores"])) { #expect(Self.close(mine, theirs, 1e-7)) }

            // τ = 0: no grid, the Gaussian's Bayes rule P(y = 1 | x) > ½ for both constraints.
            let (plain, none) = try MetaFairModel.fit(constraint: constraint, tau: 0, x: x, labels: labels, sides: sides) { _, _ in [] }
            let reference = bayes[constraint.rawValue] as! [String: Any]
            #expect(none.isEmpty)
            let bayesScores = plain.scores(x, count: labels.count)
            #expect(bayesScores.map { $0 > 0 ? 1.0 : 0.0 } == Self.numbers(reference["labels"]))
            for (mine, theirs) in zip(bayesScores.map { ($0 + 1) / 2 }, Self.numbers(reference["scores"])) { #expect(Self.close(mine, theirs, 1e-12)) }
        }
    }

    @Test func eigenpairsReconstructAMatrixWithRepeatedAndZeroEigenvalues() throws {
        // A symmetric matrix with a repeated and a zero eigenvalue: A = Q diag(3, 3, 1, 0) Qᵀ, Q a rotation.
        let c = cos(0.3), s = sin(0.3), q: [Double] = [c, -s, 0, 0, s, c, 0, 0, 0, 0, c, -s, 0, 0, s, c]
        let lambda: [Double] = [3, 3, 1, 0]
        var a = [Double](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 { for k in 0..<4 { a[i * 4 + j] += q[i * 4 + k] * lambda[k] * q[j * 4 + k] } } }
        let (values, vectors) = SymmetricEigen.decompose(a, dimension: 4)
        for (mine, theirs) in zip(values, [0.0, 1, 3, 3]) { #expect(abs(mine - theirs) < 1e-14) }
        for i in 0..<4 {
            for j in 0..<4 {
                let rebuilt = (0..<4).map { vectors[i * 4 + $0] * values[$0] * vectors[j * 4 + $0] }.reduce(0, +)
                #expect(abs(rebuilt - a[i * 4 + j]) < 1e-14)
                let dot = (0..<4).map { vectors[$0 * 4 + i] * vectors[$0 * 4 + j] }.reduce(0, +)
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-14)
            }
        }
        // A 60 × 60 covariance of 80 random rows, of rank 60, and one of 30 rows, of rank 30: A V = V Λ, VᵀV = I.
        // Seeded, so a failure reproduces.
        var generator = SeededGenerator(seed: 7)
        for rows in [80, 30] {
            let n = 60
            let data = (0..<(rows * n)).map { _ in 2 * generator.nextUniform() - 1 }
            var covariance = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for r in 0..<rows { covariance[i * n + j] += data[r * n + i] * data[r * n + j] / Double(rows) } } }
            let (values, vectors) = SymmetricEigen.decompose(covariance, dimension: n)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(values.filter { $0 > 1e-12 }.count == min(rows, n))
            var worst = 0.0
            for i in 0..<n {
                for k in 0..<n {
                    let product = (0..<n).map { covariance[i * n + $0] * vectors[$0 * n + k] }.reduce(0, +)
                    worst = max(worst, abs(product - values[k] * vectors[i * n + k]))
                    let dot = (0..<n).map { vectors[$0 * n + i] * vectors[$0 * n + k] }.reduce(0, +)
                    worst = max(worst, abs(dot - (i == k ? 1 : 0)))
                }
            }
            #expect(worst < 1e-12, "rows \(rows): \(worst)")
        }
    }
}
