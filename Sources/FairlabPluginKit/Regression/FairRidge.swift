import CFairlabPlugin

/// Ridge regression with a penalty on the gaps between groups' mean predictions: the fair pricing model.
///
/// It minimises `Σ wᵢ (yᵢ − xᵢβ − b)² + α‖β‖² + λ W Σ_{g<h} (m_g − m_h)² / (G − 1)`, where `m_g` is group g's
/// weighted mean prediction on the training rows, W = Σ wᵢ (so λ weighs a squared gap against the mean squared
/// error) and G the number of groups with training rows; for two groups the penalty is `λ W (m_a − m_b)²`, the
/// squared mean-price gap. Since `m_g − m_h = (x̄_g − x̄_h) β` does not involve the intercept, the objective stays
/// a ridge regression on centred data with the extra quadratic term, and its minimiser solves
/// `(X̃ᵀ W X̃ + α I + λ W Σ_{g<h} d_gh d_ghᵀ / (G − 1)) β = X̃ᵀ W ỹ`, `b = ȳ − x̄ β`, with d_gh = x̄_g − x̄_h: exact in
/// one solve. λ = 0 is the host's ridge baseline; as λ grows the training gaps go to 0.
public enum FairRidge {
    /// The coefficients and intercept, for column-major `features` (rows × cols), `labels` and `weights` (nil: 1);
    /// the gap penalty, when `lambda` > 0, over `groups` (each row's code in 0..<count; nil: plain ridge).
    public static func fit(
        features: UnsafeBufferPointer<Double>, rows n: Int, cols p: Int, labels: UnsafeBufferPointer<Double>, weights: UnsafeBufferPointer<Double>?,
        groups: (codes: UnsafeBufferPointer<Int32>, count: Int)?, alpha: Double, lambda: Double, blas: fl_blas
    ) throws -> (coefficients: [Double], intercept: Double) {
        func w(_ i: Int) -> Double { weights?[i] ?? 1 }
        let total = (0..<n).reduce(0) { $0 + w($1) }
        guard total > 0 else { throw PluginError.invalidInput("the training weights sum to 0") }
        let labelMean = (0..<n).reduce(0) { $0 + w($1) * labels[$1] } / total
        guard p > 0 else { return ([], labelMean) }

        let means = (0..<p).map { j -> Double in
            let column = features.baseAddress! + j * n
            return (0..<n).reduce(0) { $0 + w($1) * column[$1] } / total
        }
        // √w ⊙ (x − x̄) and √w ⊙ (y − ȳ); the Gram matrix through the host's dgemm.
        var scaled = [Double](repeating: 0, count: n * p)
        for j in 0..<p {
            let column = features.baseAddress! + j * n
            for i in 0..<n { scaled[j * n + i] = w(i).squareRoot() * (column[i] - means[j]) }
        }
        let target = (0..<n).map { w($0).squareRoot() * (labels[$0] - labelMean) }
        var gram = [Double](repeating: 0, count: p * p)
        scaled.withUnsafeBufferPointer { x in
            gram.withUnsafeMutableBufferPointer { g in
                blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(p), Int32(p), Int32(n),
                           1, x.baseAddress!, Int32(n), x.baseAddress!, Int32(n), 0, g.baseAddress!, Int32(p))
            }
        }
        var right = [Double](repeating: 0, count: p)
        scaled.withUnsafeBufferPointer { x in
            for j in 0..<p { right[j] = blas.ddot(Int32(n), x.baseAddress! + j * n, 1, target, 1) }
        }
        for j in 0..<p { gram[j + j * p] += alpha }
        if lambda > 0, let groups { addGapPenalty(to: &gram, lambda * total, features: features, rows: n, cols: p, weights: weights, groups: groups) }
        let beta = Cholesky(lowerOf: gram, size: p, relativeFloor: 1e-12).solve(right)
        guard beta.allSatisfy(\.isFinite) else { throw PluginError(FL_ERROR_NUMERICAL, "the penalised normal equations could not be solved") }
        return (beta, labelMean - zip(means, beta).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// Adds `scale` Σ_{g<h} d_gh d_ghᵀ / (G − 1) to `gram`, d_gh the difference of the groups' weighted feature
    /// means, over the G groups with training weight.
    private static func addGapPenalty(
        to gram: inout [Double], _ scale: Double, features: UnsafeBufferPointer<Double>, rows n: Int, cols p: Int,
        weights: UnsafeBufferPointer<Double>?, groups: (codes: UnsafeBufferPointer<Int32>, count: Int)
    ) {
        func w(_ i: Int) -> Double { weights?[i] ?? 1 }
        var groupMeans = [[Double]](repeating: [Double](repeating: 0, count: p), count: groups.count)
        var groupWeights = [Double](repeating: 0, count: groups.count)
        for i in 0..<n { groupWeights[Int(groups.codes[i])] += w(i) }
        for j in 0..<p {
            let column = features.baseAddress! + j * n
            for i in 0..<n { groupMeans[Int(groups.codes[i])][j] += w(i) * column[i] }
            for g in 0..<groups.count where groupWeights[g] > 0 { groupMeans[g][j] /= groupWeights[g] }
        }
        let present = (0..<groups.count).filter { groupWeights[$0] > 0 }
        guard present.count >= 2 else { return }
        let pairScale = scale / Double(present.count - 1)
        for (position, g) in present.enumerated() {
            for h in present[(position + 1)...] {
                let d = (0..<p).map { groupMeans[g][$0] - groupMeans[h][$0] }
                for a in 0..<p { for b in 0..<p { gram[a + b * p] += pairScale * d[a] * d[b] } }
            }
        }
    }
}
