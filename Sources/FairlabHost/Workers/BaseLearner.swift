import FairlabCore

/// The host's unmitigated learner for a task: what the baseline trains, and what a pre-processing method's
/// transformed training data trains. Binary data: L2 logistic regression (C = 1), predictions thresholded at
/// 0.5, as scikit-learn's `LogisticRegression`; regression data: ridge regression (α = 1), as scikit-learn's
/// `Ridge`; clustering data: k-means with the run's k, the best of `kMeansStarts` k-means++ starts, as
/// scikit-learn's `KMeans(n_clusters=k, n_init=…)`.
public struct BaseLearner: Sendable {
    /// The task it learns.
    public let task: TaskKind
    /// For clustering, the number of clusters.
    public let clusterCount: Int
    /// For clustering, the k-means++ starts of a fit, the lowest inertia kept (scikit-learn's `n_init`).
    public let kMeansStarts: Int

    /// k-means++ starts unless a run says otherwise (scikit-learn's classic `n_init=10`).
    public static let defaultKMeansStarts = 10

    /// The learner for `task` (with `clusterCount` clusters and `kMeansStarts` starts, for clustering).
    public static func `for`(_ task: TaskKind, clusterCount: Int = 0, kMeansStarts: Int = defaultKMeansStarts) -> BaseLearner {
        BaseLearner(task: task, clusterCount: clusterCount, kMeansStarts: kMeansStarts)
    }

    /// Its name, for the baseline's row.
    public var name: String {
        switch task {
        case .binary: "logistic regression"
        case .regression: "ridge regression"
        case .clustering: "k-means"
        }
    }

    /// Its name through the learner service (`fl_learner.name`).
    public var serviceName: String {
        switch task {
        case .binary: "logistic-regression"
        case .regression: "ridge-regression"
        case .clustering: "k-means"
        }
    }

    /// Its parameters, as a method's parameter summary reads.
    public var parameters: String {
        switch task {
        case .binary: "C=1.0"
        case .regression: "alpha=1.0"
        case .clustering: "k=\(clusterCount), n_init=\(kMeansStarts)"
        }
    }

    /// Threshold on P(favourable) for hard predictions, as scikit-learn's `predict`.
    static let decisionThreshold = 0.5

    /// A trained model of either kind.
    enum Model {
        case logistic(LogisticRegression)
        case ridge(RidgeRegression)
        case kMeans(KMeans)

        /// Predictions for every row of `features`, and the scores behind them: P(favourable) for a binary
        /// model; none for regression, whose prediction is its own value, nor for clustering (the nearest centre's id).
        func predict(_ features: Matrix) -> (predictions: [Double], scores: [Double]?) {
            switch self {
            case .logistic(let model):
                let scores = model.scores(features)
                return (scores.map { $0 > BaseLearner.decisionThreshold ? 1 : 0 }, scores)
            case .ridge(let model):
                return (model.predict(features), nil)
            case .kMeans:
                return (postProcessingScores(features), nil)
            }
        }

        /// The coefficients (one per feature) and the intercept; for k-means the k × features centres
        /// (column-major) and the inertia.
        var parameters: (coefficients: [Double], intercept: Double) {
            switch self {
            case .logistic(let model): (model.coefficients, model.intercept)
            case .ridge(let model): (model.coefficients, model.intercept)
            case .kMeans(let model): (model.centers.storage, model.inertia)
            }
        }

        /// The number of features the model was fitted on.
        var featureCount: Int {
            switch self {
            case .kMeans(let model): model.centers.cols
            default: parameters.coefficients.count
            }
        }

        /// Newton iterations of a logistic fit; 1 for ridge's single solve.
        var iterations: Int {
            switch self {
            case .logistic(let model): model.iterations
            case .ridge: 1
            case .kMeans(let model): model.iterations
            }
        }

        /// What a post-processing method is given as the baseline's scores, and what the learner service's
        /// `predict_scores` returns: P(favourable), for regression the predicted values, for clustering the ids.
        func postProcessingScores(_ features: Matrix) -> [Double] {
            switch self {
            case .logistic(let model): model.scores(features)
            case .ridge(let model): model.predict(features)
            case .kMeans(let model): model.assign(features).clusters.map(Double.init)
            }
        }
    }

    /// Trains on `features`, `labels` (nil for clustering, which has none) and instance `weights` (nil: all 1);
    /// k-means draws its starts from `random`. `options` are the logistic regression's (its C is ridge's 1/α;
    /// tolerance and iterations mean nothing to ridge's exact solve), `start` a logistic warm start, and `prepared`
    /// the logistic design of `features` when one is kept from an earlier fit.
    func fit(
        features: Matrix, labels: [Double]?, weights: [Double]? = nil, options: LogisticRegression.Options = .init(),
        start: LogisticRegression? = nil, prepared: PreparedFeatures? = nil, random: inout SeededGenerator
    ) throws -> Model {
        switch task {
        case .binary:
            let design = try prepared ?? PreparedFeatures(features, allowSparse: options.allowSparseProducts)
            return .logistic(try LogisticRegression.fit(prepared: design, labels: try Self.required(labels), weights: weights, options: options, start: start))
        case .regression:
            return .ridge(try RidgeRegression.fit(
                features: features, labels: try Self.required(labels), weights: weights, alpha: 1 / options.inverseRegularization))
        case .clustering:
            return .kMeans(try KMeans.fit(features: features, clusterCount: clusterCount, weights: weights, starts: kMeansStarts, random: &random))
        }
    }

    /// Labels a supervised fit cannot do without.
    private static func required(_ labels: [Double]?) throws -> [Double] {
        guard let labels else { throw FairlabError("the base learner was given no labels to learn") }
        return labels
    }

    /// The stream a job's own fits of the base learner (the baseline's, a pre-processing method's) draw from.
    static func stream(seed: UInt64) -> SeededGenerator { SeededGenerator(seed: seed, stream: "base-learner") }
}
