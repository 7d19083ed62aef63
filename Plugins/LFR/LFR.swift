import CFairlabPlugin
import FairlabPluginKit

/// Learning fair representations (Zemel et al. 2013) as AIF360's `LFR`: k prototypes in feature space, with a
/// label weight each, fitted on the training rows by minimising A_x·L_x + A_y·L_y + A_z·L_z (`LFRObjective`)
/// with bounded L-BFGS on the analytic gradient (AIF360 differentiates numerically, one objective evaluation
/// per parameter per step). The start is uniform in [0, 1) for every parameter, drawn from the host's stream
/// (AIF360 draws it from numpy's), or `initial`; w is bounded to [0, 1].
///
/// Transform, as AIF360's: every row's features (the protected column included) become its reconstruction
/// x̂ = M V; with `labels=lfr` training labels become ŷ > threshold, as AIF360's transform makes them. By default
/// they stay: the base learner then learns the original labels from the fair representation (on Adult, where
/// parity pulls every ŷ below one half, AIF360's labels would all be unfavourable). Test rows are represented by
/// the same prototypes.
final class LFR: FairlabMethod {
    static let parameters = [
        Parameter("k", .integer(minimum: 1, maximum: 100), default: "5", description: "number of prototypes"),
        Parameter("ax", .real(minimum: 0, maximum: .infinity), default: "0.01", description: "weight of the reconstruction loss L_x"),
        Parameter("ay", .real(minimum: 0, maximum: .infinity), default: "1", description: "weight of the prediction loss L_y"),
        Parameter("az", .real(minimum: 0, maximum: .infinity), default: "50", description: "weight of the parity loss L_z"),
        Parameter("maxiter", .integer(minimum: 0, maximum: 1_000_000), default: "5000", description: "largest number of L-BFGS iterations"),
        Parameter("threshold", .real(minimum: 0, maximum: 1), default: "0.5", description: "a training row's new label is ŷ > threshold"),
        Parameter("labels", .choice(["original", "lfr"]), default: "original",
                  description: "train on the original labels, or on LFR's ŷ > threshold (AIF360's transform)"),
        Parameter("initial", .text, default: "", description: "start (comma-separated w then V row-major); empty: uniform in [0, 1)"),
        Parameter("products", .choice(["auto", "sparse", "dense"]), default: "auto",
                  description: "how the rows are stored for the products with the prototypes: auto is sparse when at most 30% of values are non-zero"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var theta: [Double] = []
    private var fittedRows = -1
    /// The training data's columns, which the prototypes span.
    private var fittedCols = -1
    private var fittedLabels: [Double] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    /// The rows of `data`, stored as `products` says.
    private func rows(_ data: DataView) -> FeatureMatrix {
        let storage = parameters.text("products")
        return FeatureMatrix(data, blas: host.blas, sparse: storage == "auto" ? nil : storage == "sparse")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let sides = PrivilegedSides(train.groups, host: host)
        let privileged = (0..<train.rows).map { sides.index(codes[$0]) == 0 }
        guard privileged.contains(true), privileged.contains(false) else {
            throw PluginError.invalidInput("LFR compares the privileged and unprivileged sides, and one of them has no training rows")
        }
        let k = Int(parameters.number("k"))
        let features = rows(train)
        host.log("LFR's products with the prototypes go over \(features.productsDescription)", level: FL_LOG_INFO)
        let objective = LFRObjective(
            rows: features, labels: Array(labels), privileged: privileged, prototypes: k,
            weights: (parameters.number("ax"), parameters.number("ay"), parameters.number("az")))
        let start = try initialParameters(count: objective.parameterCount)
        var optimizer = BoundedLBFGS(
            count: start.count,
            lower: [Double](repeating: 0, count: k) + [Double](repeating: -.infinity, count: k * train.cols),
            upper: [Double](repeating: 1, count: k) + [Double](repeating: .infinity, count: k * train.cols))
        optimizer.maxIterations = Int(parameters.number("maxiter"))
        let result = optimizer.minimize(
            from: start, value: { objective.evaluate($0).total },
            gradient: { point, gradient in gradient.withUnsafeMutableBufferPointer { objective.gradient(at: point, into: $0) } })
        guard result.value.isFinite else { throw PluginError.numerical("the LFR objective is not finite at the start or along the search") }
        theta = result.point
        let terms = objective.evaluate(theta)
        host.log(
            "LFR objective \(terms.total) (L_x \(terms.reconstruction), L_y \(terms.prediction), L_z \(terms.parity)) after \(result.iterations) iterations, \(result.evaluations) evaluations\(result.converged ? "" : ", not converged")",
            level: FL_LOG_INFO)
        fittedRows = train.rows
        fittedCols = train.cols
        fittedLabels = Array(labels)
    }

    /// The start: `initial` (k weights, then the k prototypes row by row), or uniform in [0, 1) as AIF360's.
    private func initialParameters(count: Int) throws -> [Double] {
        guard !parameters.text("initial").isEmpty else { return (0..<count).map { _ in host.randomUniform() } }
        return try parameters.numberList("initial", count: count)
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard !theta.isEmpty else { throw PluginError.invalidInput("transform before fit") }
        guard data.cols == fittedCols else { throw PluginError.invalidInput("transform has \(data.cols) columns; LFR was fitted on \(fittedCols)") }
        let (features, predictions) = LFRObjective.represent(
            rows(data), prototypes: Int(parameters.number("k")), theta: theta,
            blas: host.blas)
        let target = output.features
        for index in 0..<features.count { target[index] = features[index] }
        guard let labels = output.labels, parameters.text("labels") == "lfr" else { return }
        guard data.rows == fittedRows else { throw PluginError.invalidInput("LFR relabels the training rows it was fitted on; given \(data.rows), fitted on \(fittedRows)") }
        let threshold = parameters.number("threshold")
        for i in 0..<data.rows { labels[i] = predictions[i] > threshold ? 1 : 0 }
        let flipped = (0..<data.rows).filter { labels[$0] != fittedLabels[$0] }.count
        host.log("LFR relabels \(flipped) of \(data.rows) training rows; \(labels.filter { $0 == 1 }.count) are favourable", level: FL_LOG_INFO)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.lfr", name: "Learning fair representations", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "lfr", name: "Learning fair representations (Zemel et al. 2013, as AIF360)", version: "1.0.0",
            description: "Maps rows to k prototypes that reconstruct them, predict the label and are used alike by both sides.",
            stage: .preProcessing, needs: [.labels], parameters: LFR.parameters,
            make: { host, parameters in LFR(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
