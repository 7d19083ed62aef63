import CFairlabKernels
import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Adversarial debiasing (Zhang, Lemoine & Mitchell 2018) as AIF360's `AdversarialDebiasing`, on the host's
/// BLAS and C kernels instead of TensorFlow, in TensorFlow's single precision. Every step of a shuffled epoch (the
/// last partial batch dropped): the classifier's gradient on its label loss loses its projection on the adversary's
/// gradient and α times that gradient (each tensor on its own), and Adam applies it; then the adversary takes an
/// Adam step on its own loss from the same forward pass. Both learning rates decay by 0.96 every 1000 classifier
/// steps. A test row's score is the classifier's P(y = 1) without dropout; its prediction is score > 0.5.
final class AdversarialDebiasing: FairlabMethod {
    static let parameters = [
        Parameter("num_epochs", .integer(minimum: 1, maximum: 100_000), default: "50", description: "passes over the training rows"),
        Parameter("batch_size", .integer(minimum: 1, maximum: 1_000_000), default: "128", description: "rows per step"),
        Parameter("hidden_units", .integer(minimum: 1, maximum: 100_000), default: "200", description: "ReLU units of the classifier's hidden layer"),
        Parameter("adversary_loss_weight", .real(minimum: 0, maximum: .infinity), default: "0.1", description: "α: weight of the adversary's gradient removed from the classifier's"),
        Parameter("debias", .boolean, default: "true", description: "train against the adversary (false: the plain classifier)"),
        Parameter("keep_probability", .real(minimum: 1e-6, maximum: 1), default: "0.8", description: "dropout keep probability of the hidden units while training"),
        Parameter("learning_rate", .real(minimum: 0, maximum: .infinity), default: "0.001", description: "Adam's starting learning rate (both networks)"),
    ]

    private let host: HostServices
    private let parameters: ParameterValues
    private var network: AdversarialNetwork?

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let sides = PrivilegedSides(train.groups, host: host)
        let side = (0..<train.rows).map { Double(1 - sides.index(codes[$0])) }  // 1: privileged, as AIF360's attribute
        let debias = parameters.number("debias") != 0
        if debias, !side.contains(0) || !side.contains(1) {
            throw PluginError.invalidInput("adversarial debiasing needs training rows on both sides (privileged and not)")
        }
        let batchSize = min(Int(parameters.number("batch_size")), train.rows)
        let hidden = Int(parameters.number("hidden_units")), epochs = Int(parameters.number("num_epochs"))
        let alpha = parameters.number("adversary_loss_weight"), keep = parameters.number("keep_probability")
        let startRate = parameters.number("learning_rate")
        // Loss weights: the rows' weights over their mean, so unit weights give AIF360's plain mean.
        let meanWeight = (0..<train.rows).reduce(0) { $0 + train.weight($1) } / Double(train.rows)
        guard meanWeight > 0 else { throw PluginError.invalidInput("the training rows' weights sum to zero") }

        guard host.blas.sgemm != nil else {
            throw PluginError.unsupported("adversarial debiasing needs the host's single-precision sgemm (ABI 7); this host has ABI \(host.blas.abi_version)")
        }
        let network = AdversarialNetwork(features: train.cols, hidden: hidden, capacity: batchSize, blas: host.blas, uniform: host.randomUniform)
        var dropoutStream = DropoutStream(seedHigh: host.randomUniform(), seedLow: host.randomUniform())
        var classifierAdam = Adam(count: network.classifier.count), adversaryAdam = Adam(count: network.adversary.count)
        var order = Array(0..<train.rows)
        let rows = FeatureRows(train)
        var batch = [Int64](repeating: 0, count: batchSize)
        var dropout = [Float](repeating: 1, count: hidden * batchSize)
        var update = [Float](repeating: 0, count: network.classifier.count)
        var step = 0
        for epoch in 0..<epochs {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, min(i, Int(host.randomUniform() * Double(i + 1)))) }
            // The epoch's rows in its order: each batch is a run of consecutive rows of the copy.
            let epochRows = rows.reordered(order)
            for start in stride(from: 0, through: train.rows - batchSize, by: batchSize) {
                let picked = order[start..<(start + batchSize)]
                for position in 0..<batchSize { batch[position] = Int64(start + position) }
                if keep < 1 { dropoutStream.fill(&dropout, keep: keep) }
                dropout.withUnsafeBufferPointer { mask in
                    network.computeGradients(
                        rows: epochRows, batch: batch, labels: picked.map { labels[$0] }, sides: picked.map { side[$0] },
                        weights: picked.map { train.weight($0) / meanWeight }, dropout: keep < 1 ? mask.baseAddress! : nil, debias: debias)
                }
                let rate = startRate * pow(0.96, Double(step / 1000))
                if debias {
                    network.labelGradient.withUnsafeBufferPointer { label in
                        network.adversaryGradientOnClassifier.withUnsafeBufferPointer { adversary in
                            update.withUnsafeMutableBufferPointer { update in
                                for tensor in network.classifierTensors {
                                    Self.project(UnsafeBufferPointer(rebasing: label[tensor]), awayFrom: UnsafeBufferPointer(rebasing: adversary[tensor]),
                                                 alpha: Float(alpha), into: UnsafeMutableBufferPointer(rebasing: update[tensor]))
                                }
                            }
                        }
                    }
                    classifierAdam.step(&network.classifier, gradient: update, learningRate: rate)
                    adversaryAdam.step(&network.adversary, gradient: network.adversaryGradient, learningRate: rate)
                } else {
                    classifierAdam.step(&network.classifier, gradient: network.labelGradient, learningRate: rate)
                }
                step += 1
            }
            guard network.classifier.allSatisfy(\.isFinite) else {
                throw PluginError.numerical("the classifier's weights are not finite after epoch \(epoch + 1)")
            }
        }
        host.log("adversarial debiasing: \(step) steps over \(epochs) epochs; last batch's label loss \(network.losses.label)" + (debias ? ", adversary loss \(network.losses.adversary)" : ""), level: FL_LOG_INFO)
        self.network = network
    }

    /// g − (g·û) û − α u into `result`, û = u / ‖u‖: the classifier's step keeps none of the direction that helps
    /// the adversary, and goes against it by α (Zhang et al.'s eq. 1; ‖u‖ + the smallest float, as AIF360). In C
    /// (`fairlab_project_away`): it runs over every classifier weight on each step.
    static func project(
        _ gradient: UnsafeBufferPointer<Float>, awayFrom adversary: UnsafeBufferPointer<Float>, alpha: Float,
        into result: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(gradient.count == adversary.count && result.count == adversary.count)
        guard !adversary.isEmpty else { return }
        fairlab_project_away(gradient.baseAddress!, adversary.baseAddress!, Int64(adversary.count), alpha, result.baseAddress!)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        guard let network else { throw PluginError.invalidInput("predict before fit") }
        guard data.cols == network.features else { throw PluginError.invalidInput("predict has \(data.cols) columns; the model was fitted on \(network.features)") }
        var scores = [Double](repeating: 0, count: data.rows)
        let rows = FeatureRows(data), block = network.capacity
        for start in stride(from: 0, to: data.rows, by: block) {
            let batch = (start..<min(start + block, data.rows)).map(Int64.init)
            let logits = batch.withUnsafeBufferPointer { network.logits(of: rows, batch: $0.baseAddress!, count: batch.count, dropout: nil) }
            for (row, logit) in zip(batch, logits) { scores[Int(row)] = Logistic.sigmoid(Double(logit)) }
        }
        output.setScoresAndPredictions(scores)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.adversarial-debiasing", name: "Adversarial debiasing", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "adversarial-debiasing", name: "Adversarial debiasing (Zhang, Lemoine & Mitchell 2018, as AIF360)", version: "1.0.0",
            description: "A one-hidden-layer classifier trained against an adversary that predicts the protected side from its output and the label.",
            stage: .inProcessing, needs: [.labels], parameters: AdversarialDebiasing.parameters,
            make: { host, parameters in AdversarialDebiasing(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
