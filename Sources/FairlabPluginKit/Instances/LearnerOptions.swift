import CFairlabPlugin

/// Options of one base-learner fit through the host's `fairlab.learner-control/1` extension.
public struct LearnerOptions: Sendable {
    /// scikit-learn's C.
    public var inverseRegularization = 1.0
    /// Stop once half the Newton decrement is below this fraction of the objective.
    public var tolerance = 1e-10
    /// Upper bound on Newton iterations.
    public var maxIterations = 100
    /// A model over the same features to start from.
    public var warmStart: fl_model?

    /// The host learner's defaults (C = 1, converged to machine precision, from zero).
    public init() {}
}
