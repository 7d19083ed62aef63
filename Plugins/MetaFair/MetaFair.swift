import CFairlabPlugin
import FairlabPluginKit

/// The meta-fair classifier (Celis, Huang, Keswani & Vishnoi 2019) as AIF360's `MetaFairClassifier`, for
/// statistical rate (`meta-fair-sr`) and false discovery rate (`meta-fair-fdr`): a Gaussian model of [x, y, z]
/// on the features without the protected attributes' own columns, and the most accurate of its grid's
/// classifiers whose training fairness γ is at least τ − 0.2 (`MetaFairModel`). Its samples of x are drawn from
/// the host's seeded stream (AIF360 draws from NumPy's), so its grid search is fairlab's own draw of AIF360's.
/// A test row's score is (t + 1)/2, as AIF360's (not a probability), clamped to [0, 1]; its prediction is t > 0.
final class MetaFair: FairlabMethod {
    static let parameters = [
        Parameter("tau", .real(minimum: 0, maximum: 1), default: "0.8", description: "fairness target τ: the grid's intervals lie below it; 0: the Gaussian's Bayes rule"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private let constraint: MetaFairConstraint
    private var model: MetaFairModel?
    private var kept: [Int] = []

    init(host: HostServices, parameters: ParameterValues, constraint: MetaFairConstraint) {
        self.host = host
        self.parameters = parameters
        self.constraint = constraint
    }

    /// The kept features of every row, row-major.
    private func features(_ data: DataView) -> [Double] {
        var x = [Double](repeating: 0, count: data.rows * kept.count)
        for (j, column) in kept.enumerated() { for row in 0..<data.rows { x[row * kept.count + j] = data.feature(row, column) } }
        return x
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        kept = (0..<train.cols).filter { train.columns?[$0].kind != FL_COLUMN_PROTECTED }
        guard !kept.isEmpty else { throw PluginError.invalidInput("the meta-fair classifier needs a feature besides the protected attributes' own columns") }
        let split = PrivilegedSides(train.groups, host: host)
        let sides = (0..<train.rows).map { split.index(codes[$0]) == 0 ? 1.0 : 0.0 }
        guard sides.contains(0), sides.contains(1) else { throw PluginError.invalidInput("the meta-fair classifier needs training rows on both sides") }
        let tau = parameters.number("tau")
        let (model, candidates) = try MetaFairModel.fit(
            constraint: constraint, tau: tau, x: features(train), labels: (0..<train.rows).map { labels[$0] == 1 ? 1 : -1 }, sides: sides
        ) { _, gaussian in gaussian.sampleFeatures(count: MetaFairModel.sampleCount, uniform: host.randomUniform) }
        for candidate in candidates {
            host.log(
                "meta-fair interval [\(candidate.a), \(candidate.b)]: training accuracy \(candidate.accuracy), gamma \(candidate.gamma)\(candidate.chosen ? ", best so far" : "")",
                level: FL_LOG_INFO)
        }
        if tau > 0, !candidates.contains(where: \.chosen) {
            host.log("no interval reached gamma \(tau - 0.2) on the training rows: the Gaussian's Bayes rule is used, as AIF360 does", level: FL_LOG_WARNING)
        }
        host.log("meta-fair chose [\(model.a), \(model.b)] with lambda \(model.lambda.map { "\($0)" }.joined(separator: ", ")); Gaussian rank \(model.gaussian.rank) of \(model.gaussian.dimension)", level: FL_LOG_INFO)
        self.model = model
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let model else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols > (kept.last ?? -1) else { throw PluginError.invalidInput("predict has \(data.cols) columns; the model was fitted on more") }
        let t = model.scores(features(data), count: data.rows)
        guard t.allSatisfy(\.isFinite) else { throw PluginError.numerical("the meta-fair classifier's score is not finite on a test row") }
        // AIF360's score (t + 1)/2 is not a probability and can leave [0, 1], which the ABI's scores may not.
        output.setScores(t.map { min(max(($0 + 1) / 2, 0), 1) })
        for row in 0..<data.rows { output.predictions[row] = t[row] > 0 ? 1 : 0 }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.meta-fair", name: "Meta-fair classifier", vendor: "fairlab", version: "1.0.0",
    methods: [MetaFairConstraint.statisticalRate, .falseDiscovery].map { constraint in
        MethodDefinition(
            id: "meta-fair-\(constraint.rawValue)",
            name: "Meta-fair classifier (Celis et al. 2019, as AIF360), \(constraint == .statisticalRate ? "statistical rate" : "false discovery rate")",
            version: "1.0.0",
            description: "The most accurate of a grid of Bayes-optimal fair classifiers of a Gaussian model of features, label and side, at training fairness ≥ τ − 0.2.",
            stage: .inProcessing, needs: [.labels], parameters: MetaFair.parameters,
            make: { host, parameters in MetaFair(host: host, parameters: parameters, constraint: constraint) })
    })

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
