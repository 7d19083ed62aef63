import Foundation

/// The logistic function and its cross-entropy, for the plugins' logistic models (inlinable: they sit in the
/// models' inner loops).
public enum Logistic {
    /// σ(x) = 1 / (1 + e^(−x)), without overflow for large |x|.
    @inlinable
    public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// The cross-entropy of logit x against a target t in [0, 1], −t log σ(x) − (1 − t) log(1 − σ(x)), in its
    /// stable form max(x, 0) − x·t + log(1 + e^(−|x|)).
    @inlinable
    public static func crossEntropy(logit x: Double, target t: Double) -> Double {
        max(x, 0) - x * t + log1p(exp(-abs(x)))
    }
}
