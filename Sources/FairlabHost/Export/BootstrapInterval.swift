import Foundation

/// A metric's percentile bootstrap interval over test rows, and the paired interval of its difference from the
/// baseline's value on the same resamples.
///
/// With several seeds the interval is that of the mean over seeds the table shows: replicate b is the mean over
/// the seeds of each seed's value on its own resample b (the seeds' resamples are independent, so this draws
/// from the bootstrap distribution of the mean). The difference's replicate b is the mean, over the seeds where
/// the method and the baseline both succeeded, of the method's value minus the baseline's on the same rows.
/// A replicate undefined on any seed (a rate with no rows under it, in that resample) is left out, and the
/// interval says on how many resamples it rests. Quantiles interpolate linearly between order statistics, as
/// NumPy's default does.
public struct BootstrapInterval: Codable, Sendable, Equatable {
    /// The 2.5 % quantile of the replicates.
    public let lower: Double
    /// The 97.5 % quantile of the replicates.
    public let upper: Double
    /// Resamples on which the metric was defined on every seed.
    public let resamples: Int
    /// Seeds the replicates average over.
    public let seeds: Int
    /// The interval of the difference from the baseline (nil for the baseline, or when no seed pairs up).
    public let difference: Difference?

    /// The paired interval of a method's difference from the baseline.
    public struct Difference: Codable, Sendable, Equatable {
        /// The difference on the test rows themselves: the mean, over the seeds where both are defined, of the
        /// method's value minus the baseline's (nil when no seed has both).
        public let estimate: Double?
        /// The 2.5 % quantile of the paired difference's replicates.
        public let lower: Double
        /// The 97.5 % quantile of the paired difference's replicates.
        public let upper: Double
        /// Resamples on which the difference was defined on every paired seed.
        public let resamples: Int
        /// Seeds on which both the method and the baseline succeeded.
        public let seeds: Int

        /// Whether the whole interval lies on one side of 0: the difference is larger than the split's noise. Not
        /// when a bound is NaN (replicates with infinities of both signs): the interval is then undefined.
        public var excludesZero: Bool { !lower.isNaN && !upper.isNaN && (lower > 0 || upper < 0) }
    }

    /// The confidence level of every interval: 95 %, the 2.5 % and 97.5 % quantiles.
    public static let quantiles = (lower: 0.025, upper: 0.975)

    /// The interval of `metric` over the replicates of `outcomes` (successful ones, all of one method), paired
    /// with the baseline's successful `baseline` outcomes (nil for the baseline itself); nil when no seed has
    /// replicates of the metric or none is defined.
    init?(metric: String, outcomes: [SeedOutcome], baseline: [SeedOutcome]?) {
        // As in the table's mean, a seed on whose test rows the metric is undefined is left out.
        let outcomes = outcomes.filter { !($0.metrics.overall[metric]?.isNaN ?? true) }
        let replicated = outcomes.compactMap { $0.bootstrap[metric] }
        guard let (lower, upper, resamples) = Self.percentiles(meanOf: replicated) else { return nil }
        self.lower = lower
        self.upper = upper
        self.resamples = resamples
        seeds = replicated.count
        difference = baseline.flatMap { baseline in
            // A randomised method's expected value is paired with the deterministic baseline's plain one.
            let prefix = ComparisonSummary.expectedPrefix
            let counterpart = metric.hasPrefix(prefix) && !baseline.contains(where: { $0.metrics.overall[metric] != nil })
                ? String(metric.dropFirst(prefix.count)) : metric
            let bySeed = Dictionary(
                baseline.filter { !($0.metrics.overall[counterpart]?.isNaN ?? true) }.map { ($0.seed, $0) }, uniquingKeysWith: { first, _ in first })
            let differences = outcomes.compactMap { outcome -> [Double]? in
                guard let mine = outcome.bootstrap[metric], let theirs = bySeed[outcome.seed]?.bootstrap[counterpart],
                      mine.count == theirs.count else { return nil }
                return zip(mine, theirs).map { $0 - $1 }
            }
            let estimates = outcomes.compactMap { outcome -> Double? in
                guard let mine = outcome.metrics.overall[metric], let theirs = bySeed[outcome.seed]?.metrics.overall[counterpart] else { return nil }
                let difference = mine - theirs
                return difference.isNaN ? nil : difference
            }
            return Self.percentiles(meanOf: differences).map {
                Difference(
                    estimate: estimates.isEmpty ? nil : estimates.reduce(0, +) / Double(estimates.count), lower: $0.lower, upper: $0.upper,
                    resamples: $0.resamples, seeds: differences.count)
            }
        }
    }

    /// The quantiles of the replicate-wise mean of `series` (one replicate series per seed, all of one length),
    /// over the replicates defined on every seed.
    private static func percentiles(meanOf series: [[Double]]) -> (lower: Double, upper: Double, resamples: Int)? {
        guard let count = series.first?.count, series.allSatisfy({ $0.count == count }) else { return nil }
        var means: [Double] = []
        means.reserveCapacity(count)
        for replicate in 0..<count {
            var sum = 0.0
            for values in series { sum += values[replicate] }
            let mean = sum / Double(series.count)
            if !mean.isNaN { means.append(mean) }
        }
        guard !means.isEmpty else { return nil }
        means.sort()
        return (quantile(sorted: means, quantiles.lower), quantile(sorted: means, quantiles.upper), means.count)
    }

    /// The `q` quantile of ascending `values`, interpolated linearly between the order statistics around
    /// (n − 1)·q.
    static func quantile(sorted values: [Double], _ q: Double) -> Double {
        let position = Double(values.count - 1) * q
        let below = Int(position.rounded(.down))
        let fraction = position - Double(below)
        guard below + 1 < values.count, fraction > 0 else { return values[below] }
        return values[below] + (values[below + 1] - values[below]) * fraction
    }
}
