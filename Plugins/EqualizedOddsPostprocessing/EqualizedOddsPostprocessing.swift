import CFairlabPlugin
import FairlabPluginKit

/// Post-processing by Hardt, Price & Srebro's equalized-odds derived predictor, as AIF360 0.6.1's
/// `EqOddsPostprocessing` computes it: from the baseline's hard predictions (score > 0.5) on the validation
/// split, four probabilities of predicting favourable, P(ỹ = 1 | ŷ, group) for ŷ ∈ {1, 0} and the privileged
/// and unprivileged groups, chosen by the linear program
///
///     minimise  Σ_g (FPR_g − TPR_g)·p2p_g + (TNR_g − FNR_g)·n2p_g       (AIF360's objective coefficients)
///     subject to equal TPR and equal FPR after mixing, 0 ≤ p ≤ 1,
///
/// solved exactly by enumerating the vertices of its feasible polygon (the program has four variables and two
/// equalities, so every vertex fixes two variables at a bound). Each test row is predicted favourable with its
/// probability, drawn from the host's seeded stream (AIF360 flips ⌊n·rate⌋ shuffled rows per group instead:
/// the same expectation), and the probabilities are reported, so expected metrics are exact.
///
/// Groups are AIF360's privileged and unprivileged sides: with more than two groups, every unprivileged group is
/// pooled against every privileged one, and a warning says so.
final class EqualizedOddsPostprocessing: FairlabMethod {
    /// p2p and n2p for the privileged side, then the unprivileged side (AIF360's variable order).
    private(set) var rates: [Double] = []
    private let host: HostServices

    init(host: HostServices) { self.host = host }

    func fit(train: DataView, validation: DataView?) throws {
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let side = PrivilegedSides(train.groups, host: host)
        var counts = [SideCounts(), SideCounts()]   // privileged, unprivileged
        for i in 0..<train.rows {
            counts[side.index(codes[i])].add(label: labels[i], predicted: scores[i] > 0.5, weight: train.weight(i))
        }
        for (index, name) in ["privileged", "unprivileged"].enumerated() where !counts[index].hasBothLabels {
            throw PluginError.invalidInput("the \(name) groups need positive and negative labels among the rows to fit on")
        }
        let (p, u) = (counts[0], counts[1])
        let objective = [p.fpr - p.tpr, p.tnr - p.fnr, u.fpr - u.tpr, u.tnr - u.fnr]
        let equalities = [[p.tpr, p.fnr, -u.tpr, -u.fnr], [p.fpr, p.tnr, -u.fpr, -u.tnr]]
        rates = try Self.solve(objective: objective, equalities: equalities)
    }

    /// The optimal vertex of { x ∈ [0, 1]⁴ : A x = 0 } for c·x; the first found on ties.
    static func solve(objective c: [Double], equalities a: [[Double]]) throws -> [Double] {
        var best: [Double]?, bestValue = Double.infinity
        let tolerance = 1e-12
        for first in 0..<4 {
            for second in (first + 1)..<4 {
                let free = (0..<4).filter { $0 != first && $0 != second }
                for bounds in [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)] {
                    var x = [Double](repeating: 0, count: 4)
                    x[first] = bounds.0
                    x[second] = bounds.1
                    // Solve the 2×2 system for the free variables: A_free · x_free = −A_fixed · x_fixed.
                    let (i, j) = (free[0], free[1])
                    let r0 = -(a[0][first] * x[first] + a[0][second] * x[second])
                    let r1 = -(a[1][first] * x[first] + a[1][second] * x[second])
                    let determinant = a[0][i] * a[1][j] - a[0][j] * a[1][i]
                    guard abs(determinant) > 1e-14 else { continue }
                    x[i] = (r0 * a[1][j] - a[0][j] * r1) / determinant
                    x[j] = (a[0][i] * r1 - r0 * a[1][i]) / determinant
                    guard x.allSatisfy({ $0 >= -tolerance && $0 <= 1 + tolerance }) else { continue }
                    x = x.map { min(1, max(0, $0)) }
                    let value = zip(c, x).reduce(0) { $0 + $1.0 * $1.1 }
                    if value < bestValue - 1e-15 { bestValue = value; best = x }
                }
            }
        }
        guard let best else { throw PluginError(FL_ERROR_NUMERICAL, "the equalized-odds linear program has no vertex (degenerate rates)") }
        return best
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        guard rates.count == 4 else { throw PluginError.invalidInput("predict before fit") }
        let side = PrivilegedSides(data.groups, host: nil)
        var probabilities = [Double](repeating: 0, count: data.rows)
        for i in 0..<data.rows {
            let offset = 2 * side.index(codes[i])
            probabilities[i] = scores[i] > 0.5 ? rates[offset] : rates[offset + 1]
        }
        output.draw(probabilities, host: host)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.eq-odds-postprocessing", name: "Equalized-odds post-processing", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "eq-odds", name: "Equalized-odds post-processing (Hardt et al.; AIF360's EqOddsPostprocessing)", version: "1.0.0",
            description: "Randomly flips the baseline's hard predictions per group with probabilities from a linear program that equalises TPR and FPR.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict],
            make: { host, _ in EqualizedOddsPostprocessing(host: host) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}

/// Weighted confusion counts of one side from hard predictions, and AIF360's rates of them.
struct SideCounts {
    var truePositives = 0.0, falsePositives = 0.0, trueNegatives = 0.0, falseNegatives = 0.0

    mutating func add(label: Double, predicted: Bool, weight: Double) {
        switch (label == 1, predicted) {
        case (true, true): truePositives += weight
        case (true, false): falseNegatives += weight
        case (false, true): falsePositives += weight
        case (false, false): trueNegatives += weight
        }
    }

    var hasBothLabels: Bool { truePositives + falseNegatives > 0 && falsePositives + trueNegatives > 0 }
    var tpr: Double { truePositives / (truePositives + falseNegatives) }
    var fnr: Double { falseNegatives / (truePositives + falseNegatives) }
    var fpr: Double { falsePositives / (falsePositives + trueNegatives) }
    var tnr: Double { trueNegatives / (falsePositives + trueNegatives) }
}
