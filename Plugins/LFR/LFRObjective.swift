import CFairlabPlugin
import Glibc
import FairlabPluginKit

/// The objective of learning fair representations as AIF360 0.6.1 computes it (Zemel et al. 2013), with its
/// analytic gradient. Parameters θ = [w (k prototype label weights), V (k prototypes × p features, row-major)],
/// AIF360's layout. For rows x_i: D_ij = ‖x_i − v_j‖ (not squared), M = row-softmax(−D), x̂ = M V,
/// ŷ = clip(M w, ε, 1 − ε) with ε = 2⁻⁵²; then
///
///   L_x = Σ_sides (1 / (n_side · p)) Σ_{i ∈ side} ‖x̂_i − x_i‖²   (a sum of the two sides' means),
///   L_y = −(1/N) Σ_i [y_i log ŷ_i + (1 − y_i) log(1 − ŷ_i)],
///   L_z = (1/k) Σ_j |mean_unprivileged M_j − mean_privileged M_j|,
///   L   = A_x L_x + A_y L_y + A_z L_z.
///
/// The two products over the rows and features are host dgemms (N × p × k each per evaluation), the rest is
/// O(N k²). The gradient, by the chain rule through the softmax and the
/// distances, is checked against central differences in the golden script (tools/golden/make_lfr_goldens.py).
struct LFRObjective {
    /// The terms of the objective at one point.
    struct Terms { var total, reconstruction, prediction, parity: Double }

    static let clip = Double.ulpOfOne

    let rows: Int, features: Int, prototypes: Int
    let weights: (reconstruction: Double, prediction: Double, parity: Double)
    private let blas: fl_blas
    /// rows × features, column-major.
    private let x: [Double]
    /// Per row: its label, ‖x_i‖², 1 / (n_side · p) (its weight in L_x), and +1 / n_unprivileged or −1 / n_privileged
    /// (so Σ_i a_i M_ij is the difference of the sides' means); and the evaluations' buffers.
    private let workspace: LFRWorkspace

    /// The objective on `x` (rows × features, column-major) with 0/1 `labels` and each row's side (true:
    /// privileged); both sides must have rows.
    init(x: [Double], rows: Int, features: Int, labels: [Double], privileged: [Bool], prototypes: Int,
         weights: (reconstruction: Double, prediction: Double, parity: Double), blas: fl_blas) {
        self.x = x
        self.rows = rows
        self.features = features
        self.prototypes = prototypes
        self.weights = weights
        self.blas = blas
        let privilegedCount = Double(privileged.filter { $0 }.count), unprivilegedCount = Double(rows) - privilegedCount
        workspace = LFRWorkspace(
            rowNorms: Self.squaredNorms(x, count: rows),
            reconstructionWeight: privileged.map { 1 / (($0 ? privilegedCount : unprivilegedCount) * Double(features)) },
            sideContrast: privileged.map { $0 ? -1 / privilegedCount : 1 / unprivilegedCount }, labels: labels, prototypes: prototypes)
    }

    var parameterCount: Int { prototypes + prototypes * features }

    /// C (m × n) = op(A) · op(B), column-major, through the host's BLAS.
    private static func multiply(_ a: UnsafePointer<Double>, transposeA: Bool, _ b: UnsafePointer<Double>, transposeB: Bool,
                                 m: Int, n: Int, inner: Int, lda: Int, ldb: Int, into c: UnsafeMutablePointer<Double>, blas: fl_blas) {
        blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(transposeA ? FL_BLAS_TRANS : FL_BLAS_NO_TRANS), Int32(transposeB ? FL_BLAS_TRANS : FL_BLAS_NO_TRANS),
                   Int32(m), Int32(n), Int32(inner), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(m))
    }

    /// Memberships M, distances D and products S = X Vᵀ (each n × k, column-major) of the rows of `points` (n × p,
    /// column-major, with squared norms `norms`) and the k prototypes in `theta`, into `m`, `d` and `s`.
    static func memberships(
        of points: UnsafePointer<Double>, count n: Int, features p: Int, prototypes k: Int, theta: UnsafePointer<Double>,
        norms pointNorms: UnsafePointer<Double>, blas: fl_blas,
        into m: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>
    ) {
        // Vᵀ is θ[k...] read as p × k column-major.
        multiply(points, transposeA: false, theta + k, transposeB: false, m: n, n: k, inner: p, lda: n, ldb: p, into: s, blas: blas)
        let prototypeNorms = (0..<k).map { j in (0..<p).reduce(0) { $0 + theta[k + j * p + $1] * theta[k + j * p + $1] } }
        for i in 0..<n {
            var nearest = Double.infinity
            for j in 0..<k {
                d[i + j * n] = max(pointNorms[i] - 2 * s[i + j * n] + prototypeNorms[j], 0).squareRoot()
                nearest = min(nearest, d[i + j * n])
            }
            var total = 0.0
            for j in 0..<k { m[i + j * n] = exp(nearest - d[i + j * n]); total += m[i + j * n] }
            for j in 0..<k { m[i + j * n] /= total }
        }
    }

    /// The squared norm of each of the n rows of `points` (column-major).
    static func squaredNorms(_ points: [Double], count n: Int) -> [Double] {
        var norms = [Double](repeating: 0, count: n)
        for f in 0..<(n == 0 ? 0 : points.count / n) { for i in 0..<n { norms[i] += points[i + f * n] * points[i + f * n] } }
        return norms
    }

    /// The reconstruction x̂ = M V (n × p, column-major) and ŷ = clip(M w) of the rows of `points` under the k
    /// prototypes in `theta`.
    static func represent(_ points: [Double], count n: Int, features p: Int, prototypes k: Int, theta: [Double], blas: fl_blas)
        -> (features: [Double], predictions: [Double]) {
        var m = [Double](repeating: 0, count: n * k), d = m, s = m
        let norms = squaredNorms(points, count: n)
        m.withUnsafeMutableBufferPointer { m in
            d.withUnsafeMutableBufferPointer { d in
                s.withUnsafeMutableBufferPointer { s in
                    memberships(
                        of: points, count: n, features: p, prototypes: k, theta: theta, norms: norms, blas: blas, into: m.baseAddress!, d: d.baseAddress!,
                        s: s.baseAddress!)
                }
            }
        }
        var reconstruction = [Double](repeating: 0, count: n * p)
        m.withUnsafeBufferPointer { ms in
            theta.withUnsafeBufferPointer { t in
                reconstruction.withUnsafeMutableBufferPointer { out in
                    multiply(ms.baseAddress!, transposeA: false, t.baseAddress! + k, transposeB: true, m: n, n: p, inner: k, lda: n, ldb: p, into: out.baseAddress!, blas: blas)
                }
            }
        }
        let predictions = (0..<n).map { i in min(max((0..<k).reduce(0) { $0 + m[i + $1 * n] * theta[$1] }, clip), 1 - clip) }
        return (reconstruction, predictions)
    }

    /// L and its terms at `theta`; with `gradient`, writes ∇L there. Only two products touch the rows,
    /// S = X Vᵀ and Fᵀ X: with Q = V Vᵀ, ‖x̂_i − x_i‖² = (M Q)_i · M_i − 2 Σ_j M_ij S_ij + ‖x_i‖², and
    /// ∇V = (2 A_x Mᵀ C M + diag(1ᵀE)) V − (2 A_x C M + E)ᵀ X, with C the rows' L_x weights and E below.
    /// The n × k arrays of an evaluation are the workspace's, reused by every evaluation of a fit (fresh ones,
    /// megabytes each, were mapped and zeroed by the kernel every time), and read through pointers.
    func evaluate(_ theta: [Double], gradient: UnsafeMutableBufferPointer<Double>? = nil) -> Terms {
        let n = rows, k = prototypes, p = features, work = workspace
        let (m, d, s) = (work.memberships, work.distances, work.products)
        let (membershipGradient, predictionGradient, f) = (work.membershipGradient, work.predictionGradient, work.rowTerms)
        let (rowNorms, reconstructionWeight, sideContrast, labels) = (work.rowNorms, work.reconstructionWeight, work.sideContrast, work.labels)
        theta.withUnsafeBufferPointer { theta in
            x.withUnsafeBufferPointer { xs in
                Self.memberships(
                    of: xs.baseAddress!, count: n, features: p, prototypes: k, theta: theta.baseAddress!, norms: rowNorms, blas: blas, into: m, d: d,
                    s: s)
            }
        }
        // Q = V Vᵀ (k × k).
        var q = [Double](repeating: 0, count: k * k)
        for j in 0..<k { for l in 0..<k { q[j + l * k] = (0..<p).reduce(0) { $0 + theta[k + j * p + $1] * theta[k + l * p + $1] } } }
        var lx = 0.0, ly = 0.0
        // ∂L/∂M, built up term by term: first 2 A_x c_i (M Q − S)_ij, the path through x̂ = M V.
        var mq = [Double](repeating: 0, count: k)
        // The small arrays through pointers too: these loops run k² times per row.
        q.withUnsafeBufferPointer { q in
            mq.withUnsafeMutableBufferPointer { mq in
                theta.withUnsafeBufferPointer { w in
                    for i in 0..<n {
                        var squaredError = rowNorms[i], linear = 0.0
                        for j in 0..<k {
                            var product = 0.0
                            for l in 0..<k { product += m[i + l * n] * q[l + j * k] }
                            mq[j] = product
                            squaredError += (mq[j] - 2 * s[i + j * n]) * m[i + j * n]
                            linear += m[i + j * n] * w[j]
                        }
                        lx += reconstructionWeight[i] * squaredError
                        for j in 0..<k { membershipGradient[i + j * n] = 2 * weights.reconstruction * reconstructionWeight[i] * (mq[j] - s[i + j * n]) }
                        let yHat = min(max(linear, Self.clip), 1 - Self.clip), y = labels[i]
                        ly -= y * log(yHat) + (1 - y) * log(1 - yHat)
                        predictionGradient[i] = linear > Self.clip && linear < 1 - Self.clip
                            ? weights.prediction / Double(n) * (yHat - y) / (yHat * (1 - yHat)) : 0
                    }
                }
            }
        }
        ly /= Double(n)
        var contrast = [Double](repeating: 0, count: k)
        for j in 0..<k { for i in 0..<n { contrast[j] += sideContrast[i] * m[i + j * n] } }
        let lz = contrast.reduce(0) { $0 + abs($1) } / Double(k)
        let terms = Terms(
            total: weights.reconstruction * lx + weights.prediction * ly + weights.parity * lz, reconstruction: lx, prediction: ly, parity: lz)
        guard let gradient else { return terms }

        // The other paths into ∂L/∂M: g_ŷ wᵀ, and (A_z / k) a sign(Δ)ᵀ through the sides' mean memberships.
        for j in 0..<k {
            let parity = weights.parity / Double(k) * (contrast[j] > 0 ? 1 : contrast[j] < 0 ? -1 : 0)
            for i in 0..<n { membershipGradient[i + j * n] += predictionGradient[i] * theta[j] + parity * sideContrast[i] }
        }
        // Through the softmax to Z = −D, then the distances (∂D_ij/∂v_j = (v_j − x_i) / D_ij): E_ij = −∂L/∂Z_ij / D_ij;
        // F = 2 A_x C M + E.
        var columnSums = [Double](repeating: 0, count: k)
        var kernel = [Double](repeating: 0, count: k * k)  // 2 A_x Mᵀ C M + diag(1ᵀE)
        columnSums.withUnsafeMutableBufferPointer { columnSums in
            kernel.withUnsafeMutableBufferPointer { kernel in
                for i in 0..<n {
                    var centre = 0.0
                    for j in 0..<k { centre += membershipGradient[i + j * n] * m[i + j * n] }
                    let scale = 2 * weights.reconstruction * reconstructionWeight[i]
                    for j in 0..<k {
                        let e = d[i + j * n] > 0 ? -m[i + j * n] * (membershipGradient[i + j * n] - centre) / d[i + j * n] : 0
                        columnSums[j] += e
                        f[i + j * n] = scale * m[i + j * n] + e
                        for l in 0..<k { kernel[j + l * k] += scale * m[i + j * n] * m[i + l * n] }
                    }
                }
            }
        }
        for j in 0..<k {
            kernel[j + j * k] += columnSums[j]
            var sum = 0.0
            for i in 0..<n { sum += m[i + j * n] * predictionGradient[i] }
            gradient[j] = sum
        }
        // ∇Vᵀ (p × k) = Vᵀ K − Xᵀ F.
        var pull = [Double](repeating: 0, count: p * k)
        x.withUnsafeBufferPointer { xs in
            pull.withUnsafeMutableBufferPointer { out in
                Self.multiply(xs.baseAddress!, transposeA: true, f, transposeB: false, m: p, n: k, inner: n, lda: n, ldb: n, into: out.baseAddress!, blas: blas)
            }
        }
        for j in 0..<k {
            for feature in 0..<p {
                let pushed = (0..<k).reduce(0) { $0 + theta[k + $1 * p + feature] * kernel[$1 + j * k] }
                gradient[k + j * p + feature] = pushed - pull[feature + j * p]
            }
        }
        return terms
    }
}

/// One objective's buffers, allocated once: the per-row constants and the n × k arrays each evaluation fills.
/// A class, so the objective's evaluations (non-mutating) reuse them.
final class LFRWorkspace {
    let rowNorms, reconstructionWeight, sideContrast, labels: UnsafeMutablePointer<Double>
    let memberships, distances, products, membershipGradient, rowTerms: UnsafeMutablePointer<Double>
    let predictionGradient: UnsafeMutablePointer<Double>

    init(rowNorms: [Double], reconstructionWeight: [Double], sideContrast: [Double], labels: [Double], prototypes k: Int) {
        func copy(_ values: [Double]) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        let n = rowNorms.count
        func zeros(_ count: Int) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: count)
            return pointer
        }
        self.rowNorms = copy(rowNorms)
        self.reconstructionWeight = copy(reconstructionWeight)
        self.sideContrast = copy(sideContrast)
        self.labels = copy(labels)
        memberships = zeros(n * k)
        distances = zeros(n * k)
        products = zeros(n * k)
        membershipGradient = zeros(n * k)
        rowTerms = zeros(n * k)
        predictionGradient = zeros(n)
    }

    deinit {
        for pointer in [rowNorms, reconstructionWeight, sideContrast, labels, memberships, distances, products, membershipGradient, rowTerms, predictionGradient] {
            pointer.deallocate()
        }
    }
}
