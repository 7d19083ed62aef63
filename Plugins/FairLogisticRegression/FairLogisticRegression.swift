import CFairlabPlugin
import FairlabPluginKit
import Glibc

/// In-processing: logistic regression trained with a penalty on the gap between the privileged and the
/// unprivileged groups' mean predicted scores (a "mean score parity" regulariser in the spirit of
/// Kamishima et al.'s prejudice remover and Zafar et al.'s constraints, with the gap itself penalised).
///
/// It minimises, over coefficients β and intercept b,
///     (1/n) Σ wᵢ ℓᵢ + ‖β‖² / (2 C n) + λ · (mean_{unprivileged} σ(zᵢ) − mean_{privileged} σ(zᵢ))²
/// with zᵢ = xᵢβ + b, by L-BFGS. With λ = 0 it is the host's base learner (the same optimum as scikit-learn's
/// `LogisticRegression(C)`). Products with the feature matrix go through the host's BLAS.
final class FairLogisticRegression: FairlabMethod {
    static let parameters = [
        Parameter("fairness_weight", .real(minimum: 0), default: "10",
                  description: "λ, the weight of the squared gap in mean predicted score between groups"),
        Parameter("c", .real(minimum: 1e-12), default: "1", description: "inverse L2 regularisation strength, as scikit-learn's C"),
        Parameter("max_iterations", .integer(minimum: 1, maximum: 100_000), default: "1000", description: "L-BFGS iteration limit"),
    ]

    private let host: HostServices
    private let fairnessWeight: Double
    private let inverseRegularization: Double
    private let maximumIterations: Int
    private var coefficients: [Double] = []
    private var intercept = 0.0

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        fairnessWeight = parameters.number("fairness_weight")
        inverseRegularization = parameters.number("c")
        maximumIterations = Int(parameters.number("max_iterations"))
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels()
        let codes = try train.requireGroupCodes()
        let n = train.rows, p = train.cols
        guard n > 0 else { throw PluginError.invalidInput("no training rows") }
        // Per-row factor of the gap's gradient: +1/n_u for unprivileged rows, −1/n_p for privileged ones.
        var privilegedCount = 0
        for i in 0..<n where train.groups.privileged[Int(codes[i])] { privilegedCount += 1 }
        let unprivilegedCount = n - privilegedCount
        guard privilegedCount > 0, unprivilegedCount > 0 else {
            throw PluginError.invalidInput("the training data needs both privileged and unprivileged rows")
        }
        let gapSign = (0..<n).map { train.groups.privileged[Int(codes[$0])] ? -1 / Double(privilegedCount) : 1 / Double(unprivilegedCount) }
        let weights = (0..<n).map { train.weight($0) }
        let blas = host.blas
        let x = train.matrix.pointee
        let lambda = fairnessWeight, c = inverseRegularization

        // θ = (β, b). Returns the objective and writes its gradient.
        var linear = [Double](repeating: 0, count: n)
        var rowGradient = [Double](repeating: 0, count: n)
        func evaluate(_ theta: [Double], _ gradient: inout [Double]) -> Double {
            let b = theta[p]
            if p > 0 {
                blas.dgemv(FL_BLAS_COL_MAJOR, FL_BLAS_NO_TRANS, Int32(n), Int32(p), 1, x.data, Int32(x.leading_dimension), theta, 1, 0, &linear, 1)
            } else {
                for i in 0..<n { linear[i] = 0 }
            }
            var loss = 0.0, gap = 0.0
            for i in 0..<n {
                let z = linear[i] + b
                let probability = sigmoid(z)
                loss += weights[i] * (max(z, 0) + log1p(exp(-abs(z))) - labels[i] * z)
                gap += gapSign[i] * probability
                linear[i] = probability
            }
            var penalty = 0.0
            for j in 0..<p { penalty += theta[j] * theta[j] }
            let value = loss / Double(n) + penalty / (2 * c * Double(n)) + lambda * gap * gap
            var interceptGradient = 0.0
            for i in 0..<n {
                let probability = linear[i]
                rowGradient[i] = weights[i] * (probability - labels[i]) / Double(n)
                    + 2 * lambda * gap * gapSign[i] * probability * (1 - probability)
                interceptGradient += rowGradient[i]
            }
            if p > 0 {
                blas.dgemv(FL_BLAS_COL_MAJOR, FL_BLAS_TRANS, Int32(n), Int32(p), 1, x.data, Int32(x.leading_dimension), rowGradient, 1, 0, &gradient, 1)
            }
            for j in 0..<p { gradient[j] += theta[j] / (c * Double(n)) }
            gradient[p] = interceptGradient
            return value
        }

        let theta = try LBFGS.minimize(dimension: p + 1, maximumIterations: maximumIterations, evaluate)
        coefficients = Array(theta[0..<p])
        intercept = theta[p]
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard coefficients.count == data.cols else {
            throw PluginError.invalidInput("fitted on \(coefficients.count) features, given \(data.cols)")
        }
        var scores = [Double](repeating: 0, count: data.rows)
        let x = data.matrix.pointee
        if data.cols > 0 {
            host.blas.dgemv(FL_BLAS_COL_MAJOR, FL_BLAS_NO_TRANS, Int32(data.rows), Int32(data.cols), 1, x.data,
                            Int32(x.leading_dimension), coefficients, 1, 0, &scores, 1)
        }
        for i in 0..<data.rows {
            scores[i] = sigmoid(scores[i] + intercept)
            output.predictions[i] = scores[i] > 0.5 ? 1 : 0
        }
        output.setScores(scores)
    }
}

func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.fair-logistic-regression", name: "Fairness-regularised logistic regression", vendor: "fairlab",
    version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "fair-logreg", name: "Logistic regression with a mean-score parity penalty", version: "1.0.0",
            description: "Logistic regression whose loss adds λ times the squared gap in mean predicted score between groups.",
            stage: .inProcessing, needs: [.labels], parameters: FairLogisticRegression.parameters,
            make: { host, parameters in FairLogisticRegression(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
