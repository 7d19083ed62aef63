import CFairlabPlugin
import FairlabPluginKit

/// The host's learner as the reductions' best-response oracle: `ReductionModel.fitting` on the training rows.
final class ClassifierLearner: ReductionLearner {
    private let features: UnsafePointer<fl_matrix>
    private let host: HostServices

    init(features: UnsafePointer<fl_matrix>, host: HostServices) {
        self.features = features
        self.host = host
    }

    func fit(signedWeights: [Double], scale: Double) throws -> (model: ReductionModel, predictions: [Double]) {
        try ReductionModel.fitting(signedWeights: signedWeights, scale: scale, features: features, host: host)
    }

    func release(_ model: ReductionModel) { model.release(host) }
}
