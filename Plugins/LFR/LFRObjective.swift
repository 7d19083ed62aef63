import CFairlabKernels
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
/// The two products over the rows and features (S = X Vᵀ and Xᵀ F) go over a `FeatureMatrix`, sparse or dense; the passes
/// over the rows, O(N k²), are C kernels (`fairlab_lfr_*`). The gradient, by the chain rule through the softmax and
/// the distances, is checked against central differences in Tests/LFRTests/LFRGradientTests.swift (which compiles
/// this file) and in the golden script (tools/golden/make_lfr_goldens.py); the sparse and dense products against each
/// other in Tests/FairlabHostTests/LFRTests.swift.
struct LFRObjective {
    /// The terms of the objective at one point.
    struct Terms { var total, reconstruction, prediction, parity: Double }

    static let clip = Double.ulpOfOne

    let rows: FeatureMatrix
    let prototypes: Int
    let weights: (reconstruction: Double, prediction: Double, parity: Double)
    /// Per row: its label, 1 / (n_side · p) (its weight in L_x), and +1 / n_unprivileged or −1 / n_privileged (so
    /// Σ_i a_i M_ij is the difference of the sides' means); and the evaluations' buffers.
    private let workspace: LFRWorkspace

    /// The objective on `rows` with 0/1 `labels` and each row's side (true: privileged); both sides must have rows.
    init(rows: FeatureMatrix, labels: [Double], privileged: [Bool], prototypes: Int,
         weights: (reconstruction: Double, prediction: Double, parity: Double)) {
        self.rows = rows
        self.prototypes = prototypes
        self.weights = weights
        let privilegedCount = Double(privileged.filter { $0 }.count), unprivilegedCount = Double(rows.rows) - privilegedCount
        workspace = LFRWorkspace(
            rowNorms: rows.squaredNorms(),
            reconstructionWeight: privileged.map { 1 / (($0 ? privilegedCount : unprivilegedCount) * Double(rows.cols)) },
            sideContrast: privileged.map { $0 ? -1 / privilegedCount : 1 / unprivilegedCount }, labels: labels, prototypes: prototypes)
    }

    var parameterCount: Int { prototypes + prototypes * rows.cols }

    /// Σ_i a_i M_ij for each prototype j at the point last evaluated: the difference of the sides' mean memberships,
    /// whose absolute values the parity term sums (and where it has its kinks, at 0).
    var sideContrasts: [Double] { workspace.contrast }

    /// Memberships M, distances D and products S = X Vᵀ (each n × k, row-major) of `rows` (with squared norms
    /// `norms`) and the k prototypes in `theta`, into `m`, `d` and `s`.
    static func memberships(
        of rows: FeatureMatrix, norms: UnsafePointer<Double>, prototypes k: Int, theta: UnsafePointer<Double>,
        into m: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>
    ) {
        let p = rows.cols
        // Vᵀ (p × k, row-major): V is θ[k...], k × p row-major.
        var transposed = [Double](repeating: 0, count: p * k)
        for j in 0..<k { for f in 0..<p { transposed[f * k + j] = theta[k + j * p + f] } }
        rows.times(transposed, width: k, into: s)
        let prototypeNorms = (0..<k).map { j in (0..<p).reduce(0) { $0 + theta[k + j * p + $1] * theta[k + j * p + $1] } }
        fairlab_lfr_memberships(s, norms, prototypeNorms, Int64(rows.rows), Int64(k), d, m)
    }

    /// The reconstruction x̂ = M V (n × p, column-major) and ŷ = clip(M w) of `rows` under the k prototypes in
    /// `theta`.
    static func represent(_ rows: FeatureMatrix, prototypes k: Int, theta: [Double], blas: fl_blas) -> (features: [Double], predictions: [Double]) {
        let n = rows.rows, p = rows.cols, norms = rows.squaredNorms()
        var m = [Double](repeating: 0, count: n * k), d = m, s = m
        var reconstruction = [Double](repeating: 0, count: n * p)
        theta.withUnsafeBufferPointer { t in
            m.withUnsafeMutableBufferPointer { m in
                d.withUnsafeMutableBufferPointer { d in
                    s.withUnsafeMutableBufferPointer { s in
                        memberships(of: rows, norms: norms, prototypes: k, theta: t.baseAddress!, into: m.baseAddress!, d: d.baseAddress!, s: s.baseAddress!)
                    }
                }
                // x̂ (n × p, column-major) = M V: M read as k × n column-major and V as p × k, both transposed.
                reconstruction.withUnsafeMutableBufferPointer { out in
                    blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_TRANS), Int32(n), Int32(p), Int32(k),
                               1, m.baseAddress!, Int32(k), t.baseAddress! + k, Int32(p), 0, out.baseAddress!, Int32(n))
                }
            }
        }
        let predictions = (0..<n).map { i in min(max((0..<k).reduce(0) { $0 + m[i * k + $1] * theta[$1] }, clip), 1 - clip) }
        return (reconstruction, predictions)
    }

    /// L and its terms at `theta`, leaving what `gradient(at:into:)` needs at the same point. Only two products
    /// touch the rows' features, S = X Vᵀ here and Xᵀ F for the gradient: with Q = V Vᵀ,
    /// ‖x̂_i − x_i‖² = (M Q)_i · M_i − 2 Σ_j M_ij S_ij + ‖x_i‖². The n × k arrays of an evaluation are the
    /// workspace's, reused by every evaluation of a fit (fresh ones, megabytes each, were mapped and zeroed by the
    /// kernel every time).
    func evaluate(_ theta: [Double]) -> Terms {
        let n = rows.rows, k = prototypes, p = rows.cols, work = workspace
        // Q = V Vᵀ (k × k).
        var q = [Double](repeating: 0, count: k * k)
        for j in 0..<k { for l in 0..<k { q[j + l * k] = (0..<p).reduce(0) { $0 + theta[k + j * p + $1] * theta[k + l * p + $1] } } }
        // Σ c_i ‖x̂_i − x_i‖², the label loss's sum, then the k side contrasts.
        var sums = [Double](repeating: 0, count: 2 + k)
        theta.withUnsafeBufferPointer { theta in
            Self.memberships(
                of: rows, norms: work.rowNorms, prototypes: k, theta: theta.baseAddress!, into: work.memberships, d: work.distances, s: work.products)
            fairlab_lfr_terms(
                work.memberships, work.products, q, theta.baseAddress!, work.rowNorms, work.reconstructionWeight, work.sideContrast, work.labels,
                Int64(n), Int64(k), weights.reconstruction, weights.prediction / Double(n), Self.clip, work.membershipGradient,
                work.predictionGradient, &sums)
        }
        let lx = sums[0], ly = sums[1] / Double(n), contrast = sums[2...]
        (work.point, work.contrast) = (theta, Array(contrast))
        let lz = contrast.reduce(0) { $0 + abs($1) } / Double(k)
        return Terms(
            total: weights.reconstruction * lx + weights.prediction * ly + weights.parity * lz, reconstruction: lx, prediction: ly, parity: lz)
    }

    /// ∇L at `theta` into `gradient`, from the arrays `evaluate` left there (evaluated again first if the last
    /// evaluation was of another point, so the gradient cannot mix two points):
    /// ∇V = (2 A_x Mᵀ C M + diag(1ᵀE)) V − (2 A_x C M + E)ᵀ X, with C the rows' L_x weights and E the path through
    /// the softmax and the distances (`fairlab_lfr_gradient_rows`). A pass of its own, so a line search pays for
    /// it only at the points it accepts.
    func gradient(at theta: [Double], into gradient: UnsafeMutableBufferPointer<Double>) {
        if workspace.point != theta { _ = evaluate(theta) }
        let n = rows.rows, k = prototypes, p = rows.cols, work = workspace
        // The parity path into ∂L/∂M: (A_z / k) sign(Δ_j) a_i through the sides' mean memberships.
        let parity = work.contrast.map { weights.parity / Double(k) * ($0 > 0 ? 1 : $0 < 0 ? -1 : 0) }
        var kernel = [Double](repeating: 0, count: k * k)  // 2 A_x Mᵀ C M + diag(1ᵀE)
        theta.withUnsafeBufferPointer { theta in
            fairlab_lfr_gradient_rows(
                work.memberships, work.distances, work.membershipGradient, work.predictionGradient, theta.baseAddress!, parity,
                work.sideContrast, work.reconstructionWeight, Int64(n), Int64(k), weights.reconstruction, work.rowTerms, &kernel,
                gradient.baseAddress!)
        }
        // ∇V = K V − (Xᵀ F)ᵀ, with Xᵀ F features × k, row-major.
        var pull = [Double](repeating: 0, count: p * k)
        rows.transposeTimes(work.rowTerms, width: k, into: &pull)
        for j in 0..<k {
            for feature in 0..<p {
                let pushed = (0..<k).reduce(0) { $0 + theta[k + $1 * p + feature] * kernel[$1 + j * k] }
                gradient[k + j * p + feature] = pushed - pull[feature * k + j]
            }
        }
    }
}

/// One objective's buffers, allocated once: the per-row constants and the n × k arrays (row-major) each
/// evaluation fills, and its k side contrasts. A class, so the objective's evaluations (non-mutating) reuse them.
final class LFRWorkspace {
    /// The point of the last evaluation, and its Σ_i a_i M_ij, one for each prototype j (the difference of the sides'
    /// mean memberships).
    var point: [Double] = [], contrast: [Double] = []
    let rowNorms, reconstructionWeight, sideContrast, labels: UnsafeMutablePointer<Double>
    let memberships, distances, products, membershipGradient, rowTerms: UnsafeMutablePointer<Double>
    let predictionGradient: UnsafeMutablePointer<Double>

    init(rowNorms: [Double], reconstructionWeight: [Double], sideContrast: [Double], labels: [Double], prototypes k: Int) {
        func copy(_ values: [Double]) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        let n = labels.count
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
