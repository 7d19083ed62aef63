import CFairlabKernels

/// The logistic function and its cross-entropy, for the plugins' logistic models: the kernels' (`fairlab_sigmoid`,
/// `fairlab_softplus`, as the host's learner uses), one value at a time or a vectorised pass over many, which gives the
/// same bits for each value as one at a time.
public enum Logistic {
    /// σ(x) = 1 / (1 + e^(−x)), without overflow for large |x|.
    public static func sigmoid(_ x: Double) -> Double {
        fairlab_sigmoid_of(x)
    }

    /// The cross-entropy of logit x against a target t in [0, 1], −t log σ(x) − (1 − t) log(1 − σ(x)), in its
    /// stable form log(1 + eˣ) − x·t.
    public static func crossEntropy(logit x: Double, target t: Double) -> Double {
        fairlab_softplus_of(x) - x * t
    }

    /// σ of each of `logits`, into `out` (as many values; not `logits` itself).
    public static func sigmoid(_ logits: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count == logits.count)
        guard let source = logits.baseAddress, let target = out.baseAddress else { return }
        fairlab_sigmoid(source, Int64(logits.count), target)
    }

    /// log(1 + eˣ) of each of `logits`, into `out` (as many values; not `logits` itself): the cross-entropy of x
    /// against t is this − x·t.
    public static func softplus(_ logits: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count == logits.count)
        guard let source = logits.baseAddress, let target = out.baseAddress else { return }
        fairlab_softplus(source, Int64(logits.count), target)
    }

    /// σ of each of `logits`.
    public static func sigmoid(_ logits: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: logits.count) { out, count in
            logits.withUnsafeBufferPointer { sigmoid($0, into: out) }
            count = logits.count
        }
    }

    /// log(1 + eˣ) of each of `logits`.
    public static func softplus(_ logits: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: logits.count) { out, count in
            logits.withUnsafeBufferPointer { softplus($0, into: out) }
            count = logits.count
        }
    }
}
