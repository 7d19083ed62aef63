import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Zafar, Valera, Gomez Rodriguez & Gummadi (2017), "Fairness constraints: mechanisms for fair classification":
/// logistic regression whose decision boundary's covariance with each group's membership is bounded
/// (`fairness-constraints`), or made as small as a loss budget of (1 + γ) times the unconstrained loss allows
/// (`fairness-constraints-accuracy`). A test row's score is σ(θᵀx); its prediction is score > 0.5 (θᵀx > 0).
final class FairnessConstraints: FairlabMethod {
    /// Which of the paper's two problems a method solves.
    enum Variant { case covariance, accuracy }

    static let covarianceParameters = [
        Parameter("threshold", .real(minimum: 0, maximum: .infinity), default: "0", description: "largest allowed |covariance| of each group's membership with θᵀx"),
        Parameter("threshold_kind", .choice(["absolute", "relative"]), default: "absolute", description: "relative: threshold × the unconstrained model's largest |covariance|"),
        Parameter("protected_features", .choice(["exclude", "include"]), default: "exclude", description: "whether θ sees the protected attributes' own columns (Zafar's code excludes them)"),
        Parameter("c", .real(minimum: 1e-12, maximum: .infinity), default: "1", description: "inverse L2 strength on the feature weights, as the host's learner (Zafar's code: none)"),
    ]
    static let accuracyParameters = [
        Parameter("gamma", .real(minimum: 0, maximum: .infinity), default: "0.5", description: "loss budget: at most (1 + γ) times the unconstrained loss (per row with per_row)"),
        Parameter("per_row", .boolean, default: "false", description: "Zafar's fine-grained constraint (sep_constraint): privileged rows predicted positive stay positive, every other row's loss within (1 + γ) times its own; his demo uses γ = 1000"),
        Parameter("protected_features", .choice(["exclude", "include"]), default: "exclude", description: "whether θ sees the protected attributes' own columns (Zafar's code excludes them)"),
        Parameter("c", .real(minimum: 1e-12, maximum: .infinity), default: "1", description: "inverse L2 strength on the feature weights, as the host's learner (Zafar's code: none)"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private let variant: Variant
    private var theta: [Double] = []
    private var kept: [Int] = []

    init(host: HostServices, parameters: ParameterValues, variant: Variant) {
        self.host = host
        self.parameters = parameters
        self.variant = variant
    }

    /// The kept features of each row and a trailing 1.
    private func design(_ data: DataView) -> FeatureMatrix {
        FeatureMatrix(data, blas: host.blas, columns: kept, appendingOne: true)
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        guard train.rows > 0 else { throw PluginError.invalidInput("no training rows") }
        let include = parameters.text("protected_features") == "include"
        kept = (0..<train.cols).filter { include || train.columns?[$0].kind != FL_COLUMN_PROTECTED }
        let problem = CovarianceConstrainedLogistic(
            design: design(train), labels: Array(labels),
            weights: (0..<train.rows).map { train.weight($0) }, groups: codes.map { Int($0) }, groupCount: train.groups.count,
            inverseRegularization: parameters.number("c"), blas: host.blas)
        let unconstrained = problem.solve(threshold: .infinity, from: [Double](repeating: 0, count: problem.width))
        let solution: CovarianceConstrainedLogistic.Solution
        switch variant {
        case .covariance:
            let relative = parameters.text("threshold_kind") == "relative"
            let threshold = parameters.number("threshold") * (relative ? unconstrained.largestCovariance : 1)
            solution = problem.solve(threshold: threshold, from: unconstrained.theta)
            host.log("fairness constraints: threshold \(threshold); largest |covariance| \(solution.largestCovariance) (unconstrained \(unconstrained.largestCovariance)); loss \(solution.loss) (unconstrained \(unconstrained.loss)); \(solution.outerIterations) multiplier updates, \(solution.innerIterations) inner iterations", level: FL_LOG_INFO)
        case .accuracy where parameters.number("per_row") != 0:
            let split = PrivilegedSides(train.groups, host: host)
            let found = try problem.solveWithPerRowConstraints(
                gamma: parameters.number("gamma"), unconstrained: unconstrained, privileged: codes.map { split.index($0) == 0 })
            solution = found.solution
            host.log("fairness constraints per row: \(found.rowConstraints) row constraints, \(found.binding) binding, largest violation \(found.largestViolation), largest complementarity λ·slack \(found.complementarity); loss \(solution.loss) (unconstrained \(unconstrained.loss)); largest |covariance| \(solution.largestCovariance) (unconstrained \(unconstrained.largestCovariance)); distance from the unconstrained weights \(zip(solution.theta, unconstrained.theta).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()) after \(solution.innerIterations) dual iterations", level: FL_LOG_INFO)
        case .accuracy:
            let (found, threshold, searches) = problem.solveWithinLoss(gamma: parameters.number("gamma"), unconstrained: unconstrained)
            solution = found
            host.log("fairness constraints within loss: budget \((1 + parameters.number("gamma")) * unconstrained.loss); loss \(solution.loss); largest |covariance| \(solution.largestCovariance) (unconstrained \(unconstrained.largestCovariance)) at threshold \(threshold) after \(searches) constrained solves", level: FL_LOG_INFO)
        }
        guard solution.theta.allSatisfy(\.isFinite), solution.loss.isFinite else {
            throw PluginError.numerical("the constrained logistic regression's weights or loss are not finite")
        }
        // Kept with the row as notes: the weights are the solver's last, not an optimum.
        if let reason = unconstrained.unconverged { host.log("the unconstrained fit did not converge: \(reason)", level: FL_LOG_WARNING) }
        // The accuracy variant may return the unconstrained solution itself: its reason is then said once.
        if let reason = solution.unconverged, solution.theta != unconstrained.theta {
            host.log("the constrained fit did not converge: \(reason)", level: FL_LOG_WARNING)
        }
        theta = solution.theta
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard !theta.isEmpty else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols > (kept.last ?? -1) else { throw PluginError.invalidInput("predict has \(data.cols) columns; the model was fitted on more") }
        var margins = [Double](repeating: 0, count: data.rows)
        design(data).times(theta, into: &margins)
        output.setScoresAndPredictions(margins.map(Logistic.sigmoid))
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.fairness-constraints", name: "Fairness constraints", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "fairness-constraints", name: "Fairness constraints (Zafar et al. 2017), covariance-bounded", version: "1.0.0",
            description: "Logistic regression with the covariance of each group's membership and the decision boundary bounded.",
            stage: .inProcessing, needs: [.labels], parameters: FairnessConstraints.covarianceParameters,
            make: { host, parameters in FairnessConstraints(host: host, parameters: parameters, variant: .covariance) }),
        MethodDefinition(
            id: "fairness-constraints-accuracy", name: "Fairness constraints (Zafar et al. 2017), within a loss budget", version: "1.0.0",
            description: "The smallest boundary covariance whose logistic loss stays within (1 + γ) times the unconstrained one.",
            stage: .inProcessing, needs: [.labels], parameters: FairnessConstraints.accuracyParameters,
            make: { host, parameters in FairnessConstraints(host: host, parameters: parameters, variant: .accuracy) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
