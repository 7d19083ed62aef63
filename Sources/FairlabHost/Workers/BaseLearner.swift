import FairlabCore

/// The host's unmitigated learner for a task: what the baseline trains, and what a pre-processing method's
/// transformed training data trains. Binary data: L2 logistic regression (C = 1), predictions thresholded at
/// 0.5, as scikit-learn's `LogisticRegression`; regression data: ridge regression (α = 1), as scikit-learn's
/// `Ridge`.
public struct BaseLearner: Sendable {
    /// The task it learns.
    public let task: TaskKind

    /// The learner for `task`.
    public static func `for`(_ task: TaskKind) -> BaseLearner { BaseLearner(task: task) }

    /// Its name, for the baseline's row.
    public var name: String {
        switch task {
        case .binary: "logistic regression"
        case .regression: "ridge regression"
        }
    }

    /// Its parameters, as a method's parameter summary reads.
    public var parameters: String {
        switch task {
        case .binary: "C=1.0"
        case .regression: "alpha=1.0"
        }
    }

    /// Threshold on P(favourable) for hard predictions, as scikit-learn's `predict`.
    static let decisionThreshold = 0.5

    /// A trained model of either kind.
    enum Model {
        case logistic(LogisticRegression)
        case ridge(RidgeRegression)

        /// Predictions for every row of `features`, and the scores behind them: P(favourable) for a binary
        /// model; none for regression, whose prediction is its own value.
        func predict(_ features: Matrix) -> (predictions: [Double], scores: [Double]?) {
            switch self {
            case .logistic(let model):
                let scores = model.scores(features)
                return (scores.map { $0 > BaseLearner.decisionThreshold ? 1 : 0 }, scores)
            case .ridge(let model):
                return (model.predict(features), nil)
            }
        }

        /// The coefficients (one per feature) and the intercept.
        var parameters: (coefficients: [Double], intercept: Double) {
            switch self {
            case .logistic(let model): (model.coefficients, model.intercept)
            case .ridge(let model): (model.coefficients, model.intercept)
            }
        }

        /// Newton iterations of a logistic fit; 1 for ridge's single solve.
        var iterations: Int {
            switch self {
            case .logistic(let model): model.iterations
            case .ridge: 1
            }
        }

        /// What a post-processing method is given as the baseline's scores, and what the learner service's
        /// `predict_scores` returns: P(favourable), or for regression the predicted values.
        func postProcessingScores(_ features: Matrix) -> [Double] {
            switch self {
            case .logistic(let model): model.scores(features)
            case .ridge(let model): model.predict(features)
            }
        }
    }

    /// Trains on `features`, `labels` and instance `weights` (nil: all 1).
    func fit(features: Matrix, labels: [Double], weights: [Double]? = nil) throws -> Model {
        switch task {
        case .binary: .logistic(try LogisticRegression.fit(features: features, labels: labels, weights: weights))
        case .regression: .ridge(try RidgeRegression.fit(features: features, labels: labels, weights: weights))
        }
    }
}
