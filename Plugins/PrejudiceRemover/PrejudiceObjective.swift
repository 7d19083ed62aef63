import FairlabPluginKit
import Glibc

/// The objective of the prejudice remover (Kamishima et al. 2012) as AIF360's kamfadm code states it: one
/// logistic model per side s (weights w_s over the non-protected features and an intercept),
/// p_i = σ(clip(w_{s_i} · [x_i, 1], ±R)) with R = log((1 − 10⁻¹⁰) / 10⁻¹⁰), and
///
///   L = −Σ_i [y_i log p_i + (1 − y_i) log(1 − p_i)]                                  (a sum, not a mean)
///     + η Σ_i [p_i log(q_{s_i} / r) + (1 − p_i) log((1 − q_{s_i}) / (1 − r))]        (the prejudice index)
///     + (C / 2) ‖w‖²                                                                  (intercepts included),
///
/// q_s the mean of p over side s, r over all rows. Its gradient, ∂L/∂a_i = (p_i − y_i) + η p_i (1 − p_i)
/// [log(q/r) − log((1 − q)/(1 − r))] (the paths through q and r sum to zero), is exact; kamfadm's adds a wrong
/// term in r, so AIF360's conjugate gradients stop short of the optimum (tools/golden/make_prejudice_remover_goldens.py).
struct PrejudiceObjective {
    /// L and its three terms at a point.
    struct Terms { var total, logLoss, prejudice, penalty: Double }

    static let clip = log((1 - 1e-10) / 1e-10)

    let eta: Double, c: Double
    private let design: SideRows
    private let labels: [Double]
    /// 0 for the unprivileged side, 1 for the privileged.
    private let sides: [Int]

    init(design: SideRows, labels: [Double], sides: [Int], eta: Double, c: Double) {
        self.design = design
        self.labels = labels
        self.sides = sides
        self.eta = eta
        self.c = c
    }

    /// Parameters: side 0's weights and intercept, then side 1's (AIF360's layout).
    var parameterCount: Int { 2 * design.width }

    /// P(y = 1) of each row of `design` under `theta`, by its side, the margin clipped at ±R.
    static func probabilities(_ theta: [Double], design: SideRows, sides: [Int]) -> [Double] {
        Logistic.sigmoid(design.margins(theta, sides: sides).map { min(max($0, -clip), clip) })
    }

    func evaluate(_ theta: [Double], gradient: UnsafeMutableBufferPointer<Double>? = nil) -> Terms {
        let margins = design.margins(theta, sides: sides).map { min(max($0, -Self.clip), Self.clip) }, rows = margins.count
        let p = Logistic.sigmoid(margins), losses = Logistic.crossEntropy(margins, targets: labels)
        var logLoss = 0.0
        for i in 0..<rows { logLoss += losses[i] }
        var sums = [0.0, 0.0], counts = [0.0, 0.0]
        for i in 0..<rows { sums[sides[i]] += p[i]; counts[sides[i]] += 1 }
        let q = (0..<2).map { counts[$0] > 0 ? sums[$0] / counts[$0] : 0.5 }, r = (sums[0] + sums[1]) / Double(rows)
        // The prejudice index's logarithms depend on the side alone.
        let favourable = (0..<2).map { log(q[$0] / r) }, unfavourable = (0..<2).map { log((1 - q[$0]) / (1 - r)) }
        var prejudice = 0.0
        for i in 0..<rows {
            let s = sides[i]
            prejudice += p[i] * favourable[s] + (1 - p[i]) * unfavourable[s]
        }
        let penalty = c / 2 * theta.reduce(0) { $0 + $1 * $1 }
        let terms = Terms(total: logLoss + eta * prejudice + penalty, logLoss: logLoss, prejudice: prejudice, penalty: penalty)
        guard let gradient else { return terms }
        for k in 0..<theta.count { gradient[k] = c * theta[k] }
        // A clipped margin is flat: its row adds nothing.
        let shift = (0..<2).map { favourable[$0] - unfavourable[$0] }
        let slopes = (0..<rows).map { i in
            abs(margins[i]) > Self.clip ? 0 : (p[i] - labels[i]) + eta * p[i] * (1 - p[i]) * shift[sides[i]]
        }
        design.accumulate(slopes, sides: sides, into: gradient)
        return terms
    }
}
