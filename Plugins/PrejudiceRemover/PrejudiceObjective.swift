import CFairlabPlugin
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

    let rows: Int, features: Int
    let eta: Double, c: Double
    /// The design's non-zero entries, row by row (compressed sparse rows; the trailing 1 included): Adult's 98
    /// columns hold about 13 non-zeros a row (its one-hot blocks), so the two passes over the rows each
    /// evaluation makes read a seventh of a dense design.
    private let rowStarts: [Int]
    private let columns: [Int]
    private let values: [Double]
    private let labels: [Double]
    /// 0 for the unprivileged side, 1 for the privileged.
    private let sides: [Int]

    /// `x` is rows × (features + 1), row-major, its last column 1.
    init(x: [Double], rows: Int, features: Int, labels: [Double], sides: [Int], eta: Double, c: Double) {
        let width = features + 1
        var rowStarts = [0], columns: [Int] = [], values: [Double] = []
        for i in 0..<rows {
            for j in 0..<width where x[i * width + j] != 0 {
                columns.append(j)
                values.append(x[i * width + j])
            }
            rowStarts.append(columns.count)
        }
        self.rowStarts = rowStarts
        self.columns = columns
        self.values = values
        self.rows = rows
        self.features = features
        self.labels = labels
        self.sides = sides
        self.eta = eta
        self.c = c
    }

    /// Parameters: side 0's weights and intercept, then side 1's (AIF360's layout).
    var parameterCount: Int { 2 * (features + 1) }

    /// P(y = 1) of each row (row-major rows × (features + 1) with the trailing 1) under `theta`, by its side: both
    /// sides' margins for every row in one dgemm, Xᵀ-view (width × rows) times [θ₀ θ₁].
    static func probabilities(_ theta: [Double], x: [Double], sides: [Int], width: Int, blas: fl_blas) -> (p: [Double], clipped: [Bool]) {
        let rows = sides.count
        var margins = [Double](repeating: 0, count: 2 * rows)
        blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(rows), 2, Int32(width),
                   1, x, Int32(width), theta, Int32(width), 0, &margins, Int32(rows))
        var p = [Double](repeating: 0, count: rows), clipped = [Bool](repeating: false, count: rows)
        for i in 0..<rows {
            let a = margins[i + sides[i] * rows]
            clipped[i] = abs(a) > clip
            p[i] = 1 / (1 + exp(-min(max(a, -clip), clip)))
        }
        return (p, clipped)
    }

    func evaluate(_ theta: [Double], gradient: UnsafeMutableBufferPointer<Double>? = nil) -> Terms {
        let width = features + 1
        // Each row's margin under its side's weights.
        var p = [Double](repeating: 0, count: rows), clipped = [Bool](repeating: false, count: rows)
        rowStarts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in
                    theta.withUnsafeBufferPointer { theta in
                        for i in 0..<rows {
                            let offset = sides[i] &* width
                            var margin = 0.0
                            for k in starts[i]..<starts[i &+ 1] { margin += values[k] * theta[offset &+ columns[k]] }
                            p[i] = margin
                        }
                    }
                }
            }
        }
        // One exp and one log1p per row: with e = exp(−a), p = 1/(1 + e), log p = −log1p(e) and
        // log(1 − p) = log p − a; the log-loss needs no other logarithm.
        var logLoss = 0.0
        for i in 0..<rows {
            clipped[i] = abs(p[i]) > Self.clip
            let margin = min(max(p[i], -Self.clip), Self.clip), e = exp(-margin)
            let logP = -log1p(e)
            logLoss -= labels[i] * logP + (1 - labels[i]) * (logP - margin)
            p[i] = 1 / (1 + e)
        }
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
        let shift = (0..<2).map { favourable[$0] - unfavourable[$0] }
        // Each row's slope, spread over its side's weights: X_sᵀ slopes_s.
        rowStarts.withUnsafeBufferPointer { starts in
            columns.withUnsafeBufferPointer { columns in
                values.withUnsafeBufferPointer { values in
                    for i in 0..<rows where !clipped[i] {
                        let slope = (p[i] - labels[i]) + eta * p[i] * (1 - p[i]) * shift[sides[i]], offset = sides[i] &* width
                        for k in starts[i]..<starts[i &+ 1] { gradient[offset &+ columns[k]] += values[k] * slope }
                    }
                }
            }
        }
        return terms
    }
}
