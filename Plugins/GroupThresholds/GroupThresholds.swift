import CFairlabPlugin
import FairlabPluginKit

/// Post-processing: a threshold per group on the baseline's scores, chosen on the validation split so that
/// every group is selected at the same rate (demographic parity), as Hardt et al.'s and Fairlearn's
/// ThresholdOptimizer do for a single-rate constraint.
///
/// For a target selection rate r, each group's validation scores are sorted; the rate at a threshold is the
/// share of scores above it, with candidate thresholds at midpoints between distinct scores. Where no
/// threshold gives exactly r, the group's boundary block (tied scores) is selected at random with the
/// probability that makes the expected rate r, drawn from the host's seeded random stream. With
/// target=accuracy, r is the rate (on a grid of 1001 values in [0, 1]) that maximises expected validation
/// accuracy; with target=overall, r is the baseline's overall validation selection rate at 0.5.
///
/// A group with no validation rows (a rare intersection, or a dataset whose fixed split puts none of its rows
/// there) has no scores to choose its own threshold from: it gets the pooled rule, the threshold that selects
/// rate r of all validation rows together, and the method logs a warning naming the group, which the host keeps
/// with the row as a note.
final class GroupThresholds: FairlabMethod {
    static let parameters = [
        Parameter("target", .choice(["accuracy", "overall"]), default: "accuracy",
                  description: "accuracy: the common rate maximising validation accuracy; overall: the baseline's overall rate"),
    ]
    static let gridSize = 1001

    /// The fitted rule of one group: 1 above `upper`, 0 at or below `lower`, 1 with `probability` between.
    struct Rule: Equatable {
        var upper: Double
        var lower: Double
        var probability: Double
    }

    private let host: HostServices
    private let target: String
    private(set) var rules: [Rule] = []
    private(set) var selectionRate = 0.0

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        target = parameters.text("target")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let groups = (0..<train.groups.count).map { group in
            GroupScores(scores: (0..<train.rows).filter { codes[$0] == Int32(group) }.map { (scores[$0], labels[$0]) })
        }
        guard train.rows > 0 else { throw PluginError.invalidInput("no rows to fit on") }
        let present = groups.filter { $0.count > 0 }
        switch target {
        case "overall":
            selectionRate = Double(scores.filter { $0 > 0.5 }.count) / Double(train.rows)
        default:
            var best = -1.0
            for step in 0..<Self.gridSize {
                let rate = Double(step) / Double(Self.gridSize - 1)
                let correct = present.reduce(0) { $0 + $1.expectedCorrect(atRate: rate) }
                if correct > best + 1e-12 { best = correct; selectionRate = rate }
            }
        }
        let missing = groups.indices.filter { groups[$0].count == 0 }
        let pooledRule = missing.isEmpty ? nil : GroupScores(scores: (0..<train.rows).map { (scores[$0], labels[$0]) }).rule(forRate: selectionRate)
        rules = groups.map { $0.count > 0 ? $0.rule(forRate: selectionRate) : pooledRule! }
        if !missing.isEmpty {
            let names = missing.map { train.groups.names[$0] }.joined(separator: ", ")
            host.log("no fitting rows for group\(missing.count == 1 ? "" : "s") \(names): used the pooled threshold for selection rate \(selectionRate)", level: FL_LOG_WARNING)
        }
        host.log("common selection rate \(selectionRate)", level: FL_LOG_DEBUG)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        guard !rules.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        for i in 0..<data.rows {
            let group = Int(codes[i])
            guard group < rules.count else { throw PluginError.invalidInput("group code \(group) was not seen in fit") }
            let rule = rules[group]
            let score = scores[i]
            output.predictions[i] = score > rule.upper ? 1 : score > rule.lower ? (host.randomUniform() < rule.probability ? 1 : 0) : 0
        }
    }
}

/// One group's validation scores, sorted from highest, in blocks of tied scores.
struct GroupScores {
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

    /// The block holding the k-th selected row (rows above it all selected), and the share of it selected.
    private func boundary(forRate rate: Double) -> (block: Int, fraction: Double) {
        let wanted = rate * Double(count)
        var above = 0
        for (index, block) in blocks.enumerated() {
            if Double(above + block.rows) >= wanted - 1e-9 {
                return (index, max(0, min(1, (wanted - Double(above)) / Double(block.rows))))
            }
            above += block.rows
        }
        return (blocks.count - 1, 1)
    }

    /// Expected number of correct predictions when selecting `rate` of the group.
    func expectedCorrect(atRate rate: Double) -> Double {
        let (block, fraction) = boundary(forRate: rate)
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
    func rule(forRate rate: Double) -> GroupThresholds.Rule {
        let (block, fraction) = boundary(forRate: rate)
        let score = blocks[block].score
        let upper = block == 0 ? Double.infinity : (blocks[block - 1].score + score) / 2
        let lower = block == blocks.count - 1 ? -Double.infinity : (blocks[block + 1].score + score) / 2
        if rate <= 0 { return .init(upper: .infinity, lower: .infinity, probability: 0) }
        return .init(upper: upper, lower: lower, probability: fraction)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.group-thresholds", name: "Group thresholds", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "group-thresholds", name: "Per-group thresholds equalising selection rates", version: "1.0.0",
            description: "Chooses a threshold per group on the validation split so that every group has the same selection rate.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict], parameters: GroupThresholds.parameters,
            make: { host, parameters in GroupThresholds(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
