import FairlabCore

/// Runs one metric plugin over the prediction sets of one seed's split, inside a worker process.
public enum MetricExecution {
    /// Evaluates every item of `job` on its test rows and, when the job asks for a bootstrap, on each of the
    /// split's resamples (`BootstrapResampler`); throws with a one-line reason on any failure. The replicates come
    /// back as one array per item and overall metric, in the order of the reply's `replicateNames`.
    public static func run(_ job: MetricJob) throws -> (reply: MetricReply, replicates: [[Double]]) {
        let library = try LoadedLibrary(path: job.metric.libraryPath)
        let instance = try MethodInstance(library: library, info: job.metric, parameters: job.parameters, seed: 0)
        let groups = GroupsTable(names: job.groupNames, privileged: job.groupPrivileged)
        let buffers = try job.readItems().map { item in
            EvaluationBuffers(
                labels: item.labels, predictions: item.predictions, scores: item.scores, weights: nil, groupCodes: item.groupCodes,
                groups: groups, probabilities: item.probabilities)
        }
        let values = try buffers.map { try instance.evaluate($0) }
        let resamples = job.bootstrapResamples
        guard resamples > 0, let rows = job.items.first?.rows else {
            return (MetricReply(values: values, replicateNames: values.map { _ in [] }, descriptors: instance.metricDescriptors), [])
        }
        guard job.items.allSatisfy({ $0.rows == rows }) else { throw FairlabError("the prediction sets of one split differ in length") }
        // Each item's replicates are of the overall metrics it has on its own rows.
        let names = values.map { $0.overall.keys.sorted() }
        var replicates = names.map { $0.map { _ in [Double](repeating: .nan, count: resamples) } }
        let resampled = buffers.map(EvaluationBuffers.init(shapedLike:))
        var resampler = BootstrapResampler(seed: job.seed, rows: rows)
        var indices = [Int](repeating: 0, count: rows)
        for resample in 0..<resamples {
            indices.withUnsafeMutableBufferPointer { resampler.next(into: $0) }
            for item in buffers.indices {
                indices.withUnsafeBufferPointer { resampled[item].gather(from: buffers[item], at: $0) }
                // A plugin that refuses a degenerate resample (one class, a group missing) leaves that replicate
                // undefined; its values on the test rows themselves stand.
                guard let overall = try? instance.evaluate(resampled[item]).overall else { continue }
                for (position, name) in names[item].enumerated() { replicates[item][position][resample] = overall[name] ?? .nan }
            }
        }
        return (MetricReply(values: values, replicateNames: names, descriptors: instance.metricDescriptors), replicates.flatMap { $0 })
    }
}
