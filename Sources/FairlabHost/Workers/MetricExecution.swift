import FairlabCore

/// Runs one metric plugin over the prediction sets of one seed's split, inside a worker process.
public enum MetricExecution {
    /// Evaluates every item of `job` on its test rows and, when the job asks for a bootstrap, on each of the
    /// split's resamples (`BootstrapResampler`); throws with a one-line reason on any failure. The replicates come
    /// back as one array per item and overall metric, in the order of the reply's `replicateNames`.
    public static func run(_ job: MetricJob) throws -> (reply: MetricReply, replicates: [[Double]]) {
        let library = try LoadedLibrary(path: job.metric.libraryPath)
        let instance = try MethodInstance(
            library: library, info: job.metric, parameters: job.parameters, seed: 0, learner: .for(job.task, clusterCount: job.clusterCount))
        let groups = GroupsTable(names: job.groupNames, privileged: job.groupPrivileged)
        let items = try job.readItems()
        // The test rows' features, the same for every method's prediction set: copied once, and only for a metric that
        // asks for them (every bootstrap resample gathers them anew).
        let testFeatures = try job.featuresSplitPath.map { try PreparedSplit.read(from: $0).test.features }
        if let testFeatures, let item = items.first(where: { $0.labels.count != testFeatures.rows }) {
            throw FairlabError("a prediction set has \(item.labels.count) rows, the split's test part \(testFeatures.rows)")
        }
        let features = testFeatures.map(EvaluationFeatures.init)
        let buffers = items.map { item in
            EvaluationBuffers(
                labels: item.labels, predictions: item.predictions, scores: item.scores, weights: nil, groupCodes: item.groupCodes,
                groups: groups, probabilities: item.probabilities, task: job.task, features: features, clusterCount: job.clusterCount)
        }
        let values = try buffers.map { try instance.evaluate($0) }
        let resamples = job.bootstrapResamples
        guard resamples > 0, let rows = items.first?.labels.count else {
            return (MetricReply(values: values, replicateNames: values.map { _ in [] }, descriptors: instance.metricDescriptors), [])
        }
        // The resamples share the first item's labels and groups: every item must be of the same split.
        guard items.allSatisfy({ $0.labels == items[0].labels && $0.groupCodes == items[0].groupCodes }) else {
            throw FairlabError("the prediction sets of one split differ in their labels or groups")
        }
        // Each item's replicates are of the overall metrics it has on its own rows.
        let names = values.map { $0.overall.keys.sorted() }
        var replicates = names.map { $0.map { _ in [Double](repeating: .nan, count: resamples) } }
        // The first item's buffers own the resampled labels and group codes; the others share them.
        let first = EvaluationBuffers(resampling: buffers[0])
        let resampled = [first] + buffers.dropFirst().map { EvaluationBuffers(resampling: $0, sharingLabelsOf: first) }
        var resampler = BootstrapResampler(seed: job.seed, rows: rows)
        var indices = [Int](repeating: 0, count: rows)
        for resample in 0..<resamples {
            indices.withUnsafeMutableBufferPointer { resampler.next(into: $0) }
            for item in buffers.indices {
                indices.withUnsafeBufferPointer { resampled[item].gather(from: buffers[item], at: $0, withLabels: item == 0) }
                // A plugin that refuses a degenerate resample (one class, a group missing) leaves that replicate
                // undefined; its values on the test rows themselves stand.
                guard let overall = try? instance.evaluate(resampled[item], overallOnly: true).overall else { continue }
                for (position, name) in names[item].enumerated() { replicates[item][position][resample] = overall[name] ?? .nan }
            }
        }
        return (MetricReply(values: values, replicateNames: names, descriptors: instance.metricDescriptors), replicates.flatMap { $0 })
    }
}
