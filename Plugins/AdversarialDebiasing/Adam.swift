import CFairlabKernels
import Foundation

/// Adam (Kingma & Ba 2015) over a flat vector of single-precision parameters, in TensorFlow 1's form: the bias
/// corrections are folded into the step, lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ) (computed in double), and ε is added to
/// √v unscaled.
struct Adam {
    private let beta1 = 0.9, beta2 = 0.999, epsilon: Float = 1e-8
    private var firstMoments: [Float]
    private var secondMoments: [Float]
    private var steps = 0

    /// An optimiser for `count` parameters, with zero moments.
    init(count: Int) {
        firstMoments = [Float](repeating: 0, count: count)
        secondMoments = firstMoments
    }

    /// One step of `parameters` down `gradient` at `learningRate`.
    mutating func step(_ parameters: inout [Float], gradient: [Float], learningRate: Double) {
        steps += 1
        let t = Double(steps)
        let rate = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        precondition(gradient.count == parameters.count && gradient.count == firstMoments.count)
        // In C: this runs over every parameter (about 20,000) on each of a fit's ~12,000 steps, and Swift compiled it
        // to one scalar division and square root per value.
        firstMoments.withUnsafeMutableBufferPointer { first in
            secondMoments.withUnsafeMutableBufferPointer { second in
                parameters.withUnsafeMutableBufferPointer { parameters in
                    gradient.withUnsafeBufferPointer { gradient in
                        fairlab_adam_step(
                            parameters.baseAddress!, first.baseAddress!, second.baseAddress!, gradient.baseAddress!, Int64(gradient.count), Float(rate),
                            Float(beta1), Float(beta2), epsilon)
                    }
                }
            }
        }
    }
}
