import Foundation

/// A mean over seeds with its 95 % Student-t interval (mean ± t·s/√n; no interval for one seed): the spread a
/// stress run's recovery curves show, since each seed is a fresh split and a fresh injection.
public struct SeedInterval: Codable, Sendable, Equatable {
    public let mean: Double
    /// Absent for one seed.
    public let lower: Double?
    public let upper: Double?
    public let count: Int

    init?(_ values: [Double]) {
        guard let statistic = ComparisonSummary.Statistic(values.filter { !$0.isNaN }) else { return nil }
        (mean, count) = (statistic.mean, statistic.count)
        guard let std = statistic.std else {
            (lower, upper) = (nil, nil)
            return
        }
        let half = Self.studentT975(degreesOfFreedom: count - 1) * std / Double(count).squareRoot()
        (lower, upper) = (mean - half, mean + half)
    }

    /// Whether the interval holds `value` (false with one seed: there is no interval).
    func contains(_ value: Double) -> Bool {
        guard let lower, let upper else { return false }
        return lower <= value && value <= upper
    }

    /// The 97.5 % quantile of Student's t: tabulated to 30 degrees of freedom, then 1.96 + 2.4/df, which is
    /// within 0.003 of the exact value beyond (2.021 at 40, 2.000 at 60, 1.984 at 100).
    static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        return df <= table.count ? table[df - 1] : 1.96 + 2.4 / Double(df)
    }
}
