import CFairlabPlugin
import FairlabPluginKit

/// Fairlets (Chierichetti et al. 2017) for two groups: the training rows are decomposed into fairlets
/// (`FairletDecomposition`), the host's k-means clusters the fairlets' centres weighted by their sizes, and each
/// row takes its fairlet's cluster. Rows to cluster are decomposed the same way and each fairlet goes to the
/// nearest centre, so every cluster has balance at least 1/t.
final class FairletsMethod: FairlabMethod {
    static let parameters = [
        Parameter("candidates", .integer(minimum: 1, maximum: 10_000), default: "24",
                  description: "pairs the flow starts from: each majority row's nearest heads, and each head's nearest majority rows (every pair when there are fewer)"),
    ]

    private let host: HostServices
    private let candidates: Int
    private var centers: Points?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        candidates = Int(parameters.number("candidates"))
    }

    /// The fairlets of `data` and their centres.
    private func fairlets(_ data: DataView) throws -> (FairletDecomposition.Result, Points) {
        guard data.groups.count == 2 else {
            throw PluginError.invalidInput("fairlets are defined for two groups; this run has \(data.groups.count) (choose one protected attribute of two values)")
        }
        let points = Points(data)
        let decomposition = try FairletDecomposition.decompose(points, groups: Array(try data.requireGroupCodes()), candidates: candidates)
        return (decomposition, points.means(of: decomposition.fairlets))
    }

    func fit(train: DataView, validation: DataView?) throws {
        guard train.task == .clustering, train.clusterCount > 0 else { throw PluginError.invalidInput("fairlets need clustering data") }
        let (decomposition, means) = try fairlets(train)
        guard means.rows >= train.clusterCount else {
            throw PluginError.invalidInput("\(means.rows) fairlets cannot make \(train.clusterCount) clusters")
        }
        host.log("\(means.rows) fairlets of balance ≥ 1/\(decomposition.t), cost \(decomposition.cost)"
            + (decomposition.widened > 0 ? "; \(decomposition.widened) rows were offered more of their nearest heads until the flow placed them" : ""))
        let sizes = decomposition.fairlets.map { Double($0.count) }
        centers = try withMatrixView(means.values, rows: means.rows, cols: means.cols) {
            try host.kMeansCenters(of: $0, weights: sizes, clusters: train.clusterCount)
        }
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let centers else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols == centers.cols else { throw PluginError.invalidInput("fitted on \(centers.cols) feature columns, given \(data.cols)") }
        let (decomposition, means) = try fairlets(data)
        let predictions = output.predictions
        for (f, members) in decomposition.fairlets.enumerated() {
            let cluster = Double(means.nearest(to: f, in: centers))
            for row in members { predictions[row] = cluster }
        }
    }
}
