import CFairlabPlugin
import FairlabPluginKit

/// GerryFair (Kearns, Neel, Roth & Wu 2018), as AIF360's `GerryFairClassifier`: rich-subgroup fairness for false
/// positive or false negative rates over every linear threshold of the protected attributes, by fictitious play
/// (`FictitiousPlay`). The classifier is the uniform mixture of the Learner's classifiers; a row's score is the
/// share of them predicting 1 and its prediction is score ≥ 0.5, as AIF360's `predict(threshold=0.5)`.
final class GerryFair: FairlabMethod {
    static let parameters = [
        Parameter("c", .real(minimum: 1e-12, maximum: .infinity), default: "10", description: "the Auditor's largest multiplier (AIF360's C)"),
        Parameter("gamma", .real(minimum: 0, maximum: 1), default: "0.01", description: "allowed weighted disparity of any subgroup"),
        Parameter("max_iters", .integer(minimum: 2, maximum: 100_000), default: "10", description: "rounds of play plus one (AIF360's count)"),
        Parameter("fairness_def", .choice(["FP", "FN"]), default: "FP", description: "the rate equalised across subgroups"),
        Parameter("early_termination", .boolean, default: "true", description: "stop once the disparity is below gamma and stalls, as AIF360"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var hypotheses: [LeastSquares.Fit] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = Array(try train.requireLabels())
        guard let columns = train.columns else {
            throw PluginError.invalidInput("gerryfair audits the protected attributes' own columns, and this host does not describe its columns")
        }
        let protected = columns.indices.filter { columns[$0].kind == FL_COLUMN_PROTECTED }
        guard !protected.isEmpty else {
            throw PluginError.invalidInput("gerryfair audits the protected attributes' own columns, and the features have none")
        }
        let rate = FictitiousPlay.Rate(rawValue: parameters.text("fairness_def"))!
        guard labels.contains(rate == .falsePositive ? 0 : 1) else {
            throw PluginError.invalidInput("gerryfair with \(rate.rawValue) needs training rows labelled \(rate == .falsePositive ? 0 : 1)")
        }
        let matrix = train.matrix.pointee
        let play = FictitiousPlay(
            features: matrix.data, rows: train.rows, cols: train.cols, leading: Int(matrix.leading_dimension), labels: labels,
            protected: protected, rate: rate, c: parameters.number("c"), gamma: parameters.number("gamma"),
            maximumIterations: Int(parameters.number("max_iters")), earlyStop: parameters.number("early_termination") != 0,
            blas: host.blas, log: { self.host.log($0, level: FL_LOG_DEBUG) })
        guard play.hypotheses.allSatisfy({ $0.intercept.isFinite && $0.coefficients.allSatisfy(\.isFinite) }) else {
            throw PluginError.numerical("a least-squares fit of the Learner's costs is not finite")
        }
        hypotheses = play.hypotheses
        if let last = play.rounds.last {
            host.log("gerryfair: \(play.rounds.count) rounds; error \(last.error); weighted disparity \(last.weightedDisparity) (gamma \(parameters.number("gamma")))")
        }
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let width = hypotheses.first?.coefficients.count else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols == width else { throw PluginError.invalidInput("predict has \(data.cols) columns; the model was fitted on \(width)") }
        let matrix = data.matrix.pointee
        var shares = [Double](repeating: 0, count: data.rows)
        for hypothesis in hypotheses {
            let fitted = LeastSquares.predict(hypothesis, matrix.data, rows: data.rows, leading: Int(matrix.leading_dimension), blas: host.blas)
            for i in 0..<data.rows where fitted[i] < 0 { shares[i] += 1 }
        }
        let count = Double(hypotheses.count)
        for i in 0..<data.rows {
            shares[i] /= count
            output.predictions[i] = shares[i] >= 0.5 ? 1 : 0
        }
        output.setScores(shares)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.gerryfair", name: "GerryFair", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "gerryfair", name: "GerryFair (Kearns et al. 2018), rich-subgroup fairness by fictitious play", version: "1.0.0",
            description: "A mixture of least-squares cost-sensitive classifiers whose false-positive (or -negative) rate no linear subgroup of the protected attributes departs from by more than gamma.",
            stage: .inProcessing, needs: [.labels], parameters: GerryFair.parameters,
            make: { host, parameters in GerryFair(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
