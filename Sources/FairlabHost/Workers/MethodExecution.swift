import CFairlabPlugin
import Dispatch
import FairlabCore

/// Runs one method (or the baseline) on one split, inside a worker process, following its stage:
///
/// - baseline: the host's base learner for the dataset's task (`BaseLearner`), trained on the training split;
/// - pre: fit and transform the training split, train the base learner on the result, transform the test
///   split with the same fitted transform, predict;
/// - in: the method trains its own model and predicts;
/// - post: the baseline's validation scores fit the method, which then adjusts the baseline's test scores (the
///   training rows' scores when the split has no validation rows, noted in the row). The scores are the ones
///   the seed's baseline job wrote (`BaselineScores`), not a second training of the same model.
public enum MethodExecution {
    /// Runs `job` and returns the test predictions; throws with a one-line reason on any failure.
    public static func run(_ job: MethodJob) throws -> MethodOutcome {
        var split = try PreparedSplit.read(from: job.splitPath)
        if let labelsPath = job.labelsPath { split = try split.relabelled(from: labelsPath) }
        let groups = GroupsTable(names: split.groupNames, privileged: split.groupPrivileged)
        let learner = BaseLearner.for(split.task, clusterCount: split.clusterCount, kMeansStarts: job.kMeansStarts)
        var random = BaseLearner.stream(seed: job.seed)
        guard let method = job.method else { return try baseline(split, learner: learner, random: &random, scoresPath: job.baselineScoresPath) }

        let library = try LoadedLibrary(path: method.libraryPath)
        let instance = try MethodInstance(
            library: library, info: method, parameters: job.parameters ?? ResolvedParameters(method: method, overrides: [:]), seed: job.seed,
            learner: learner)
        let groupsAtPredict = method.needs(FL_NEEDS_GROUPS_AT_PREDICT)
        func table(_ part: PreparedSplit.Part, features: Matrix? = nil, labels: Bool, scores: [Double]? = nil, groups showGroups: Bool = true) -> DataTable {
            DataTable(
                features: features ?? part.features, labels: labels ? part.labels : nil, scores: scores, weights: nil,
                groupCodes: showGroups ? part.groupCodes : nil, groups: groups,
                columns: features == nil ? split.columns : nil, task: split.task, clusterCount: split.clusterCount)
        }

        var outcome: MethodOutcome
        switch method.stage {
        case .pre:
            let clock = Stopwatch()
            let trainTable = table(split.train, labels: true)
            try instance.fit(train: trainTable, validation: method.needs(FL_NEEDS_VALIDATION) ? table(split.validation, labels: true) : nil)
            let trained = try instance.transform(
                trainTable, features: split.train.features, labels: split.task.hasLabels ? split.train.labels : nil,
                weights: [Double](repeating: 1, count: split.train.labels.count), groupCodes: split.train.groupCodes, trainingRows: true)
            let model = try learner.fit(features: trained.features, labels: trained.labels, weights: trained.weights, random: &random)
            let fitSeconds = clock.lap()
            let testFeatures = try instance.transform(
                table(split.test, labels: false, groups: groupsAtPredict), features: split.test.features, labels: nil,
                weights: [Double](repeating: 1, count: split.test.labels.count)).features
            guard testFeatures.cols == trained.features.cols else {
                throw FairlabError("transform gave \(trained.features.cols) training columns but \(testFeatures.cols) test columns")
            }
            let predicted = model.predict(testFeatures)
            outcome = MethodOutcome(predictions: predicted.predictions, scores: predicted.scores, fitSeconds: fitSeconds, predictSeconds: clock.lap())
            let added = trained.features.rows - split.train.labels.count
            if added > 0 { outcome.notes.append("the transform added \(added) synthetic training rows to \(split.train.labels.count)") }
        case .in:
            let clock = Stopwatch()
            try instance.fit(
                train: table(split.train, labels: true),
                validation: method.needs(FL_NEEDS_VALIDATION) ? table(split.validation, labels: true) : nil)
            let fitSeconds = clock.lap()
            let predicted = try instance.predict(table(split.test, labels: false, groups: groupsAtPredict), rows: split.test.labels.count)
            outcome = MethodOutcome(predicted, fitSeconds: fitSeconds, predictSeconds: clock.lap())
        case .post:
            guard let scoresPath = job.baselineScoresPath else { throw FairlabError("no baseline scores were given to the post-processing job") }
            let baseline = try BaselineScores.read(scoresPath, split: split)
            let clock = Stopwatch()
            try instance.fit(train: table(split.fittingPart, labels: true, scores: baseline.fitting), validation: nil)
            let fitSeconds = clock.lap()
            let testScores = baseline.test
            let predicted = try instance.predict(
                table(split.test, labels: false, scores: testScores, groups: groupsAtPredict), rows: split.test.labels.count)
            outcome = MethodOutcome(predicted, fitSeconds: fitSeconds, predictSeconds: clock.lap())
            if split.validation.labels.isEmpty {
                outcome.notes.append("the split has no validation rows: fitted on the training rows' (in-sample) scores")
            }
        case .metric:
            throw FairlabError("\(method.id) is a metric, not a mitigation method")
        }
        outcome.notes += instance.warnings
        return outcome
    }

    /// The baseline; with `scoresPath`, its scores on the rows post-processors fit on are written there too.
    private static func baseline(_ split: PreparedSplit, learner: BaseLearner, random: inout SeededGenerator, scoresPath: String?) throws -> MethodOutcome {
        let clock = Stopwatch()
        let model = try learner.fit(features: split.train.features, labels: split.train.labels, random: &random)
        let fitSeconds = clock.lap()
        let predicted = model.predict(split.test.features)
        let outcome = MethodOutcome(predictions: predicted.predictions, scores: predicted.scores, fitSeconds: fitSeconds, predictSeconds: clock.lap())
        if let scoresPath {
            try BaselineScores(
                fitting: model.postProcessingScores(split.fittingPart.features), test: predicted.scores ?? predicted.predictions
            ).write(to: scoresPath)
        }
        return outcome
    }
}

/// Measures elapsed wall-clock seconds between laps.
final class Stopwatch {
    private var start = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the last lap (or since creation), and starts a new lap.
    func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
}
