import CFairlabPlugin
import Foundation

/// Zhang, Lemoine & Mitchell's (2018) pair of networks as AIF360's `AdversarialDebiasing` builds them. The
/// classifier: features → `hidden` ReLU units (dropout while training) → one logit. The adversary: from the
/// classifier's logit ℓ and the label y, s = σ((1 + |c|) ℓ), then a logit for the protected side from
/// (s, s·y, s·(1 − y)), so it learns what the prediction says about the side beyond the label (equalised odds).
/// Weights start Glorot-uniform, biases at zero, c at 1. The products over a batch are host dgemms; the
/// buffers of a step are allocated once, for the largest batch.
final class AdversarialNetwork {
    /// The classifier's tensors, flat: W₁ (features × hidden, column-major), b₁ (hidden), w₂ (hidden), b₂.
    var classifier: [Double]
    /// The adversary's tensors, flat: c, its three weights, its bias.
    var adversary: [Double]
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

    // One step's buffers (hidden × rows unless said otherwise).
    private var preActivations: [Double]
    private var outputs: [Double]
    private var logits: [Double]
    private var deltas: [Double]  // (2 · hidden) × rows: the label's and the adversary's back-propagated slopes
    private var firstLayer: [Double]  // features × (2 · hidden): both gradients of W₁
    private var labelSlopes: [Double], adversarySlopes: [Double]

    /// The gradient of the batch's label loss over the classifier, after `computeGradients`.
    private(set) var labelGradient: [Double]
    /// The gradient of the batch's adversary loss over the classifier, after `computeGradients(debias: true)`.
    private(set) var adversaryGradientOnClassifier: [Double]
    /// The gradient of the batch's adversary loss over the adversary, after `computeGradients(debias: true)`.
    private(set) var adversaryGradient: [Double]
    /// The batch's weighted mean losses, after `computeGradients`.
    private(set) var losses = (label: 0.0, adversary: 0.0)

    /// A network with Glorot-uniform weights drawn from `uniform` (W₁, then w₂, then the adversary's), with
    /// buffers for batches of up to `capacity` rows.
    init(features: Int, hidden: Int, capacity: Int, blas: fl_blas, uniform: () -> Double) {
        self.features = features
        self.hidden = hidden
        self.capacity = capacity
        self.blas = blas
        func glorot(_ fanIn: Int, _ fanOut: Int) -> [Double] {
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            return (0..<fanIn * fanOut).map { _ in (2 * uniform() - 1) * limit }
        }
        firstBiases = features * hidden
        secondWeights = firstBiases + hidden
        secondBias = secondWeights + hidden
        classifierTensors = [0..<firstBiases, firstBiases..<secondWeights, secondWeights..<secondBias, secondBias..<(secondBias + 1)]
        let first = glorot(features, hidden), second = glorot(hidden, 1)
        classifier = first + [Double](repeating: 0, count: hidden) + second + [0]
        adversary = [1] + glorot(3, 1) + [0]
        preActivations = [Double](repeating: 0, count: hidden * capacity)
        outputs = preActivations
        logits = [Double](repeating: 0, count: capacity)
        labelSlopes = logits
        adversarySlopes = logits
        deltas = [Double](repeating: 0, count: 2 * hidden * capacity)
        firstLayer = [Double](repeating: 0, count: 2 * features * hidden)
        labelGradient = [Double](repeating: 0, count: classifier.count)
        adversaryGradientOnClassifier = labelGradient
        adversaryGradient = [Double](repeating: 0, count: adversary.count)
    }

    /// The logits of `rows` rows given as the columns of `columns` (features × rows), with `dropout` the scale of
    /// each (unit, row), 0 or 1 / keep probability, or nil for none.
    func logits(columns: UnsafePointer<Double>, rows: Int, dropout: UnsafePointer<Double>?) -> ArraySlice<Double> {
        precondition(rows <= capacity)
        let hidden = hidden
        classifier.withUnsafeBufferPointer { theta in
            preActivations.withUnsafeMutableBufferPointer { pre in
                outputs.withUnsafeMutableBufferPointer { out in
                    logits.withUnsafeMutableBufferPointer { logit in
                        blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(FL_BLAS_NO_TRANS), Int32(hidden), Int32(rows), Int32(features),
                                   1, theta.baseAddress!, Int32(features), columns, Int32(features), 0, pre.baseAddress!, Int32(hidden))
                        let b1 = theta.baseAddress! + firstBiases, w2 = theta.baseAddress! + secondWeights, b2 = theta[secondBias]
                        for i in 0..<rows {
                            var sum = b2
                            for h in 0..<hidden {
                                let k = h + i * hidden
                                let z = pre[k] + b1[h]
                                pre[k] = z
                                let a = z > 0 ? (dropout.map { z * $0[k] } ?? z) : 0
                                out[k] = a
                                sum += w2[h] * a
                            }
                            logit[i] = sum
                        }
                    }
                }
            }
        }
        return logits[0..<rows]
    }

    /// Computes `labelGradient` and `losses.label` and, with `debias`, `adversaryGradientOnClassifier`,
    /// `adversaryGradient` and `losses.adversary`: the gradients of the weighted mean cross-entropies of a batch
    /// whose rows are the columns of `columns`, with their labels and sides (0/1) and loss weights.
    func computeGradients(columns: UnsafePointer<Double>, labels: [Double], sides: [Double], weights: [Double],
                          dropout: UnsafePointer<Double>?, debias: Bool) {
        let n = labels.count, scale = 1 / Double(n)
        _ = logits(columns: columns, rows: n, dropout: dropout)
        losses = (0, 0)
        for i in 0..<n {
            losses.label += weights[i] * Self.crossEntropy(logit: logits[i], target: labels[i]) * scale
            labelSlopes[i] = weights[i] * (Self.sigmoid(logits[i]) - labels[i]) * scale
        }
        if debias {
            let c = adversary[0], sharp = 1 + abs(c), sign: Double = c > 0 ? 1 : c < 0 ? -1 : 0  // TensorFlow's sign(0) = 0
            let (w0, w1, w2, bias) = (adversary[1], adversary[2], adversary[3], adversary[4])
            for k in adversaryGradient.indices { adversaryGradient[k] = 0 }
            for i in 0..<n {
                let y = labels[i], s = Self.sigmoid(sharp * logits[i])
                let sideLogit = w0 * s + w1 * s * y + w2 * s * (1 - y) + bias
                losses.adversary += weights[i] * Self.crossEntropy(logit: sideLogit, target: sides[i]) * scale
                let slope = weights[i] * (Self.sigmoid(sideLogit) - sides[i]) * scale
                adversaryGradient[1] += slope * s
                adversaryGradient[2] += slope * s * y
                adversaryGradient[3] += slope * s * (1 - y)
                adversaryGradient[4] += slope
                // Back through s = σ(kℓ), k = 1 + |c|: ∂s/∂(kℓ) = s (1 − s).
                let sharpened = slope * (w0 + w1 * y + w2 * (1 - y)) * s * (1 - s)
                adversaryGradient[0] += sharpened * logits[i] * sign
                adversarySlopes[i] = sharpened * sharp
            }
        }
        backPropagate(columns: columns, rows: n, dropout: dropout, both: debias)
    }

    /// The classifier's gradients for the label slopes (and, with `both`, the adversary's), the first layer's
    /// in one dgemm: [∂W₁ …] (features × 2·hidden) = X (features × rows) · Δᵀ.
    private func backPropagate(columns: UnsafePointer<Double>, rows n: Int, dropout: UnsafePointer<Double>?, both: Bool) {
        let hidden = hidden, width = (both ? 2 : 1) * hidden, size = features * hidden
        classifier.withUnsafeBufferPointer { theta in
            preActivations.withUnsafeBufferPointer { pre in
                outputs.withUnsafeBufferPointer { out in
                    deltas.withUnsafeMutableBufferPointer { delta in
                        labelGradient.withUnsafeMutableBufferPointer { gy in
                            adversaryGradientOnClassifier.withUnsafeMutableBufferPointer { ga in
                                for k in firstBiases..<classifier.count { gy[k] = 0; ga[k] = 0 }
                                let w2 = theta.baseAddress! + secondWeights
                                for i in 0..<n {
                                    let sy = labelSlopes[i], sa = both ? adversarySlopes[i] : 0
                                    gy[secondBias] += sy
                                    ga[secondBias] += sa
                                    for h in 0..<hidden {
                                        let k = h + i * hidden, a = out[k]
                                        gy[secondWeights + h] += a * sy
                                        ga[secondWeights + h] += a * sa
                                        var dy = 0.0, da = 0.0
                                        if pre[k] > 0 {
                                            let through = w2[h] * (dropout?[k] ?? 1)
                                            dy = sy * through
                                            da = sa * through
                                            gy[firstBiases + h] += dy
                                            ga[firstBiases + h] += da
                                        }
                                        delta[h + i * width] = dy
                                        if both { delta[hidden + h + i * width] = da }
                                    }
                                }
                                firstLayer.withUnsafeMutableBufferPointer { g in
                                    blas.dgemm(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_NO_TRANS), Int32(FL_BLAS_TRANS), Int32(features), Int32(width), Int32(n),
                                               1, columns, Int32(features), delta.baseAddress!, Int32(width), 0, g.baseAddress!, Int32(features))
                                    for k in 0..<size { gy[k] = g[k] }
                                    if both { for k in 0..<size { ga[k] = g[size + k] } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The numerically stable sigmoid cross-entropy with logits, max(ℓ, 0) − ℓ·t + log(1 + e^(−|ℓ|)).
    static func crossEntropy(logit: Double, target: Double) -> Double {
        max(logit, 0) - logit * target + log1p(exp(-abs(logit)))
    }

    /// 1 / (1 + e^(−x)), without overflow.
    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }
}
