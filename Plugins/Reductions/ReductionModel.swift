import CFairlabPlugin
import FairlabPluginKit

/// A classifier a reduction found: a model of the host's learner, or a constant prediction where the
/// cost-sensitive relabelling had one class only (Fairlearn's `DummyClassifier`).
enum ReductionModel {
    case learned(fl_model), constant(Double)

    /// The best response to per-row signed weights w (the weight of predicting 1): the host's learner trained on
    /// labels 1[w > 0] with weights |w| · `scale`, and its hard predictions on the training rows.
    static func fitting(signedWeights: [Double], scale: Double = 1, features: UnsafePointer<fl_matrix>, host: HostServices) throws
        -> (model: ReductionModel, predictions: [Double]) {
        let labels = signedWeights.map { $0 > 0 ? 1.0 : 0.0 }
        guard Set(labels).count == 2 else { return (.constant(labels.first ?? 0), labels) }
        let model = ReductionModel.learned(try host.fitBaseLearner(features: features, labels: labels, weights: signedWeights.map { scale * abs($0) }))
        return (model, try model.predictions(on: features, host: host))
    }

    /// P(ŷ = 1) of every row of `features` (0 or 1 for a constant).
    func scores(on features: UnsafePointer<fl_matrix>, host: HostServices) throws -> [Double] {
        switch self {
        case .learned(let handle): try host.baseLearnerScores(handle, features: features)
        case .constant(let label): [Double](repeating: label, count: Int(features.pointee.rows))
        }
    }

    /// Hard predictions, P(ŷ = 1) > 0.5, of every row of `features`.
    func predictions(on features: UnsafePointer<fl_matrix>, host: HostServices) throws -> [Double] {
        try scores(on: features, host: host).map { $0 > 0.5 ? 1 : 0 }
    }

    /// Releases the host's model, if any.
    func release(_ host: HostServices) {
        if case .learned(let handle) = self { host.releaseBaseLearner(handle) }
    }
}
