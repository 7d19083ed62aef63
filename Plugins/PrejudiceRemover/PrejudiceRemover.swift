import CFairlabPlugin
import FairlabPluginKit

/// The prejudice remover (Kamishima et al. 2012) as AIF360's `PrejudiceRemover`: a logistic model per side
/// (privileged or not) on the features without the protected attributes' own columns, penalised by η times
/// the prejudice index (`PrejudiceObjective`), minimised by L-BFGS on the exact gradient from zero (AIF360 runs
/// kamfadm's conjugate gradients from per-side logistic regressions, on a gradient that is wrong for η > 0).
/// A test row's score is P(y = 1) under its side's model; its prediction is score > 0.5.
final class PrejudiceRemover: FairlabMethod {
    static let parameters = [
        Parameter("eta", .real(minimum: 0, maximum: .infinity), default: "1", description: "weight of the prejudice index"),
        Parameter("c", .real(minimum: 0, maximum: .infinity), default: "1", description: "L2 penalty C/2 ‖w‖² (intercepts included, as kamfadm)"),
        Parameter("maxiter", .integer(minimum: 0, maximum: 1_000_000), default: "15000", description: "largest number of L-BFGS iterations"),
        Parameter("initial", .text, default: "", description: "start (comma-separated: side 0's weights and intercept, then side 1's); empty: zeros"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var theta: [Double] = []
    private var kept: [Int] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    /// 1 for a privileged row, 0 otherwise (kamfadm's s); `host` given, warns when several groups are pooled.
    private func sides(_ data: DataView, host: HostServices? = nil) throws -> [Int] {
        let codes = try data.requireGroupCodes(), split = PrivilegedSides(data.groups, host: host)
        return (0..<data.rows).map { split.index(codes[$0]) == 0 ? 1 : 0 }
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels()
        kept = (0..<train.cols).filter { train.columns?[$0].kind != FL_COLUMN_PROTECTED }
        if kept.isEmpty { host.log("every feature is a protected attribute's own column: the models have intercepts only", level: FL_LOG_WARNING) }
        let sides = try self.sides(train, host: host)
        guard sides.contains(0), sides.contains(1) else { throw PluginError.invalidInput("the prejudice remover needs training rows on both sides") }
        let objective = PrejudiceObjective(
            design: SideRows(train, kept: kept), labels: Array(labels), sides: sides, eta: parameters.number("eta"),
            c: parameters.number("c"))
        let start = try initialParameters(count: objective.parameterCount)
        var optimizer = BoundedLBFGS(count: start.count)
        optimizer.maxIterations = Int(parameters.number("maxiter"))
        let result = optimizer.minimize(from: start) { theta, gradient in
            gradient.withUnsafeMutableBufferPointer { objective.evaluate(theta, gradient: $0).total }
        }
        guard result.value.isFinite else { throw PluginError.numerical("the prejudice remover's objective is not finite") }
        theta = result.point
        let terms = objective.evaluate(theta)
        host.log(
            "prejudice remover objective \(terms.total) (log-loss \(terms.logLoss), prejudice index \(terms.prejudice), penalty \(terms.penalty)) after \(result.iterations) iterations\(result.converged ? "" : ", not converged")",
            level: FL_LOG_INFO)
    }

    /// The start: `initial`, or zeros.
    private func initialParameters(count: Int) throws -> [Double] {
        guard !parameters.text("initial").isEmpty else { return [Double](repeating: 0, count: count) }
        return try parameters.numberList("initial", count: count)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard !theta.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols > (kept.last ?? -1) else { throw PluginError.invalidInput("predict has \(data.cols) columns; the model was fitted on more") }
        let scores = PrejudiceObjective.probabilities(theta, design: SideRows(data, kept: kept), sides: try sides(data))
        output.setScoresAndPredictions(scores)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.prejudice-remover", name: "Prejudice remover", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "prejudice-remover", name: "Prejudice remover (Kamishima et al. 2012, as AIF360)", version: "1.0.0",
            description: "A logistic model per side penalised by η times the prejudice index, the mutual information of prediction and side.",
            stage: .inProcessing, needs: [.labels, .groupsAtPredict], parameters: PrejudiceRemover.parameters,
            make: { host, parameters in PrejudiceRemover(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
