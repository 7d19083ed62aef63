/// The Cholesky factor of a small symmetric positive-definite matrix, to solve `A x = b` for one or more `b`. Used
/// for Newton steps whose size is the number of features, so a plain triple loop is cheaper than calling LAPACK;
/// a step that is refined against a second right-hand side reuses the factor instead of factoring again.
struct CholeskySolver {
    /// R with A = Rᵀ R, upper triangular, column-major n × n.
    private let r: [Double]
    private let n: Int

    /// Factors column-major `a` (n × n, only the upper triangle is read); nil if it is not numerically positive
    /// definite.
    init?(factoring a: [Double], size n: Int) {
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
        self.r = r
        self.n = n
    }

    /// x with A x = `b`: forward substitution Rᵀ z = b, then back substitution R x = z.
    func solve(_ b: [Double]) -> [Double] {
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
