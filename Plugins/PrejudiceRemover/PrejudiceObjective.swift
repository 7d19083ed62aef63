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
    /// rows × (features + 1), row-major, the last column 1, side 0's rows first (every term is a sum over rows,
    /// so their order is free): each side's margins and gradient are then one dgemv over its own block.
    private let x: [Double]
    private let labels: [Double]
    /// 0 for the unprivileged side, 1 for the privileged, in `x`'s order.
    private let sides: [Int]
    /// Rows on side 0 (the first block).
    private let sideZeroRows: Int

    private let blas: fl_blas

    init(x: [Double], rows: Int, features: Int, labels: [Double], sides: [Int], eta: Double, c: Double, blas: fl_blas) {
        let width = features + 1
        let order = sides.indices.filter { sides[$0] == 0 } + sides.indices.filter { sides[$0] != 0 }
        self.blas = blas
        self.x = order.flatMap { x[($0 * width)..<(($0 + 1) * width)] }
        self.rows = rows
        self.features = features
        self.labels = order.map { labels[$0] }
        self.sides = order.map { sides[$0] }
        sideZeroRows = sides.filter { $0 == 0 }.count
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
        // Each side's margins from its own block and weights: X_s θ_s.
        var p = [Double](repeating: 0, count: rows), clipped = [Bool](repeating: false, count: rows)
        let blocks = [(0, sideZeroRows), (sideZeroRows, rows - sideZeroRows)]
        x.withUnsafeBufferPointer { x in
            theta.withUnsafeBufferPointer { theta in
                p.withUnsafeMutableBufferPointer { margins in
                    for (side, (start, count)) in blocks.enumerated() where count > 0 {
                        blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(width), Int32(count), 1, x.baseAddress! + start * width,
                                   Int32(width), theta.baseAddress! + side * width, 1, 0, margins.baseAddress! + start, 1)
                    }
                }
            }
        }
        for i in 0..<rows {
            clipped[i] = abs(p[i]) > Self.clip
            p[i] = 1 / (1 + exp(-min(max(p[i], -Self.clip), Self.clip)))
        }
        var sums = [0.0, 0.0], counts = [0.0, 0.0]
        for i in 0..<rows { sums[sides[i]] += p[i]; counts[sides[i]] += 1 }
        let q = (0..<2).map { counts[$0] > 0 ? sums[$0] / counts[$0] : 0.5 }, r = (sums[0] + sums[1]) / Double(rows)
        var logLoss = 0.0, prejudice = 0.0
        for i in 0..<rows {
            logLoss -= labels[i] * log(p[i]) + (1 - labels[i]) * log(1 - p[i])
            let s = sides[i]
            prejudice += p[i] * log(q[s] / r) + (1 - p[i]) * log((1 - q[s]) / (1 - r))
        }
        let penalty = c / 2 * theta.reduce(0) { $0 + $1 * $1 }
        let terms = Terms(total: logLoss + eta * prejudice + penalty, logLoss: logLoss, prejudice: prejudice, penalty: penalty)
        guard let gradient else { return terms }
        for k in 0..<theta.count { gradient[k] = c * theta[k] }
        let shift = (0..<2).map { log(q[$0] / r) - log((1 - q[$0]) / (1 - r)) }
        var slopes = [Double](repeating: 0, count: rows)
        for i in 0..<rows where !clipped[i] { slopes[i] = (p[i] - labels[i]) + eta * p[i] * (1 - p[i]) * shift[sides[i]] }
        // Each side's gradient: X_sᵀ slopes_s, added to the penalty's.
        x.withUnsafeBufferPointer { x in
            slopes.withUnsafeBufferPointer { slopes in
                for (side, (start, count)) in blocks.enumerated() where count > 0 {
                    blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(width), Int32(count), 1, x.baseAddress! + start * width,
                               Int32(width), slopes.baseAddress! + start, 1, 1, gradient.baseAddress! + side * width, 1)
                }
            }
        }
        return terms
    }
}
