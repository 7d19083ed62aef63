/// A dense Cholesky factor L (A = L Lᵀ, column-major lower triangle) of a symmetric positive semi-definite
/// matrix; a pivot that vanishes (a dependent constraint, a direction the interior point has left, a column
/// that is a combination of earlier ones) is replaced by a huge value, so its component of a solution is zero,
/// as interior-point codes do: for a Gram matrix, the solution is then a least-squares one on the independent
/// columns, whose fitted values are the projection.
public struct Cholesky {
    private var factor: [Double]
    private let size: Int

    /// Factors the lower triangle of `matrix` (size × size, column-major); a pivot at or below `relativeFloor`
    /// times the largest diagonal entry counts as vanished (1e-30: only exact zeros up to rounding of tiny
    /// entries; a Gram matrix wants about 1e-10, as its dependent columns' pivots are rounding noise of that size).
    public init(lowerOf matrix: [Double], size m: Int, relativeFloor: Double = 1e-30) {
        size = m
        factor = matrix
        let largest = (0..<m).reduce(0) { max($0, abs(matrix[$1 + $1 * m])) }
        factor.withUnsafeMutableBufferPointer { l in
            for j in 0..<m {
                // Left-looking: column j below the diagonal loses Σ_k L[i, k] L[j, k] over the earlier columns.
                for k in 0..<j {
                    let ljk = l[j + k * m]
                    if ljk == 0 { continue }
                    for i in j..<m { l[i + j * m] -= l[i + k * m] * ljk }
                }
                var pivot = l[j + j * m]
                if !(pivot > relativeFloor * max(largest, 1e-300)) { pivot = 1e128 }
                let root = pivot.squareRoot()
                l[j + j * m] = root
                let inverse = 1 / root
                for i in (j + 1)..<m { l[i + j * m] *= inverse }
            }
        }
    }

    /// Solves L Lᵀ z = r.
    public func solve(_ r: [Double]) -> [Double] {
        let m = size
        var z = r
        factor.withUnsafeBufferPointer { l in
            z.withUnsafeMutableBufferPointer { z in
                for j in 0..<m {
                    z[j] /= l[j + j * m]
                    let v = z[j]
                    if v != 0 { for i in (j + 1)..<m { z[i] -= l[i + j * m] * v } }
                }
                for j in stride(from: m - 1, through: 0, by: -1) {
                    var v = z[j]
                    for i in (j + 1)..<m { v -= l[i + j * m] * z[i] }
                    z[j] = v / l[j + j * m]
                }
            }
        }
        return z
    }
}
