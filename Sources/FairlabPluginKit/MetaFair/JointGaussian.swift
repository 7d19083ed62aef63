import CFairlabKernels
import Foundation

/// The Gaussian fitted to the training rows of [x, y, z] (x the features, y = ±1 the label, z = 1 for the
/// privileged side): mean, covariance with n − 1, and its density as SciPy's `multivariate_normal(...,
/// allow_singular=True)` has it: through the pseudo-inverse over the eigenvalues above 10⁶ · ε · the largest
/// (the pseudo-determinant over the same). The density of a point off the support is that of its projection on
/// it (SciPy before 1.9.3; later versions give 0 there, which leaves every row of a dataset with a protected
/// column NaN: the references drop those columns, as the plugin does).
public struct JointGaussian {
    /// Features (d), then y and z.
    public let dimension: Int
    public let mean: [Double]
    /// Row-major d+2 × d+2.
    public let covariance: [Double]
    /// The whitening: the eigenvectors of the kept eigenvalues, each over the root of its eigenvalue (row-major
    /// dimension × rank).
    public let whitening: [Double]
    public let rank: Int
    /// log of the density's constant: −½ (rank · log 2π + Σ log of the kept eigenvalues).
    public let logNormalizer: Double
    /// The eigenpairs of the features' covariance block, which samples of x are drawn with (d values, then
    /// row-major d × d vectors).
    private let featureEigen: (values: [Double], vectors: [Double])

    /// Fits the Gaussian to `columns` (d + 2 columns of n values each: the features, y, z).
    public init(columns: [[Double]]) {
        let dimension = columns.count, n = columns[0].count
        self.dimension = dimension
        mean = columns.map { $0.reduce(0, +) / Double(n) }
        // The centred rows one after another; each sum of products then grows row by row, in the rows' order, as
        // whole rows of the upper triangle at a time (vectorised, four rows per load and store of each sum, in C).
        var centred = [Double](repeating: 0, count: n * dimension)
        for (i, column) in columns.enumerated() { for k in 0..<n { centred[k * dimension + i] = column[k] - mean[i] } }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        fairlab_upper_row_products(centred, Int64(n), Int64(dimension), &covariance)
        for i in 0..<dimension {
            for j in i..<dimension {
                covariance[i * dimension + j] /= Double(n - 1)
                covariance[j * dimension + i] = covariance[i * dimension + j]
            }
        }
        self.covariance = covariance
        let (values, vectors) = SymmetricEigen.decompose(covariance, dimension: dimension)
        let cutoff = 1e6 * Double.ulpOfOne * (values.map(abs).max() ?? 0)
        let kept = values.indices.filter { values[$0] > cutoff }
        rank = kept.count
        var whitening = [Double](repeating: 0, count: dimension * kept.count)
        for (column, k) in kept.enumerated() {
            let inverseRoot = 1 / values[k].squareRoot()
            for i in 0..<dimension { whitening[i * kept.count + column] = vectors[i * dimension + k] * inverseRoot }
        }
        self.whitening = whitening
        logNormalizer = -0.5 * (Double(rank) * log(2 * Double.pi) + kept.map { log(values[$0]) }.reduce(0, +))
        let d = dimension - 2
        var block = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { block[i * d + j] = covariance[i * dimension + j] } }
        featureEigen = SymmetricEigen.decompose(block, dimension: d)
    }

    /// The log-densities of (x, y, z) for y = ±1 and z = 0, 1 at every point x (n × d row-major): per point the
    /// four values (y = +1, z = 1), (y = −1, z = 1), (y = +1, z = 0), (y = −1, z = 0).
    public func logDensities(points: [Double], count: Int) -> [(Double, Double, Double, Double)] {
        let d = dimension - 2, r = rank
        let wy = Array(whitening[(d * r)..<((d + 1) * r)]), wz = Array(whitening[((d + 1) * r)..<((d + 2) * r)])
        // The whitened features of every point (in C: four points at a time, each row of the whitening loaded once
        // for the four).
        var bases = [Double](repeating: 0, count: count * r)
        if r > 0 { fairlab_whiten_points(points, Int64(count), Int64(d), mean, whitening, Int64(r), &bases) }
        return bases.withUnsafeBufferPointer { bases in (0..<count).map { point in
            let base = bases.baseAddress! + point * r
            func value(_ y: Double, _ z: Double) -> Double {
                let cy = y - mean[d], cz = z - mean[d + 1]
                var sum = 0.0
                for k in 0..<r {
                    let component = base[k] + cy * wy[k] + cz * wz[k]
                    sum += component * component
                }
                return logNormalizer - 0.5 * sum
            }
            return (value(1, 1), value(-1, 1), value(1, 0), value(-1, 0))
        } }
    }

    /// `count` draws of x from the Gaussian's marginal over the features, N(mean_x, cov_x), each x = mean +
    /// Σ √λ_k ξ_k u_k over cov_x's eigenpairs, with standard normals ξ from `uniform` (Box–Muller).
    public func sampleFeatures(count: Int, uniform: () -> Double) -> [Double] {
        let d = dimension - 2
        let (values, vectors) = featureEigen
        var samples = [Double](repeating: 0, count: count * d)
        for s in 0..<count {
            for i in 0..<d { samples[s * d + i] = mean[i] }
            for k in 0..<d where values[k] > 0 {
                let u1 = 1 - uniform(), u2 = uniform()
                let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2) * values[k].squareRoot()
                for i in 0..<d { samples[s * d + i] += normal * vectors[i * d + k] }
            }
        }
        return samples
    }
}
