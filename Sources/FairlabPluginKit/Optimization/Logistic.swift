import CFairlabKernels

/// The logistic function and its cross-entropy, for the plugins' logistic models: the kernels' (`fairlab_sigmoid`,
/// `fairlab_cross_entropy`, on the same exponential and logarithm as the host's learner), one value at a time or a
/// vectorised pass over many, which gives the same bits for each value as one at a time.
public enum Logistic {
    /// σ(x) = 1 / (1 + e^(−x)), without overflow for large |x|.
    public static func sigmoid(_ x: Double) -> Double {
        fairlab_sigmoid_of(x)
    }

    /// The cross-entropy of logit x against a target t in [0, 1], −t log σ(x) − (1 − t) log(1 − σ(x)), in its
    /// stable form max(x, 0) − x·t + log(1 + e^(−|x|)) (the last term kept apart: a confident right answer's loss,
    /// 4.2 · 10⁻¹⁸ at x = 40, t = 1, does not round to 0).
    public static func crossEntropy(logit x: Double, target t: Double) -> Double {
        fairlab_cross_entropy_of(x, t)
    }

    /// σ of each of `logits`, into `out` (as many values; not `logits` itself).
    public static func sigmoid(_ logits: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count == logits.count)
        guard let source = logits.baseAddress, let target = out.baseAddress else { return }
        precondition(UnsafePointer(target) != source, "the kernel's passes do not work in place")
        fairlab_sigmoid(source, Int64(logits.count), target)
    }

    /// The cross-entropy of each of `logits` against its target, into `out` (as many values; neither input itself).
    public static func crossEntropy(
        _ logits: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(out.count == logits.count && targets.count == logits.count)
        guard let source = logits.baseAddress, let given = targets.baseAddress, let target = out.baseAddress else { return }
        precondition(UnsafePointer(target) != source && UnsafePointer(target) != given, "the kernel's passes do not work in place")
        fairlab_cross_entropy(source, given, Int64(logits.count), target)
    }

    /// σ of each of `logits`.
    public static func sigmoid(_ logits: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: logits.count) { out, count in
            logits.withUnsafeBufferPointer { sigmoid($0, into: out) }
            count = logits.count
        }
    }

    /// The cross-entropy of each of `logits` against its target.
    public static func crossEntropy(_ logits: [Double], targets: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: logits.count) { out, count in
            logits.withUnsafeBufferPointer { logits in
                targets.withUnsafeBufferPointer { crossEntropy(logits, targets: $0, into: out) }
            }
            count = logits.count
        }
    }
}
