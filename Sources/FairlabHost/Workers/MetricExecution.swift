import FairlabCore

/// Runs one metric plugin over many prediction sets, inside a worker process.
public enum MetricExecution {
    /// Evaluates every item of `job`; throws with a one-line reason on any failure.
    public static func run(_ job: MetricJob) throws -> [MetricValues] {
        let library = try LoadedLibrary(path: job.metric.libraryPath)
        let instance = try MethodInstance(library: library, info: job.metric, parameters: job.parameters, seed: 0)
        let groups = GroupsTable(names: job.groupNames, privileged: job.groupPrivileged)
        return try job.readItems().map { item in
            try instance.evaluate(
                labels: item.labels, predictions: item.predictions, scores: item.scores, groupCodes: item.groupCodes, groups: groups,
                probabilities: item.probabilities)
        }
    }
}
