import Foundation

/// The eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form, then the QL
/// algorithm with implicit shifts (the EISPACK routines tred2 and tql2, as the public-domain JAMA states them).
/// About 9 n³ flops: a 400 × 400 covariance decomposes in a fraction of a second, with no library a plugin does
/// not have.
public enum SymmetricEigen {
    /// The eigenvalues of the n × n symmetric `matrix` (row-major), ascending, and the eigenvectors:
    /// `vectors[i * n + k]` is component i of the unit vector of eigenvalue k.
    public static func decompose(_ matrix: [Double], dimension n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n)
        guard n > 0 else { return ([], []) }
        var v = matrix, d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        tridiagonalize(&v, &d, &e, n)
        diagonalize(&v, &d, &e, n)
        let order = (0..<n).sorted { d[$0] < d[$1] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (k, column) in order.enumerated() { for i in 0..<n { vectors[i * n + k] = v[i * n + column] } }
        return (order.map { d[$0] }, vectors)
    }

    /// Householder reduction of `v` (the matrix on entry) to tridiagonal form: diagonal `d`, subdiagonal `e`
    /// (e[0] = 0), the orthogonal transformation accumulated in `v`.
    private static func tridiagonalize(_ v: inout [Double], _ d: inout [Double], _ e: inout [Double], _ n: Int) {
        for j in 0..<n { d[j] = v[(n - 1) * n + j] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                    v[j * n + i] = 0
                }
            } else {
                // The Householder vector, scaled.
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                // Apply the similarity transformation to the remaining columns.
                for j in 0..<i {
                    f = d[j]
                    v[j * n + i] = f
                    g = e[j] + v[j * n + j] * f
                    if j + 1 <= i - 1 {
                        for k in (j + 1)...(i - 1) {
                            g += v[k * n + j] * d[k]
                            e[k] += v[k * n + j] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j...(i - 1) { v[k * n + j] -= f * e[k] + g * d[k] }
                    d[j] = v[(i - 1) * n + j]
                    v[i * n + j] = 0
                }
            }
            d[i] = h
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            v[(n - 1) * n + i] = v[i * n + i]
            v[i * n + i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = v[k * n + i + 1] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += v[k * n + i + 1] * v[k * n + j] }
                    for k in 0...i { v[k * n + j] -= g * d[k] }
                }
            }
            for k in 0...i { v[k * n + i + 1] = 0 }
        }
        for j in 0..<n {
            d[j] = v[(n - 1) * n + j]
            v[(n - 1) * n + j] = 0
        }
        v[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// The QL algorithm with implicit shifts on the tridiagonal (`d`, `e`), rotating `v` along: on return `d`
    /// holds the eigenvalues and `v`'s columns the eigenvectors.
    private static func diagonalize(_ v: inout [Double], _ d: inout [Double], _ e: inout [Double], _ n: Int) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, largest = 0.0
        let epsilon = Double.ulpOfOne
        for l in 0..<n {
            // Find a small subdiagonal element.
            largest = max(largest, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1, abs(e[m]) > epsilon * largest { m += 1 }
            // If m == l, d[l] is already an eigenvalue; otherwise iterate.
            if m > l {
                // LAPACK's cap: 30 sweeps an eigenvalue; past it (never seen on a covariance) the value stands as is.
                var sweeps = 0
                repeat {
                    sweeps += 1
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    // Implicit QL transformation.
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        for k in 0..<n {
                            h = v[k * n + i + 1]
                            v[k * n + i + 1] = s * v[k * n + i] + c * h
                            v[k * n + i] = c * v[k * n + i] - s * h
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > epsilon * largest && sweeps < 30
            }
            d[l] += f
            e[l] = 0
        }
    }
}
