import CFairlabPlugin
import FairlabPluginKit

/// Post-processing by Hardt, Price & Srebro's threshold optimizer, as Fairlearn 0.15's `ThresholdOptimizer`
/// computes it on the baseline's validation scores (`TradeoffCurve` builds each group's curve and hull).
///
/// - Single-rate constraints (demographic parity, TPR, FPR, TNR or FNR parity): every group's hull of
///   (rate, objective) is read on a grid of `grid_size + 1` values; the x where the groups' objectives,
///   weighted by group size, sum highest is chosen (the first on ties), and each group mixes the two thresholds
///   around it. With `tol` > 0 each group may take its own x within a window of width `tol` (Fairlearn's
///   relaxed constraints: the best window, later windows winning ties).
/// - Equalized odds: hulls of (FPR, TPR); at each grid FPR the lowest TPR over groups is reachable by all;
///   the best operating point by the objective on pooled counts, and each group above it mixes in a constant
///   predictor to come down to it.
///
/// Predictions are drawn from each row's probability with the host's seeded stream (ŷ = 1 when p ≥ u, as
/// Fairlearn draws), and the probabilities themselves are reported, so expected metrics can be computed. A
/// group without validation rows, or whose validation rows have one label only (Fairlearn refuses such data),
/// is given the rule fitted to all validation rows pooled at the chosen operating point, with a warning.
final class ThresholdOptimizer: FairlabMethod {
    static let constraints = [
        "demographic_parity": Rate.selectionRate, "true_positive_rate_parity": .truePositiveRate,
        "false_positive_rate_parity": .falsePositiveRate, "true_negative_rate_parity": .trueNegativeRate,
        "false_negative_rate_parity": .falseNegativeRate,
    ]
    static let parameters = [
        Parameter("constraints", .choice(["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity",
                                          "true_negative_rate_parity", "false_negative_rate_parity"]),
                  default: "demographic_parity", description: "the rate to equalise across groups (equalized_odds: TPR and FPR)"),
        Parameter("objective", .choice(["accuracy_score", "balanced_accuracy_score", "selection_rate", "true_positive_rate", "true_negative_rate"]),
                  default: "accuracy_score", description: "what the operating point maximises (equalized_odds: accuracy or balanced accuracy only)"),
        Parameter("grid_size", .integer(minimum: 1, maximum: 1_000_000), default: "1000", description: "grid intervals on the constrained rate"),
        Parameter("tol", .real(minimum: 0, maximum: 1), default: "0", description: "largest allowed spread of the constrained rate (0: equal)"),
        Parameter("flip", .boolean, default: "false", description: "also consider predicting 1 below a threshold"),
    ]

    /// The fitted rule of one group.
    struct Rule {
        var point: Interpolated
        /// Equalized odds: the share of rows given the constant prediction probability instead.
        var ignore: Double = 0
        var constant: Double = 0

        func probability(_ score: Double) -> Double {
            let p = point.probability(score)
            return ignore == 0 ? p : ignore * constant + (1 - ignore) * p
        }
    }

    private let host: HostServices
    private let constraint: String
    private let objective: Rate
    private let gridSize: Int
    private let tolerance: Double
    private let flip: Bool
    private(set) var rules: [Rule] = []

    init(host: HostServices, parameters: ParameterValues) throws {
        self.host = host
        constraint = parameters.text("constraints")
        objective = Rate(rawValue: parameters.text("objective"))!
        gridSize = Int(parameters.number("grid_size"))
        tolerance = parameters.number("tol")
        flip = parameters.number("flip") != 0
        if constraint == "equalized_odds" {
            guard objective == .accuracy || objective == .balancedAccuracy else {
                throw PluginError.invalidInput("objective=\(objective.rawValue) is not supported with constraints=equalized_odds (accuracy_score or balanced_accuracy_score)")
            }
            guard tolerance == 0 else { throw PluginError.invalidInput("tol is not supported with constraints=equalized_odds") }
        }
    }

    func fit(train: DataView, validation: DataView?) throws {
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let grid = TradeoffCurve.grid(size: gridSize)
        var members = [[Int]](repeating: [], count: train.groups.count)
        for i in 0..<train.rows { members[Int(codes[i])].append(i) }
        let usable = members.map { rows in Set(rows.map { labels[$0] }).count == 2 }
        guard usable.contains(true) else { throw PluginError.invalidInput("no group has both labels among the rows to fit on") }
        let (x, y) = constraint == "equalized_odds" ? (Rate.falsePositiveRate, Rate.truePositiveRate) : (Self.constraints[constraint]!, objective)
        func curve(_ rows: [Int]) -> [Interpolated] {
            let points = TradeoffCurve.points(scores: rows.map { scores[$0] }, labels: rows.map { labels[$0] }, x: x, y: y, flip: flip)
            return TradeoffCurve.interpolate(TradeoffCurve.upperHull(points), on: grid)
        }
        let fitted = members.indices.filter { usable[$0] }
        let curves = Dictionary(uniqueKeysWithValues: fitted.map { ($0, curve(members[$0])) })
        let pooled = curve(Array(0..<train.rows))
        let proportions = Dictionary(uniqueKeysWithValues: fitted.map { ($0, Double(members[$0].count) / Double(fitted.reduce(0) { $0 + members[$1].count })) })

        var chosen: [Int: Int] = [:]     // group → grid index
        var pooledIndex: Int
        var equalizedOdds: (x: Double, y: Double)?
        if constraint == "equalized_odds" {
            var positives = 0.0, negatives = 0.0
            for group in fitted { for i in members[group] { if labels[i] == 1 { positives += 1 } else { negatives += 1 } } }
            var best = -Double.infinity, bestIndex = 0
            for (index, g) in grid.enumerated() {
                let lowest = fitted.map { curves[$0]![index].y }.min()!
                let counts = Counts(
                    truePositives: positives * lowest, falsePositives: negatives * g,
                    trueNegatives: negatives * (1.0 - g), falseNegatives: positives * (1.0 - lowest))
                // Fairlearn rounds the objective to 15 decimals before taking the first maximum.
                let value = (objective.value(counts) * 1e15).rounded(.toNearestOrEven) / 1e15
                if value > best { best = value; bestIndex = index }
            }
            for group in fitted { chosen[group] = bestIndex }
            pooledIndex = bestIndex
            equalizedOdds = (grid[bestIndex], fitted.map { curves[$0]![bestIndex].y }.min()!)
        } else if tolerance == 0 {
            var best = -Double.infinity, bestIndex = 0
            for index in grid.indices {
                var total = 0.0
                for group in fitted { total += proportions[group]! * curves[group]![index].y }
                if total > best { best = total; bestIndex = index }
            }
            for group in fitted { chosen[group] = bestIndex }
            pooledIndex = bestIndex
        } else {
            chosen = relaxedChoice(fitted: fitted, curves: curves, proportions: proportions, grid: grid)
            // Groups without a rule of their own take the pooled curve at the middle of the chosen x's.
            let xs = chosen.values.map { grid[$0] }
            let middle = (xs.min()! + xs.max()!) / 2
            pooledIndex = grid.indices.min { abs(grid[$0] - middle) < abs(grid[$1] - middle) }!
        }

        func rule(_ point: Interpolated) -> Rule {
            guard let (xBest, yBest) = equalizedOdds else { return Rule(point: point) }
            let ignore = point.y == point.x ? 0 : (point.y - yBest) / (point.y - point.x)
            return Rule(point: point, ignore: ignore, constant: xBest)
        }
        rules = members.indices.map { group in
            if let index = chosen[group] { return rule(curves[group]![index]) }
            return rule(pooled[pooledIndex])
        }
        let fallback = members.indices.filter { chosen[$0] == nil }
        if !fallback.isEmpty {
            let names = fallback.map { train.groups.names[$0] }.joined(separator: ", ")
            host.log("no fitting rows with both labels for group\(fallback.count == 1 ? "" : "s") \(names): used the pooled rule at the chosen operating point", level: FL_LOG_WARNING)
        }
    }

    /// Fairlearn's relaxed constraints: every window of grid values no wider than `tol`, each group taking its
    /// best (latest on ties) grid index inside it; the window with the best size-weighted objective wins, a
    /// later one on ties when its spread is no larger.
    private func relaxedChoice(fitted: [Int], curves: [Int: [Interpolated]], proportions: [Int: Double], grid: [Double]) -> [Int: Int] {
        var best = -Double.infinity, bestSpread = Double.infinity
        var bestPicks: [Int: Int] = [:]
        var start = 0
        for end in grid.indices {
            while grid[end] - grid[start] > tolerance { start += 1 }
            var picks: [Int: Int] = [:]
            var total = 0.0
            for group in fitted {
                let weight = proportions[group]!
                var pick = start
                for index in start...end where curves[group]![index].y * weight >= curves[group]![pick].y * weight { pick = index }
                picks[group] = pick
                total += curves[group]![pick].y * weight
            }
            let chosenX = picks.values.map { grid[$0] }
            let spread = chosenX.max()! - chosenX.min()!
            if total > best || (total == best && spread <= bestSpread) {
                best = total
                bestSpread = spread
                bestPicks = picks
            }
        }
        return bestPicks
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        guard !rules.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        var probabilities = [Double](repeating: 0, count: data.rows)
        for i in 0..<data.rows {
            let group = Int(codes[i])
            guard group < rules.count else { throw PluginError.invalidInput("group code \(group) was not seen in fit") }
            probabilities[i] = rules[group].probability(scores[i])
        }
        output.draw(probabilities, host: host)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.threshold-optimizer", name: "Threshold optimizer", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "threshold-optimizer", name: "Threshold optimizer (Hardt et al.; Fairlearn's ThresholdOptimizer)", version: "1.0.0",
            description: "Randomised per-group thresholds on the baseline's scores under a parity or equalized-odds constraint, fitted on the validation split.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict], parameters: ThresholdOptimizer.parameters,
            make: { host, parameters in try ThresholdOptimizer(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
