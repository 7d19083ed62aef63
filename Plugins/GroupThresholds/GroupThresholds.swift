import CFairlabPlugin
import FairlabPluginKit

/// Post-processing: a threshold per group on the baseline's scores, chosen on the validation split so that
/// every group has the same selection rate (demographic parity), the same true-positive rate (equal
/// opportunity) or the same false-positive rate, as Hardt et al.'s and Fairlearn's ThresholdOptimizer do for a
/// single-rate constraint; or thresholds given per group.
///
/// For a target rate r, each group's validation scores are sorted; the rate at a threshold is the share of the
/// counted rows (all rows, positives, or negatives) scoring above it, with candidate thresholds at midpoints
/// between distinct scores. Where no threshold gives exactly r, the group's boundary block (tied scores) is
/// selected at random with the probability that makes the expected rate r, drawn from the host's seeded random
/// stream, and that probability is reported per row. With target=accuracy, r is the rate (on a grid of 1001
/// values in [0, 1]) that maximises expected validation accuracy; with target=overall, r is the baseline's
/// overall validation rate at 0.5. With constraint=fixed, `thresholds` gives each group's threshold
/// (`Female=0.42,Male=0.5`; unlisted groups keep 0.5) and nothing is fitted.
///
/// A group with no validation rows (a rare intersection, or a dataset whose fixed split puts none of its rows
/// there) has no scores to choose its own threshold from: it gets the pooled rule, the threshold that gives
/// rate r on all validation rows together, and the method logs a warning naming the group, which the host keeps
/// with the row as a note.
final class GroupThresholds: FairlabMethod {
    static let parameters = [
        Parameter("constraint", .choice(["selection_rate", "true_positive_rate", "false_positive_rate", "fixed"]), default: "selection_rate",
                  description: "the rate made equal across groups, or fixed thresholds"),
        Parameter("target", .choice(["accuracy", "overall"]), default: "accuracy",
                  description: "accuracy: the common rate maximising validation accuracy; overall: the baseline's overall rate"),
        Parameter("thresholds", .text, default: "",
                  description: "with constraint=fixed: GROUP=THRESHOLD pairs, comma-separated (unlisted groups: 0.5)"),
    ]
    static let gridSize = 1001

    /// The fitted rule of one group: 1 above `upper`, 0 at or below `lower`, 1 with `probability` between.
    struct Rule: Equatable {
        var upper: Double
        var lower: Double
        var probability: Double

        func probabilityOfFavorable(_ score: Double) -> Double {
            score > upper ? 1 : score > lower ? probability : 0
        }
    }

    private let host: HostServices
    private let target: String
    private let counting: GroupScores.Counting?
    private let fixed: [String: Double]
    private(set) var rules: [Rule] = []
    private(set) var rate = 0.0

    init(host: HostServices, parameters: ParameterValues) throws {
        self.host = host
        target = parameters.text("target")
        let constraint = parameters.text("constraint")
        counting = constraint == "fixed" ? nil : GroupScores.Counting(rawValue: constraint)!
        var fixed: [String: Double] = [:]
        for pair in parameters.text("thresholds").split(separator: ",") {
            // Edges trimmed of spaces; a group name may hold spaces inside ("Native American").
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
            guard parts.count == 2, let value = Double(parts[1]), value.isFinite else {
                throw PluginError.invalidInput("thresholds: '\(pair)' is not GROUP=NUMBER")
            }
            fixed[parts[0]] = value
        }
        guard constraint == "fixed" || fixed.isEmpty else { throw PluginError.invalidInput("thresholds are given only with constraint=fixed") }
        self.fixed = fixed
    }

    func fit(train: DataView, validation: DataView?) throws {
        let names = train.groups.names
        guard let counting else {
            if let unknown = fixed.keys.sorted().first(where: { !names.contains($0) }) {
                throw PluginError.invalidInput("thresholds names group '\(unknown)', which is not one of \(names.joined(separator: ", "))")
            }
            rules = names.map { Rule(upper: fixed[$0] ?? 0.5, lower: fixed[$0] ?? 0.5, probability: 0) }
            return
        }
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        guard train.rows > 0 else { throw PluginError.invalidInput("no rows to fit on") }
        let groups = (0..<train.groups.count).map { group in
            GroupScores(scores: (0..<train.rows).filter { codes[$0] == Int32(group) }.map { (scores[$0], labels[$0]) })
        }
        let pooled = GroupScores(scores: (0..<train.rows).map { (scores[$0], labels[$0]) })
        guard pooled.total(counting) > 0 else { throw PluginError.invalidInput("there are no fitting rows\(counting.rowsName)") }
        let present = groups.filter { $0.total(counting) > 0 }
        switch target {
        case "overall":
            rate = pooled.rateAbove(0.5, counting: counting)
        default:
            var best = -1.0
            for step in 0..<Self.gridSize {
                let candidate = Double(step) / Double(Self.gridSize - 1)
                let correct = groups.reduce(0) { $0 + $1.expectedCorrect(atRate: candidate, counting: counting) }
                if correct > best + 1e-12 { best = correct; rate = candidate }
            }
        }
        let missing = groups.indices.filter { groups[$0].total(counting) == 0 }
        rules = groups.map { $0.total(counting) > 0 ? $0.rule(forRate: rate, counting: counting) : pooled.rule(forRate: rate, counting: counting) }
        if !missing.isEmpty, !present.isEmpty {
            let list = missing.map { names[$0] }.joined(separator: ", ")
            host.log("no fitting rows\(counting.rowsName) for group\(missing.count == 1 ? "" : "s") \(list): used the pooled threshold for \(counting.displayName) \(rate)", level: FL_LOG_WARNING)
        }
        host.log("common \(counting.displayName) \(rate)", level: FL_LOG_DEBUG)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        guard !rules.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        var probabilities = [Double](repeating: 0, count: data.rows)
        var randomised = false
        for i in 0..<data.rows {
            let group = Int(codes[i])
            guard group < rules.count else { throw PluginError.invalidInput("group code \(group) was not seen in fit") }
            let p = rules[group].probabilityOfFavorable(scores[i])
            probabilities[i] = p
            if p == 0 || p == 1 {
                output.predictions[i] = p
            } else {
                randomised = true
                output.predictions[i] = host.randomUniform() < p ? 1 : 0
            }
        }
        if randomised { output.setProbabilities(probabilities) }
    }
}

/// One group's validation scores, sorted from highest, in blocks of tied scores.
struct GroupScores {
    /// Which rows a rate counts: all (selection rate), positives (TPR) or negatives (FPR).
    enum Counting: String {
        case selectionRate = "selection_rate", truePositiveRate = "true_positive_rate", falsePositiveRate = "false_positive_rate"

        /// What the counted rows are, for messages ("" for all rows).
        var rowsName: String {
            switch self {
            case .selectionRate: ""
            case .truePositiveRate: " with positive labels"
            case .falsePositiveRate: " with negative labels"
            }
        }

        /// The rate's name, for messages.
        var displayName: String {
            switch self {
            case .selectionRate: "selection rate"
            case .truePositiveRate: "true-positive rate"
            case .falsePositiveRate: "false-positive rate"
            }
        }
    }

    /// Distinct scores from highest, with the number of rows and of positive labels at each.
    private var blocks: [(score: Double, rows: Int, positives: Double)] = []
    let count: Int
    let totalPositives: Double

    init(scores pairs: [(Double, Double)]) {
        count = pairs.count
        totalPositives = pairs.reduce(0) { $0 + $1.1 }
        for (score, label) in pairs.sorted(by: { $0.0 > $1.0 }) {
            if let last = blocks.last, last.score == score {
                blocks[blocks.count - 1].rows += 1
                blocks[blocks.count - 1].positives += label
            } else {
                blocks.append((score, 1, label))
            }
        }
    }

    /// The rows a rate counts in a block.
    private func weight(_ block: (score: Double, rows: Int, positives: Double), _ counting: Counting) -> Double {
        switch counting {
        case .selectionRate: Double(block.rows)
        case .truePositiveRate: block.positives
        case .falsePositiveRate: Double(block.rows) - block.positives
        }
    }

    /// How many rows the rate counts in the whole group.
    func total(_ counting: Counting) -> Double {
        switch counting {
        case .selectionRate: Double(count)
        case .truePositiveRate: totalPositives
        case .falsePositiveRate: Double(count) - totalPositives
        }
    }

    /// The rate when rows scoring above `threshold` are selected.
    func rateAbove(_ threshold: Double, counting: Counting) -> Double {
        blocks.filter { $0.score > threshold }.reduce(0) { $0 + weight($1, counting) } / total(counting)
    }

    /// The block holding the boundary of rate `rate` (blocks above it all selected), and the share of it selected.
    private func boundary(forRate rate: Double, counting: Counting) -> (block: Int, fraction: Double) {
        let wanted = rate * total(counting)
        var above = 0.0
        for (index, block) in blocks.enumerated() {
            let w = weight(block, counting)
            if above + w >= wanted - 1e-9 {
                return (index, w == 0 ? 0 : max(0, min(1, (wanted - above) / w)))
            }
            above += w
        }
        return (blocks.count - 1, 1)
    }

    /// Expected number of correct predictions when the group is selected to rate `rate`.
    func expectedCorrect(atRate rate: Double, counting: Counting) -> Double {
        guard total(counting) > 0 else { return 0 }
        let (block, fraction) = boundary(forRate: rate, counting: counting)
        var truePositives = 0.0, selected = 0.0
        for index in 0..<block {
            truePositives += blocks[index].positives
            selected += Double(blocks[index].rows)
        }
        truePositives += fraction * blocks[block].positives
        selected += fraction * Double(blocks[block].rows)
        let falsePositives = selected - truePositives
        let trueNegatives = Double(count) - totalPositives - falsePositives
        return truePositives + trueNegatives
    }

    /// Thresholds at midpoints between the boundary block and its neighbours.
    func rule(forRate rate: Double, counting: Counting) -> GroupThresholds.Rule {
        let (block, fraction) = boundary(forRate: rate, counting: counting)
        let score = blocks[block].score
        let upper = block == 0 ? Double.infinity : (blocks[block - 1].score + score) / 2
        let lower = block == blocks.count - 1 ? -Double.infinity : (blocks[block + 1].score + score) / 2
        if rate <= 0, counting == .selectionRate { return .init(upper: .infinity, lower: .infinity, probability: 0) }
        return .init(upper: upper, lower: lower, probability: fraction)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.group-thresholds", name: "Group thresholds", vendor: "fairlab", version: "1.1.0",
    methods: [
        MethodDefinition(
            id: "group-thresholds", name: "Per-group thresholds equalising a rate", version: "1.1.0",
            description: "Chooses a threshold per group on the validation split so that every group has the same selection rate, TPR or FPR; or applies given thresholds.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict], parameters: GroupThresholds.parameters,
            make: { host, parameters in try GroupThresholds(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
