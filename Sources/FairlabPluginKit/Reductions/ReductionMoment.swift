/// A fairness constraint on the training rows as the reductions of Agarwal et al. use it (Fairlearn's `Moment`):
/// the constraint values γ of a hypothesis's training predictions, their bounds, the objective (error), and the
/// per-row weights of the learner's problem at multipliers λ. The exponentiated-gradient driver
/// (`ExponentiatedGradientSearch`, `LagrangianOracle`) is written against it, so classification's parity moments
/// and regression's bounded group loss share one driver.
public protocol ReductionMoment {
    /// Number of constraints: the length of γ and of λ.
    var constraintCount: Int { get }
    /// Constraint j is violated by γ_j − bounds[j] > 0.
    var bounds: [Double] { get }
    /// Per training row, the weight of the learner's problem at λ: for classification signed (its sign is the
    /// label the learner is given), for regression the weight of the row's own label.
    func signedWeights(_ lambda: [Double]) -> [Double]
    /// The constraint values of `predictions` on the training rows.
    func gamma(_ predictions: [Double]) -> [Double]
    /// The objective of `predictions` on the training rows (the error rate, or the mean loss).
    func error(_ predictions: [Double]) -> Double
    /// λ as the Lagrangian is evaluated at (Fairlearn's `project_lambda`; the identity where nothing is projected).
    func project(_ lambda: [Double]) -> [Double]
    /// |h(x) − y| per training row, whose spread sets the default duality-gap tolerance ν.
    func deviations(_ predictions: [Double]) -> [Double]
}

/// The base learner a reduction calls for best responses.
public protocol ReductionLearner: AnyObject {
    associatedtype Model
    /// Trains on the training rows at per-row `signedWeights` (weights |w| · `scale`; for classification labels
    /// 1[w > 0]) and returns the model with its predictions on the training rows.
    func fit(signedWeights: [Double], scale: Double) throws -> (model: Model, predictions: [Double])
    /// Frees a model that will not be used.
    func release(_ model: Model)
}
