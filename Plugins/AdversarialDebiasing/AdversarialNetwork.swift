import CFairlabKernels
import CFairlabPlugin
import FairlabPluginKit
import Foundation

/// Zhang, Lemoine & Mitchell's (2018) pair of networks as AIF360's `AdversarialDebiasing` builds them. The
/// classifier: features → `hidden` ReLU units (dropout while training) → one logit. The adversary: from the
/// classifier's logit ℓ and the label y, s = σ((1 + |c|) ℓ), then a logit for the protected side from
/// (s, s·y, s·(1 − y)), so it learns what the prediction says about the side beyond the label (equalised odds).
/// Weights start Glorot-uniform, biases at zero, c at 1. Its tensors are single precision, as TensorFlow's are in
/// AIF360's graph (half the memory traffic of double, twice the values per vector instruction); each row's losses and
/// slopes are computed in double from its logit. A batch's products with W₁ are its rows' (`FeatureRows`: over
/// their non-zero values only, or the host's sgemm), the loops over every unit C kernels (CFairlabKernels); the
/// buffers of a step are allocated once, for the largest batch.
final class AdversarialNetwork {
    /// The classifier's tensors, flat: W₁ (hidden × features, column-major: each feature's weights into the hidden
    /// units together), b₁ (hidden), w₂ (hidden), b₂.
    var classifier: [Float]
    /// The adversary's tensors, flat: c, its three weights, its bias.
    var adversary: [Float]
    /// Where each classifier tensor lies in `classifier` (a projection works tensor by tensor, as AIF360's).
    let classifierTensors: [Range<Int>]
    /// Where each adversary tensor lies in `adversary`.
    let adversaryTensors: [Range<Int>] = [0..<1, 1..<4, 4..<5]

    let features: Int
    let hidden: Int
    /// The most rows a batch may have.
    let capacity: Int
    private let blas: fl_blas
    private let secondWeights: Int, secondBias: Int, firstBiases: Int

    // One step's buffers, allocated once; pointers rather than array properties, so the loops below pay no
    // exclusivity check per element (hidden × rows of them per pass).
    private let preActivations: UnsafeMutablePointer<Float>  // hidden × rows
    private let outputs: UnsafeMutablePointer<Float>  // hidden × rows, after ReLU and dropout
    private let logitBuffer: UnsafeMutablePointer<Float>
    private let labelSlopes: UnsafeMutablePointer<Float>, adversarySlopes: UnsafeMutablePointer<Float>
    private let deltas: UnsafeMutablePointer<Float>  // (2 · hidden) × rows: the label's and the adversary's slopes
    private let firstLayer: UnsafeMutablePointer<Float>  // (2 · hidden) × features: both gradients of W₁, feature by feature
    private let biasSums: UnsafeMutablePointer<Float>  // 2 · hidden: both gradients of b₁
    private let ones: UnsafeMutablePointer<Float>  // capacity ones, to sum Δ's rows by sgemm
    private let gathered: UnsafeMutablePointer<Float>  // features × capacity: a dense batch's rows (scratch)
    private let rowScratch: UnsafeMutablePointer<Double>  // 8 × capacity: a step's per-row values in double (computeGradients)

    /// The gradient of the batch's label loss over the classifier, after `computeGradients`.
    private(set) var labelGradient: [Float]
    /// The gradient of the batch's adversary loss over the classifier, after `computeGradients(debias: true)`.
    private(set) var adversaryGradientOnClassifier: [Float]
    /// The gradient of the batch's adversary loss over the adversary, after `computeGradients(debias: true)`.
    private(set) var adversaryGradient: [Float]
    /// The batch's weighted mean losses, after `computeGradients`.
    private(set) var losses = (label: 0.0, adversary: 0.0)

    /// A network with Glorot-uniform weights drawn from `uniform` (W₁, then w₂, then the adversary's), with
    /// buffers for batches of up to `capacity` rows. `blas` needs `sgemm` (ABI 7).
    init(features: Int, hidden: Int, capacity: Int, blas: fl_blas, uniform: () -> Double) {
        self.features = features
        self.hidden = hidden
        self.capacity = capacity
        self.blas = blas
        func glorot(_ fanIn: Int, _ fanOut: Int) -> [Float] {
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            return (0..<fanIn * fanOut).map { _ in Float((2 * uniform() - 1) * limit) }
        }
        firstBiases = features * hidden
        secondWeights = firstBiases + hidden
        secondBias = secondWeights + hidden
        classifierTensors = [0..<firstBiases, firstBiases..<secondWeights, secondWeights..<secondBias, secondBias..<(secondBias + 1)]
        // Drawn feature by feature for each hidden unit, as the features × hidden matrix TensorFlow's kernel is.
        let drawn = glorot(features, hidden), second = glorot(hidden, 1)
        var first = [Float](repeating: 0, count: features * hidden)
        for h in 0..<hidden { for j in 0..<features { first[h + j * hidden] = drawn[j + h * features] } }
        classifier = first + [Float](repeating: 0, count: hidden) + second + [0]
        adversary = [1] + glorot(3, 1) + [0]
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            return pointer
        }
        preActivations = buffer(hidden * capacity)
        outputs = buffer(hidden * capacity)
        logitBuffer = buffer(capacity)
        labelSlopes = buffer(capacity)
        adversarySlopes = buffer(capacity)
        deltas = buffer(2 * hidden * capacity)
        firstLayer = buffer(2 * features * hidden)
        biasSums = buffer(2 * hidden)
        ones = buffer(capacity)
        ones.update(repeating: 1, count: capacity)
        gathered = buffer(features * capacity)
        rowScratch = .allocate(capacity: 8 * capacity)
        rowScratch.initialize(repeating: 0, count: 8 * capacity)
        labelGradient = [Float](repeating: 0, count: classifier.count)
        adversaryGradientOnClassifier = labelGradient
        adversaryGradient = [Float](repeating: 0, count: adversary.count)
    }

    deinit {
        for pointer in [preActivations, outputs, logitBuffer, labelSlopes, adversarySlopes, deltas, firstLayer, biasSums, ones, gathered] {
            pointer.deallocate()
        }
        rowScratch.deallocate()
    }

    /// The logits of the rows `batch` (`count` of them) of `rows`, with `dropout` the scale of each (unit, row), 0 or
    /// 1 / keep probability, or nil for none.
    func logits(of rows: FeatureRows, batch: UnsafePointer<Int64>, count: Int, dropout: UnsafePointer<Float>?) -> UnsafeBufferPointer<Float> {
        precondition(count <= capacity && rows.width == features)
        let hidden = hidden, pre = preActivations, out = outputs, logit = logitBuffer
        classifier.withUnsafeBufferPointer { theta in
            rows.multiply(theta.baseAddress!, outputs: hidden, batch: batch, count: count, gathered: gathered, blas: blas, into: pre)
            let b1 = theta.baseAddress! + firstBiases, w2 = theta.baseAddress! + secondWeights, b2 = theta[secondBias]
            fairlab_relu_layer(pre, b1, dropout, Int64(hidden), Int64(count), out)
            // logits = outputsᵀ w₂ + b₂.
            for i in 0..<count { logit[i] = b2 }
            blas.sgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), 1, Int32(count), Int32(hidden), 1, w2, Int32(hidden), out,
                       Int32(hidden), 1, logit, 1)
        }
        return UnsafeBufferPointer(start: logit, count: count)
    }

    /// Computes `labelGradient` and `losses.label` and, with `debias`, `adversaryGradientOnClassifier`,
    /// `adversaryGradient` and `losses.adversary`: the gradients of the weighted mean cross-entropies of the rows
    /// `batch` of `rows`, with their labels and sides (0/1) and loss weights.
    func computeGradients(rows: FeatureRows, batch: [Int64], labels: [Double], sides: [Double], weights: [Double],
                          dropout: UnsafePointer<Float>?, debias: Bool) {
        let n = labels.count, scale = 1 / Double(n)
        precondition(batch.count == n)
        let logits = batch.withUnsafeBufferPointer { self.logits(of: rows, batch: $0.baseAddress!, count: n, dropout: dropout) }
        // Each row's σ and cross-entropy in vectorised passes (Logistic) into the step's buffers, then the sums in
        // row order.
        func rowValues(_ index: Int) -> UnsafeMutableBufferPointer<Double> {
            UnsafeMutableBufferPointer(start: rowScratch + index * capacity, count: n)
        }
        let logitValues = rowValues(0), probabilities = rowValues(1), labelLosses = rowValues(2)
        for i in 0..<n { logitValues[i] = Double(logits[i]) }
        Logistic.sigmoid(UnsafeBufferPointer(logitValues), into: probabilities)
        labels.withUnsafeBufferPointer { Logistic.crossEntropy(UnsafeBufferPointer(logitValues), targets: $0, into: labelLosses) }
        var labelLoss = 0.0, adversaryLoss = 0.0
        for i in 0..<n {
            labelLoss += weights[i] * labelLosses[i] * scale
            labelSlopes[i] = Float(weights[i] * (probabilities[i] - labels[i]) * scale)
        }
        if debias {
            let c = Double(adversary[0]), sharp = 1 + abs(c), sign: Double = c > 0 ? 1 : c < 0 ? -1 : 0  // TensorFlow's sign(0) = 0
            let (w0, w1, w2, bias) = (Double(adversary[1]), Double(adversary[2]), Double(adversary[3]), Double(adversary[4]))
            let sharpLogits = rowValues(3), sharpened = rowValues(4), sideLogits = rowValues(5), sideProbabilities = rowValues(6)
            let sideLosses = rowValues(7)
            for i in 0..<n { sharpLogits[i] = sharp * logitValues[i] }
            Logistic.sigmoid(UnsafeBufferPointer(sharpLogits), into: sharpened)
            for i in 0..<n {
                let y = labels[i], s = sharpened[i]
                sideLogits[i] = w0 * s + w1 * s * y + w2 * s * (1 - y) + bias
            }
            Logistic.sigmoid(UnsafeBufferPointer(sideLogits), into: sideProbabilities)
            sides.withUnsafeBufferPointer { Logistic.crossEntropy(UnsafeBufferPointer(sideLogits), targets: $0, into: sideLosses) }
            var gradient = [Double](repeating: 0, count: 5)
            for i in 0..<n {
                let y = labels[i], logit = logitValues[i], s = sharpened[i]
                adversaryLoss += weights[i] * sideLosses[i] * scale
                let slope = weights[i] * (sideProbabilities[i] - sides[i]) * scale
                gradient[1] += slope * s
                gradient[2] += slope * s * y
                gradient[3] += slope * s * (1 - y)
                gradient[4] += slope
                // Back through s = σ(kℓ), k = 1 + |c|: ∂s/∂(kℓ) = s (1 − s).
                let throughSharpening = slope * (w0 + w1 * y + w2 * (1 - y)) * s * (1 - s)
                gradient[0] += throughSharpening * logit * sign
                adversarySlopes[i] = Float(throughSharpening * sharp)
            }
            adversaryGradient = gradient.map(Float.init)
        }
        losses = (labelLoss, adversaryLoss)
        backPropagate(rows: rows, batch: batch, dropout: dropout, both: debias)
    }

    /// The classifier's gradients for the label slopes (and, with `both`, the adversary's), the first layer's
    /// in one product: [∂W₁ …] (2·hidden × features) = Δ (2·hidden × rows) · X.
    private func backPropagate(rows: FeatureRows, batch: [Int64], dropout: UnsafePointer<Float>?, both: Bool) {
        let n = batch.count
        let hidden = hidden, width = (both ? 2 : 1) * hidden, size = features * hidden
        let pre = preActivations, out = outputs, delta = deltas, sy = labelSlopes, sa = adversarySlopes
        let (firstBiases, secondWeights, secondBias) = (self.firstBiases, self.secondWeights, self.secondBias)
        classifier.withUnsafeBufferPointer { theta in
            labelGradient.withUnsafeMutableBufferPointer { gy in
                adversaryGradientOnClassifier.withUnsafeMutableBufferPointer { ga in
                    let w2 = theta.baseAddress! + secondWeights
                    // Δ: each unit's slope through ReLU and dropout, times each row's logit slope.
                    fairlab_hidden_deltas(pre, w2, dropout, sy, both ? UnsafePointer(sa) : nil, Int64(hidden), Int64(n), delta)
                    // ∂b₂ = Σ slopes; ∂w₂ = outputs · slopes; ∂b₁ = Δ · 1 (both gradients' at once).
                    gy[secondBias] = (0..<n).reduce(0) { $0 + sy[$1] }
                    ga[secondBias] = both ? (0..<n).reduce(0) { $0 + sa[$1] } : 0
                    // (matrix-vector products as sgemm's n = 1: fl_blas has no sgemv)
                    func timesVector(_ matrix: UnsafePointer<Float>, rows: Int, _ vector: UnsafePointer<Float>, into result: UnsafeMutablePointer<Float>) {
                        blas.sgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(rows), 1, Int32(n), 1, matrix, Int32(rows),
                                   vector, Int32(n), 0, result, Int32(rows))
                    }
                    timesVector(out, rows: hidden, sy, into: gy.baseAddress! + secondWeights)
                    if both { timesVector(out, rows: hidden, sa, into: ga.baseAddress! + secondWeights) }
                    timesVector(delta, rows: width, ones, into: biasSums)
                    gy.baseAddress!.advanced(by: firstBiases).update(from: biasSums, count: hidden)
                    if both { ga.baseAddress!.advanced(by: firstBiases).update(from: biasSums + hidden, count: hidden) }
                    batch.withUnsafeBufferPointer { batch in
                        rows.multiplyTransposed(delta, outputs: width, batch: batch.baseAddress!, count: n, gathered: gathered, blas: blas, into: firstLayer)
                    }
                    if both {
                        for j in 0..<features {
                            (gy.baseAddress! + j * hidden).update(from: firstLayer + j * width, count: hidden)
                            (ga.baseAddress! + j * hidden).update(from: firstLayer + j * width + hidden, count: hidden)
                        }
                    } else {
                        gy.baseAddress!.update(from: firstLayer, count: size)
                    }
                }
            }
        }
    }
}
