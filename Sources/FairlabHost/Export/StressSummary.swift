import FairlabCore
import Foundation

/// A stress run reduced to its recovery: for every method at every level, its clean-label accuracy and the
/// recovery metric (means over seeds with t-intervals), the share of the injected gap it closes, and its accuracy
/// against the uninjected baseline. Randomised methods are judged by their expected values.
///
/// Gaps are distances from the metric's ideal as its plugin describes it (`MetricDescriptor.distanceFromIdeal`:
/// |SPD| for a difference, 1 − min(DI, 1/DI) for a ratio). The injected gap at level p is how far the baseline's
/// distance moved from level 0 (mean over seeds, each seed against itself); a method closes the part of it that its
/// own distance at p is below the baseline's at p. So a recovery of 1 brings the metric back to the clean
/// baseline's, 0 leaves it where the biased baseline is, and above 1 goes further (a fairness method lowers the
/// metric even on clean data). Where the injection brought the baseline closer to the ideal (a flip in the
/// privileged group), there is no gap to close, and recovery and pass-through are left undefined.
public struct StressSummary: Codable, Sendable {
    /// One method at one level.
    public struct Cell: Codable, Sendable {
        public let level: Double
        /// Clean-label test accuracy.
        public let accuracy: SeedInterval?
        /// The recovery metric, signed as the metric plugin gives it.
        public let metric: SeedInterval?
        /// Mean over seeds of accuracy minus the baseline's at level 0 on the same seed.
        public let accuracyChange: Double?
        /// Share of the injected gap closed (nil at level 0, where the baseline's gap is 0, or where it narrowed).
        public let recovery: Double?
        /// Share of the injected gap that reaches the method's own distance from the ideal: its distance at this
        /// level minus at level 0, over the baseline's gap (0: the method absorbs the injection, 1: it passes it all
        /// on; nil where recovery is).
        public let passThrough: Double?
        public let seedsSucceeded: Int
        public let seedsRun: Int
        /// Whether the method predicts one class for every test row, on every seed at this level (selection rate 0
        /// or 1): it closes any gap by telling no one apart, so its recovery is no achievement.
        public let predictsOneClass: Bool
    }

    /// One method's cells, one per level.
    public struct Row: Codable, Sendable {
        public let id: String
        public let stage: String
        public let cells: [Cell]
        /// Every overall metric of the run (a randomised method's expected value) against the level: per metric,
        /// one mean over seeds with its t-interval per level (nil where undefined).
        public let curves: [String: [SeedInterval?]]
        /// Distinct failure reasons over every level and seed.
        public let errors: [String]
    }

    public let runID: String
    public let datasetPath: String
    /// The injection as given (`label-bias:group=Female`).
    public let injection: String
    /// The group it targeted.
    public let group: String
    public let levels: [Double]
    public let seeds: [UInt64]
    /// The metric whose gap recovery is measured on.
    public let metric: String
    /// What that metric is: its ideal, and so how its distance from it is measured.
    public let metricDescriptor: MetricDescriptor
    /// Per level: the baseline's distance from the ideal at that level minus at level 0, mean over seeds (nil where
    /// undefined).
    public let injectedGap: [Double?]
    /// Per level: whether the injected gap is within the seeds' noise, its 95 % t-interval over the seeds'
    /// paired gaps including 0 (false with one seed, where there is no interval). Recovery and pass-through are
    /// ratios to the gap, so at such a level they are ratios of noise.
    public let injectedGapIsNoise: [Bool]
    /// Per level: whether the injection brought the baseline closer to the ideal (a negative gap beyond the seeds'
    /// noise): there is no injected gap to close there.
    public let injectedGapNarrows: [Bool]
    public let rows: [Row]
    /// The run at level 0 as a comparison: metric names and order, provenance (not in the JSON export, which
    /// `export --level` gives level by level).
    public private(set) var cleanSummary: ComparisonSummary?

    private enum CodingKeys: String, CodingKey {
        case runID, datasetPath, injection, group, levels, seeds, metric, metricDescriptor, injectedGap, injectedGapIsNoise, injectedGapNarrows, rows
    }

    /// The metric recovery is measured on unless told otherwise.
    public static let defaultMetric = "statistical_parity_difference"

    /// Refuses, before a stress run, a recovery metric the standard metrics plugin describes as a score or without
    /// an ideal (accuracy); other plugins' metrics are known only once they ran, and `init` checks them then.
    public static func checkRecoveryMetric(_ metric: String) throws {
        guard let standard = MetricDescriptor.beforeDescriptors.first(where: { $0.metric == metric }),
              !standard.measuresRecovery else { return }
        let usable = MetricDescriptor.beforeDescriptors.filter { $0.measuresRecovery && !$0.metric.hasPrefix(ComparisonSummary.expectedPrefix) }
        throw FairlabError(
            "--metric \(metric): recovery is measured on a fairness metric with an ideal value, and '\(metric)' is a score (use one of: \(usable.map(\.metric).joined(separator: ", ")), or another metric plugin's)")
    }

    /// Summarises the stress run `run` on `metric`; throws when the run is not a stress run, lacks the metric, or
    /// the metric is not one whose distance from an ideal a bias widens (a score such as accuracy, or one without an
    /// ideal).
    public init(_ run: RunRecord, metric: String = Self.defaultMetric, file: String? = nil) throws {
        guard let stress = run.stress else { throw FairlabError(file: file ?? run.id, "run \(run.id) is not a stress run") }
        let present = Set(run.methods.flatMap { $0.outcomes.flatMap { $0.metrics.overall.keys } })
        let known = present.filter { !$0.hasPrefix(ComparisonSummary.expectedPrefix) }
        guard known.contains(metric), present.contains("accuracy") else {
            let names = known.sorted().joined(separator: ", ")
            throw FairlabError(file: file ?? run.id, "run \(run.id) has no metric '\(metric)' (it has: \(names.isEmpty ? "none" : names))")
        }
        let descriptors = run.metricDescriptors.isEmpty ? MetricDescriptor.beforeDescriptors : run.metricDescriptors
        let descriptor = descriptors.first { $0.metric == metric } ?? MetricDescriptor(undescribed: metric)
        guard descriptor.measuresRecovery else {
            let fair = descriptors.filter { $0.measuresRecovery && known.contains($0.metric) }.map(\.metric)
            throw FairlabError(
                file: file ?? run.id,
                "recovery is measured on a fairness metric with an ideal value, and '\(metric)' is "
                    + (descriptor.kind == .score ? "a score" : "not described with an ideal")
                    + " (use one of: \(fair.isEmpty ? "none in this run" : fair.joined(separator: ", ")))")
        }
        metricDescriptor = descriptor
        func distance(_ value: Double) -> Double { descriptor.distanceFromIdeal(value) ?? .nan }
        runID = run.id
        datasetPath = run.datasetPath
        injection = stress.injection.description
        group = stress.injection.groupName(names: run.groupNames, privileged: run.groupPrivileged)
        levels = stress.levels
        seeds = run.seeds
        self.metric = metric
        cleanSummary = try ComparisonSummary(run.atLevel(0))

        // value[method][level][seed], from the outcomes that succeeded; a randomised method's expected value.
        func value(_ outcome: SeedOutcome, _ name: String) -> Double? {
            guard outcome.succeeded else { return nil }
            return outcome.metrics.overall[ComparisonSummary.expectedPrefix + name] ?? outcome.metrics.overall[name]
        }
        // Seed order throughout, so every sum adds in the same order and a rerun's summary is bit for bit the same.
        func values(_ method: MethodRecord, _ name: String, level: Double) -> [(seed: UInt64, value: Double)] {
            method.outcomes.filter { $0.level == level }.compactMap { outcome in
                value(outcome, name).flatMap { $0.isNaN ? nil : (outcome.seed, $0) }
            }
        }
        func lookup(_ pairs: [(seed: UInt64, value: Double)]) -> [UInt64: Double] {
            Dictionary(pairs, uniquingKeysWith: { first, _ in first })
        }
        let baseline = run.methods.first { $0.id == MethodRecord.baselineID }
        let cleanAccuracy = lookup(baseline.map { values($0, "accuracy", level: 0) } ?? [])
        let cleanMetric = lookup(baseline.map { values($0, metric, level: 0) } ?? [])
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

        let gaps = stress.levels.map { level -> (gap: Double?, noise: Bool, narrows: Bool, biased: [UInt64: Double]) in
            let biased = baseline.map { values($0, metric, level: level) } ?? []
            let paired = biased.compactMap { seed, value in cleanMetric[seed].map { distance(value) - distance($0) } }.filter { !$0.isNaN }
            let interval = SeedInterval(paired)
            // With one seed there is no interval: the gap can be neither noise nor, beyond it, narrowed.
            let noise = level > 0 && (interval?.contains(0) ?? false)
            let narrows = level > 0 && interval.map { $0.upper.map { $0 < 0 } ?? false } ?? false
            return (mean(paired), noise, narrows, lookup(biased))
        }
        injectedGap = gaps.map(\.gap)
        injectedGapIsNoise = gaps.map(\.noise)
        injectedGapNarrows = gaps.map(\.narrows)
        let narrows = injectedGapNarrows
        rows = run.methods.map { method in
            let ownClean = lookup(values(method, metric, level: 0))
            let cells = stress.levels.enumerated().map { levelIndex, level -> Cell in
                let outcomes = method.outcomes.filter { $0.level == level }
                let accuracy = values(method, "accuracy", level: level), own = values(method, metric, level: level)
                let biased = gaps[levelIndex].biased
                var recovery: Double?, passThrough: Double?
                if level > 0 && !narrows[levelIndex] {
                    // Distances, over the seeds where the clean and biased baselines and the method all have one (and,
                    // for pass-through, the method at level 0 too).
                    let paired = own.compactMap { seed, value -> (biased: Double, clean: Double, own: Double, ownClean: Double?)? in
                        guard let b = biased[seed].map(distance), let c = cleanMetric[seed].map(distance), !b.isNaN, !c.isNaN else { return nil }
                        let d = distance(value)
                        return d.isNaN ? nil : (b, c, d, ownClean[seed].map(distance).flatMap { $0.isNaN ? nil : $0 })
                    }
                    // + 0: a recovery of −0 (nothing closed of a negative gap) reads 0.
                    let gap = mean(paired.map { $0.biased - $0.clean }), closed = mean(paired.map { $0.biased - $0.own })
                    if let gap, let closed, abs(gap) > 1e-12 { recovery = closed / gap + 0 }
                    let drifts = paired.compactMap { p in p.ownClean.map { (gap: p.biased - p.clean, drift: p.own - $0) } }
                    if let gap = mean(drifts.map(\.gap)), let drift = mean(drifts.map(\.drift)), abs(gap) > 1e-12 { passThrough = drift / gap + 0 }
                }
                let selectionRates = values(method, "selection_rate", level: level).map(\.value)
                return Cell(
                    level: level, accuracy: SeedInterval(accuracy.map(\.value)), metric: SeedInterval(own.map(\.value)),
                    accuracyChange: mean(accuracy.compactMap { seed, value in cleanAccuracy[seed].map { value - $0 } }),
                    recovery: recovery, passThrough: passThrough, seedsSucceeded: outcomes.filter(\.succeeded).count, seedsRun: outcomes.count,
                    predictsOneClass: !selectionRates.isEmpty && (selectionRates.allSatisfy { $0 == 0 } || selectionRates.allSatisfy { $0 == 1 }))
            }
            var errors: [String] = []
            for outcome in method.outcomes where !outcome.succeeded && !errors.contains(outcome.error) { errors.append(outcome.error) }
            var curves: [String: [SeedInterval?]] = [:]
            for name in present where !name.hasPrefix(ComparisonSummary.expectedPrefix) {
                curves[name] = stress.levels.map { SeedInterval(values(method, name, level: $0).map(\.value)) }
            }
            return Row(id: method.id, stage: method.stage, cells: cells, curves: curves, errors: errors)
        }
    }
}
