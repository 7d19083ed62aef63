/// Centers and scales every feature column by the mean and (population) standard deviation of the rows it was
/// fitted on, as scikit-learn's `StandardScaler` does; a constant column keeps scale 1.
public struct Standardizer: Sendable {
    /// Per-column means of the fitting rows.
    public let means: [Double]
    /// Per-column standard deviations of the fitting rows (1 where a column is constant).
    public let scales: [Double]

    /// Fits on `matrix`; columns where `only` is false (when given) keep mean 0 and scale 1, so they pass
    /// through unchanged.
    public init(fitting matrix: Matrix, only: [Bool]? = nil) {
        var means = [Double](repeating: 0, count: matrix.cols)
        var scales = [Double](repeating: 1, count: matrix.cols)
        matrix.withUnsafeStorage { values in
            for j in 0..<matrix.cols where only?[j] ?? true {
                (means[j], scales[j]) = Self.statistics(UnsafeBufferPointer(rebasing: values[(j * matrix.rows)..<((j + 1) * matrix.rows)]))
            }
        }
        self.init(means: means, scales: scales)
    }

    /// A standardiser with these per-column means and scales.
    public init(means: [Double], scales: [Double]) {
        precondition(means.count == scales.count)
        self.means = means
        self.scales = scales
    }

    /// The mean and scale of one column's values: the population standard deviation, or 1 for a constant column.
    public static func statistics(_ column: UnsafeBufferPointer<Double>) -> (mean: Double, scale: Double) {
        guard !column.isEmpty else { return (0, 1) }
        var sum = 0.0
        for v in column { sum += v }
        let mean = sum / Double(column.count)
        var squares = 0.0
        for v in column { squares += (v - mean) * (v - mean) }
        let std = (squares / Double(column.count)).squareRoot()
        // scikit-learn treats a variance below 10·eps·mean² as zero (`_is_constant_feature`).
        return (mean, std > 0 && std * std > 10 * Double.ulpOfOne * max(mean * mean, Double.leastNormalMagnitude) ? std : 1)
    }

    /// `matrix` with every column centred and scaled: in place when the caller gives up its matrix (a
    /// temporary, or `consume`), so a large matrix is not held twice.
    public func transform(_ matrix: consuming Matrix) -> Matrix {
        precondition(matrix.cols == means.count, "standardizer fitted on \(means.count) columns, given \(matrix.cols)")
        var result = consume matrix
        let rows = result.rows, cols = result.cols
        result.withUnsafeMutableStorage { values in
            for j in 0..<cols {
                let mean = means[j]
                let inverseScale = 1 / scales[j]
                for i in (j * rows)..<((j + 1) * rows) { values[i] = (values[i] - mean) * inverseScale }
            }
        }
        return result
    }
}
