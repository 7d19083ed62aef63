import CFairlabPlugin
import FairlabPluginKit

/// Fair assignment (Bera et al. 2019): k-means centres fitted on the training rows by the host's learner, then
/// the rows to cluster assigned to them so that every cluster holds each group within a factor 1 − δ of its
/// overall share (`FairAssignment`, a minimum-cost flow that keeps each cluster's size).
final class FairAssignmentMethod: FairlabMethod {
    static let parameters = [
        Parameter("delta", .real(minimum: 0, maximum: 0.99), default: "0.2",
                  description: "slack: each group's share of every cluster stays within [(1 − δ)·p, p / (1 − δ)] of its overall share p"),
    ]

    private let host: HostServices
    private let delta: Double
    private var centers: Points?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        delta = parameters.number("delta")
    }

    func fit(train: DataView, validation: DataView?) throws {
        guard train.task == .clustering, train.clusterCount > 0 else { throw PluginError.invalidInput("fair assignment needs clustering data") }
        centers = try host.kMeansCenters(of: train.matrix, weights: train.weights.map(Array.init), clusters: train.clusterCount)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let centers else { throw PluginError.invalidInput("predict before fit") }
        let codes = try data.requireGroupCodes()
        let result = try FairAssignment.assign(Points(data), groups: Array(codes), groupCount: data.groups.count, centers: centers, delta: delta)
        let predictions = output.predictions
        for i in 0..<data.rows { predictions[i] = Double(result.clusters[i]) }
    }
}
