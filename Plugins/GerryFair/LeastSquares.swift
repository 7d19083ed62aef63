import CFairlabPlugin
import FairlabPluginKit

/// Ordinary least squares with an intercept on one fixed matrix, for many targets: scikit-learn's
/// `LinearRegression()`, which GerryFair's learner and auditor call for every cost vector. The centred Gram
/// matrix is formed and factored once (O(n p²)); each fit is then one Xᵀt and two triangular solves, and each
/// prediction one Xβ. Columns that are combinations of earlier ones (a one-hot block beside the intercept, a
/// constant column) get coefficient 0, so the fitted values are the projection scikit-learn's minimum-norm
/// solution also gives, on the training rows and on any row that keeps the same dependencies.
struct LeastSquares {
    /// β and the intercept b of one fit: ŷ = Xβ + b.
    struct Fit {
        let coefficients: [Double]
        let intercept: Double
    }

    let rows: Int
    let cols: Int
    private let means: [Double]
    private let factor: Cholesky
    private let blas: fl_blas

    /// Factors the centred Gram matrix of `x` (rows × cols, column-major with leading dimension `leading`).
    init(_ x: UnsafePointer<Double>, rows: Int, cols: Int, leading: Int, blas: fl_blas) {
        self.rows = rows
        self.cols = cols
        self.blas = blas
        let ones = [Double](repeating: 1, count: rows)
        var sums = [Double](repeating: 0, count: cols)
        if cols > 0 {
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(rows), Int32(cols), 1, x, Int32(leading), ones, 1, 0, &sums, 1)
        }
        means = sums.map { $0 / Double(max(rows, 1)) }
        var gram = [Double](repeating: 0, count: cols * cols)
        if cols > 0 {
            blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(cols), Int32(cols), Int32(rows),
                       1, x, Int32(leading), x, Int32(leading), 0, &gram, Int32(cols))
        }
        // Xcᵀ Xc = XᵀX − n μ μᵀ.
        for j in 0..<cols { for i in j..<cols { gram[i + j * cols] -= Double(rows) * means[i] * means[j] } }
        // Dependent columns' pivots are rounding noise, near 1e-16 of the diagonal; a real column's is far above.
        factor = Cholesky(lowerOf: gram, size: cols, relativeFloor: 1e-10)
    }

    /// The fit of `target` (one value per row of the matrix `x`, the one given at init).
    func fit(_ target: [Double], on x: UnsafePointer<Double>, leading: Int) -> Fit {
        precondition(target.count == rows)
        let mean = target.reduce(0, +) / Double(max(rows, 1))
        guard cols > 0 else { return Fit(coefficients: [], intercept: mean) }
        var cross = [Double](repeating: 0, count: cols)
        blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(rows), Int32(cols), 1, x, Int32(leading), target, 1, 0, &cross, 1)
        // Xcᵀ (t − t̄) = Xᵀ t − μ Σt.
        let total = mean * Double(rows)
        for j in 0..<cols { cross[j] -= means[j] * total }
        let beta = factor.solve(cross)
        return Fit(coefficients: beta, intercept: mean - dot(means, beta))
    }

    /// Xβ + b for every row of `x` (any number of rows, the same columns), column-major with `leading`.
    static func predict(_ fit: Fit, _ x: UnsafePointer<Double>, rows: Int, leading: Int, blas: fl_blas) -> [Double] {
        var result = [Double](repeating: fit.intercept, count: rows)
        if !fit.coefficients.isEmpty, rows > 0 {
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(rows), Int32(fit.coefficients.count), 1, x, Int32(leading),
                       fit.coefficients, 1, 1, &result, 1)
        }
        return result
    }
}
