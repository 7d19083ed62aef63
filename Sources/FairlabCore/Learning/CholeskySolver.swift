/// Solves small symmetric positive-definite systems `A x = b` by Cholesky factorisation. Used for Newton steps
/// whose size is the number of features, so a plain triple loop is cheaper than calling LAPACK.
enum CholeskySolver {
    /// Solves `A x = b` for column-major `a` (n×n, only the upper triangle is read). Returns nil if `a` is not
    /// numerically positive definite.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        // Factor A = Rᵀ R with R upper triangular, stored column-major in `r`.
        var r = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var diagonal = a[j + j * n]
            for k in 0..<j { diagonal -= r[k + j * n] * r[k + j * n] }
            guard diagonal > 0, diagonal.isFinite else { return nil }
            let rjj = diagonal.squareRoot()
            r[j + j * n] = rjj
            for i in (j + 1)..<max(j + 1, n) {
                var value = a[j + i * n]
                for k in 0..<j { value -= r[k + j * n] * r[k + i * n] }
                r[j + i * n] = value / rjj
            }
        }
        // Forward substitution Rᵀ z = b, then back substitution R x = z.
        var z = b
        for i in 0..<n {
            var value = z[i]
            for k in 0..<i { value -= r[k + i * n] * z[k] }
            z[i] = value / r[i + i * n]
        }
        var x = z
        for i in stride(from: n - 1, through: 0, by: -1) {
            var value = x[i]
            for k in (i + 1)..<max(i + 1, n) { value -= r[i + k * n] * x[k] }
            x[i] = value / r[i + i * n]
        }
        return x
    }
}
