import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing by resampling, as instance weights (a row drawn k times weighs k; a dropped row weighs 0):
///
/// - `uniform-sampling` and `preferential-sampling` (Kamiran & Calders 2012): each cell (privileged or not ×
///   label) is brought to the size it would have if label and side were independent, E = round(n_side · n_label
///   / n) (halves to even). A cell of A rows growing to E gives every row ⌊E/A⌋ copies and E mod A rows one
///   more; a shrinking cell keeps E rows. Uniform sampling picks those rows at random from the host's seeded
///   stream; preferential sampling picks by a ranker's score (the host's logistic regression on the training
///   rows): extra copies go to the most borderline rows (positives with the lowest scores, negatives with the
///   highest), and a shrinking cell drops its most borderline rows.
/// - `group-upsampling`: the loan-approval practice of duplicating the unprivileged favourable cell until the
///   unprivileged base rate is `ratio` times the privileged one (a real weight: the expected duplication).
///
/// Only training rows are reweighted; test rows pass through.
final class Resampling: FairlabMethod {
    enum Kind { case uniform, preferential, upsampling(ratio: Double) }

    private let host: HostServices
    private let kind: Kind
    private(set) var weights: [Double] = []

    init(host: HostServices, kind: Kind) {
        self.host = host
        self.kind = kind
    }

    func fit(train: DataView, validation: DataView?) throws {
        if case .upsampling(let ratio) = kind { return try fitUpsampling(train, ratio: ratio) }
        let cells = try RankedCells(train, host: host)
        let n = Double(train.rows)
        var weights = [Double](repeating: 0, count: train.rows)
        for side in 0..<2 {
            for label in [0.0, 1.0] {
                let sideSize = Double(cells.count(side: side)), labelSize = Double(cells.labels.filter { $0 == label }.count)
                let target = roundHalfToEven(sideSize * labelSize / n)
                var order = cells.borderlineFirst(side: side, label: label)
                guard !order.isEmpty else { continue }
                if case .uniform = kind { shuffle(&order) }
                let observed = order.count
                if target >= observed {
                    // Growing: every row ⌊E/A⌋ copies, the first E mod A rows (most borderline, or random) one more.
                    for (position, row) in order.enumerated() { weights[row] = Double(target / observed + (position < target % observed ? 1 : 0)) }
                } else {
                    // Shrinking: the last E rows (least borderline, or random) stay.
                    for row in order.suffix(target) { weights[row] = 1 }
                }
            }
        }
        self.weights = weights
    }

    private func fitUpsampling(_ train: DataView, ratio: Double) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let sides = PrivilegedSides(train.groups, host: host)
        var positives = [0.0, 0.0], rows = [0.0, 0.0]
        for i in 0..<train.rows {
            rows[sides.index(codes[i])] += 1
            positives[sides.index(codes[i])] += labels[i]
        }
        let target = ratio * positives[0] / rows[0]
        guard target > 0, target < 1 else { throw PluginError.invalidInput("ratio=\(ratio) asks for an unprivileged base rate of \(target), which weights cannot reach") }
        guard positives[1] > 0 else { throw PluginError.invalidInput("the unprivileged side has no favourable rows to duplicate") }
        // w · pos_u / (w · pos_u + neg_u) = target.
        let weight = target * (rows[1] - positives[1]) / (positives[1] * (1 - target))
        guard weight >= 1 else {
            throw PluginError.invalidInput("the unprivileged base rate is already \(positives[1] / rows[1]), above the target \(target): nothing to up-sample")
        }
        weights = (0..<train.rows).map { sides.index(codes[$0]) == 1 && labels[$0] == 1 ? weight : 1 }
        host.log("unprivileged favourable rows weigh \(weight)", level: FL_LOG_INFO)
    }

    /// Fisher–Yates from the host's seeded stream.
    private func shuffle(_ rows: inout [Int]) {
        guard rows.count > 1 else { return }
        for i in stride(from: rows.count - 1, to: 0, by: -1) {
            rows.swapAt(i, min(i, Int(host.randomUniform() * Double(i + 1))))
        }
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard output.labels != nil else { return }  // test rows: unchanged
        guard data.rows == weights.count else { throw PluginError.invalidInput("resampling reweights the rows it was fitted on; given \(data.rows), fitted on \(weights.count)") }
        for row in 0..<data.rows { output.weights[row] *= weights[row] }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.resampling", name: "Resampling", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "uniform-sampling", name: "Uniform sampling (Kamiran & Calders 2012)", version: "1.0.0",
            description: "Duplicates or drops random rows of each side × label cell to the size independence would give.",
            stage: .preProcessing, needs: [.labels, .baseLearner], make: { host, _ in Resampling(host: host, kind: .uniform) }),
        MethodDefinition(
            id: "preferential-sampling", name: "Preferential sampling (Kamiran & Calders 2012)", version: "1.0.0",
            description: "Duplicates or drops the rows nearest the boundary of each side × label cell to the size independence would give.",
            stage: .preProcessing, needs: [.labels, .baseLearner], make: { host, _ in Resampling(host: host, kind: .preferential) }),
        MethodDefinition(
            id: "group-upsampling", name: "Up-sampling the unprivileged favourable cell", version: "1.0.0",
            description: "Weights the unprivileged favourable rows until the unprivileged base rate is ratio times the privileged one.",
            stage: .preProcessing, needs: [.labels],
            parameters: [Parameter("ratio", .real(minimum: 0, maximum: 10), default: "1", description: "target unprivileged / privileged base-rate ratio")],
            make: { host, parameters in Resampling(host: host, kind: .upsampling(ratio: parameters.number("ratio"))) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
