import CFairlabPlugin
import FairlabCore
import Foundation

/// A live instance of a plugin method, created through its library's factory, with the host services it was
/// given. Each call checks the plugin's status and the shape and sanity of what it wrote.
public final class MethodInstance {
    private let services: HostServicesProvider
    private let instance: UnsafePointer<fl_method>
    /// The base learner of the data it is given: its task says what predictions and transformed labels must be,
    /// and, for clustering, its k which ids predictions may be.
    private let learner: BaseLearner
    private var task: TaskKind { learner.task }

    /// Creates the method `info` of `library` with `parameters` for data that `learner` learns (the task's base
    /// learner, which the instance's learner service is); `seed` fixes its random stream.
    public init(
        library: LoadedLibrary, info: MethodInfo, parameters: ResolvedParameters, seed: UInt64, learner: BaseLearner = .for(.binary)
    ) throws {
        services = HostServicesProvider(seed: seed, methodID: info.id, learner: learner)
        self.learner = learner
        let table = ParameterTable(parameters)
        let error = ErrorBuffer()
        var created: UnsafePointer<fl_method>?
        try error.check(library.library.pointee.create(info.id, services.host, table.pointer, &created, error.pointer), "create")
        guard let created else { throw FairlabError("create returned no instance") }
        guard ABIVersion1.accepted.contains(created.pointee.abi_version), created.pointee.struct_size >= ABIVersion1.method else {
            throw FairlabError("create returned an instance for ABI \(created.pointee.abi_version) of size \(created.pointee.struct_size)")
        }
        instance = created
    }

    deinit { instance.pointee.destroy?(instance) }

    /// The overall metrics a metric plugin described so far, in the order it first described them.
    private(set) var metricDescriptors: [MetricDescriptor] = []

    /// What the method logged so far through `fl_host.log`, with its level.
    var logged: [(level: Int32, text: String)] { services.logged }
    /// What the method logged at warning level so far (`FL_LOG_WARNING`).
    var warnings: [String] { logged.filter { $0.level >= FL_LOG_WARNING }.map(\.text) }

    /// Calls the method's fit on `train` (and `validation` where it asks for it).
    public func fit(train: DataTable, validation: DataTable?) throws {
        guard let fit = instance.pointee.fit else { throw FairlabError("the method has no fit function") }
        let error = ErrorBuffer()
        try services.handing([train] + (validation.map { [$0] } ?? [])) {
            try error.check(fit(instance, train.pointer, validation.map { UnsafePointer($0.pointer) }, error.pointer), "fit")
        }
    }

    /// Pre-processing: returns the transformed features, labels (if given), weights and group codes (if given);
    /// a transform of `trainingRows` (which alone may grow) may have added rows.
    func transform(
        _ data: DataTable, features: Matrix, labels: [Double]?, weights: [Double], groupCodes: [Int32]? = nil, trainingRows: Bool = false
    ) throws -> TransformedData {
        guard let transform = instance.pointee.transform else { throw FairlabError("the method has no transform function") }
        let output = try TransformBuffers(
            features: features, labels: labels, weights: weights, groupCodes: groupCodes, groupCount: data.groupCount, task: task,
            mayAppendRows: trainingRows)
        let error = ErrorBuffer()
        try services.handing([data]) { try error.check(transform(instance, data.pointer, output.pointer, error.pointer), "transform") }
        return try output.result()
    }

    /// What predict wrote: 0/1 predictions (real numbers for regression), and scores and (for a randomised
    /// method) probabilities of a favourable prediction where a binary method gives them.
    public struct Predictions {
        /// 0/1 per row (binary), or the predicted value (regression).
        public var predictions: [Double]
        /// P(favourable) per row, if the method gives scores.
        public var scores: [Double]?
        /// For a randomised method, each row's probability of a favourable prediction.
        public var probabilities: [Double]?
    }

    /// In- and post-processing: predictions (0/1), optional scores and optional probabilities for every row.
    public func predict(_ data: DataTable, rows: Int) throws -> Predictions {
        guard let predict = instance.pointee.predict else { throw FairlabError("the method has no predict function") }
        let predictions = CArray([Double](repeating: .nan, count: rows))
        let scores = CArray([Double](repeating: .nan, count: rows))
        let probabilities = CArray([Double](repeating: .nan, count: rows))
        var output = fl_prediction_output(
            struct_size: UInt32(MemoryLayout<fl_prediction_output>.size), abi_version: FAIRLAB_ABI_VERSION,
            rows: Int64(rows), predictions: predictions.pointer, scores: scores.pointer, predictions_written: 0, scores_written: 0,
            probabilities: probabilities.pointer, probabilities_written: 0)
        let error = ErrorBuffer()
        try services.handing([data]) { try error.check(predict(instance, data.pointer, &output, error.pointer), "predict") }
        guard output.predictions_written == Int64(rows) else {
            throw FairlabError("predict wrote \(output.predictions_written) predictions for \(rows) rows")
        }
        let predicted = Array(UnsafeBufferPointer(start: predictions.pointer, count: rows))
        switch task {
        case .binary:
            let invalid = predicted.filter { $0 != 0 && $0 != 1 }
            if !invalid.isEmpty {
                let nanCount = invalid.filter(\.isNaN).count
                throw FairlabError("predict returned \(invalid.count) predictions that are not 0 or 1" + (nanCount > 0 ? " (\(nanCount) NaN)" : ""))
            }
        case .regression:
            let invalid = predicted.filter { !$0.isFinite }.count
            guard invalid == 0 else { throw FairlabError("predict returned \(invalid) predictions that are not finite numbers") }
            guard output.scores_written == 0, output.probabilities_written == 0 else {
                throw FairlabError("predict wrote scores or probabilities, which regression predictions do not have")
            }
        case .clustering:
            let invalid = predicted.filter { !ClusterAlignment.isClusterID($0, count: learner.clusterCount) }.count
            guard invalid == 0 else { throw FairlabError("predict returned \(invalid) predictions that are not cluster ids 0 to \(learner.clusterCount - 1)") }
            guard output.scores_written == 0, output.probabilities_written == 0 else {
                throw FairlabError("predict wrote scores or probabilities, which cluster assignments do not have")
            }
        }
        return Predictions(
            predictions: predicted,
            scores: try Self.unitInterval(scores, written: output.scores_written, rows: rows, what: "scores"),
            probabilities: try Self.unitInterval(probabilities, written: output.probabilities_written, rows: rows, what: "probabilities"))
    }

    /// An optional per-row output in [0, 1]: nil when none was written, checked for count, NaN and range.
    private static func unitInterval(_ buffer: CArray<Double>, written: Int64, rows: Int, what: String) throws -> [Double]? {
        guard written != 0 else { return nil }
        guard written == Int64(rows) else { throw FairlabError("predict wrote \(written) \(what) for \(rows) rows") }
        let values = Array(UnsafeBufferPointer(start: buffer.pointer, count: rows))
        let nanCount = values.filter(\.isNaN).count
        guard nanCount == 0 else { throw FairlabError("predict returned \(nanCount) NaN \(what)") }
        let outOfRange = values.filter { !(0...1).contains($0) }.count
        guard outOfRange == 0 else { throw FairlabError("predict returned \(outOfRange) \(what) outside [0, 1]") }
        return values
    }

    /// Metrics: every value the plugin reports.
    func evaluate(
        labels: [Double], predictions: [Double], scores: [Double]?, groupCodes: [Int32], groups: GroupsTable, weights: [Double]? = nil,
        probabilities: [Double]? = nil
    ) throws -> MetricValues {
        try evaluate(EvaluationBuffers(
            labels: labels, predictions: predictions, scores: scores, weights: weights, groupCodes: groupCodes, groups: groups,
            probabilities: probabilities))
    }

    private static let collectGroupValue: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int32, Double) -> Void = {
        context, metric, group, value in
        guard let context, let metric else { return }
        Unmanaged<MetricCollector>.fromOpaque(context).takeUnretainedValue().record(String(cString: metric), group: Int(group), value)
    }
    private static let dropGroupValue: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int32, Double) -> Void = { _, _, _, _ in }

    /// Metrics over prepared buffers (so that a benchmark times the plugin call alone). A bootstrap resample
    /// wants the overall values only: with `overallOnly`, the sink's `describe` is NULL, so a plugin spends
    /// nothing describing metrics, and the per-group values it reports are dropped on arrival instead of collected.
    public func evaluate(_ buffers: EvaluationBuffers, overallOnly: Bool = false) throws -> MetricValues {
        guard let evaluate = instance.pointee.evaluate else { throw FairlabError("the metric plugin has no evaluate function") }
        let collector = MetricCollector(
            groupCount: Int(buffers.groups.pointer.pointee.count), described: overallOnly ? [] : Set(metricDescriptors.map(\.metric)))
        var sink = fl_metric_sink(
            struct_size: UInt32(MemoryLayout<fl_metric_sink>.size), abi_version: FAIRLAB_ABI_VERSION,
            context: Unmanaged.passUnretained(collector).toOpaque(),
            overall: { context, metric, value in
                guard let context, let metric else { return }
                Unmanaged<MetricCollector>.fromOpaque(context).takeUnretainedValue().values.overall[String(cString: metric)] = value
            },
            per_group: overallOnly ? Self.dropGroupValue : Self.collectGroupValue,
            describe: overallOnly ? nil : { context, descriptor in
                // Its ABI-4 fields must be there; fields appended later would be read only where present.
                guard let context, let descriptor,
                      descriptor.pointee.struct_size >= MemoryLayout<fl_metric_descriptor>.offset(of: \.ideal)! + MemoryLayout<Double>.size,
                      let metric = descriptor.pointee.metric else { return }
                let collector = Unmanaged<MetricCollector>.fromOpaque(context).takeUnretainedValue()
                let name = String(cString: metric)
                // Plugins describe their metrics on every call; only the first description of each is kept.
                guard !collector.described.contains(name) else { return }
                collector.described.insert(name)
                collector.descriptors.append(MetricDescriptor(
                    metric: name, displayName: descriptor.pointee.display_name.map { String(cString: $0) } ?? name,
                    kind: MetricDescriptor.Kind(abiValue: descriptor.pointee.kind),
                    ideal: descriptor.pointee.ideal.isFinite ? descriptor.pointee.ideal : nil))
            })
        let error = ErrorBuffer()
        try error.check(evaluate(instance, buffers.pointer, &sink, error.pointer), "evaluate")
        metricDescriptors += collector.descriptors
        return collector.values
    }
}

/// Host-owned copies of a metric evaluation's inputs, as one `fl_evaluation_input`.
public final class EvaluationBuffers {
    let pointer: UnsafeMutablePointer<fl_evaluation_input>
    let groups: GroupsTable
    /// The task of the labels and predictions.
    let task: TaskKind
    private let labels: CArray<Double>
    private let predictions: CArray<Double>
    private let groupCodes: CArray<Int32>
    private let scores: CArray<Double>?
    private let weights: CArray<Double>?
    private let probabilities: CArray<Double>?
    /// The evaluated rows' features (rows × features, column-major) and their `fl_matrix` view, when given.
    private let features: EvaluationFeatures?
    private let featureView: UnsafeMutablePointer<fl_matrix>?

    /// Copies the inputs; `groupNames` and `privileged` describe the group codes. `features` are the evaluated
    /// rows' (for a clustering's cost), `clusterCount` the run's k.
    public convenience init(
        labels: [Double], predictions: [Double], scores: [Double]?, weights: [Double]?, groupCodes: [Int32], groupNames: [String],
        privileged: [Bool], probabilities: [Double]? = nil, task: TaskKind = .binary, features: Matrix? = nil, clusterCount: Int = 0
    ) {
        self.init(labels: labels, predictions: predictions, scores: scores, weights: weights, groupCodes: groupCodes,
                  groups: GroupsTable(names: groupNames, privileged: privileged), probabilities: probabilities, task: task,
                  features: features.map(EvaluationFeatures.init), clusterCount: clusterCount)
    }

    convenience init(
        labels: [Double], predictions: [Double], scores: [Double]?, weights: [Double]?, groupCodes: [Int32], groups: GroupsTable,
        probabilities: [Double]? = nil, task: TaskKind = .binary, features: EvaluationFeatures? = nil, clusterCount: Int = 0
    ) {
        precondition(labels.count == predictions.count && labels.count == groupCodes.count)
        precondition(features.map { $0.values.count == labels.count * $0.cols } ?? true, "features do not match the evaluated rows")
        self.init(
            labels: CArray(labels), predictions: CArray(predictions), groupCodes: CArray(groupCodes), scores: scores.map(CArray.init),
            weights: weights.map(CArray.init), probabilities: probabilities.map(CArray.init), groups: groups, task: task,
            features: features, clusterCount: clusterCount)
    }

    private init(
        labels: CArray<Double>, predictions: CArray<Double>, groupCodes: CArray<Int32>, scores: CArray<Double>?, weights: CArray<Double>?,
        probabilities: CArray<Double>?, groups: GroupsTable, task: TaskKind, features: EvaluationFeatures?, clusterCount: Int
    ) {
        self.features = features
        if let features {
            featureView = .allocate(capacity: 1)
            featureView!.initialize(to: fl_matrix(
                struct_size: UInt32(MemoryLayout<fl_matrix>.size), abi_version: FAIRLAB_ABI_VERSION, rows: Int64(labels.count),
                cols: Int64(features.cols), leading_dimension: Int64(max(labels.count, 1)), data: features.values.pointer))
        } else {
            featureView = nil
        }
        self.labels = labels
        self.predictions = predictions
        self.groupCodes = groupCodes
        self.scores = scores
        self.weights = weights
        self.probabilities = probabilities
        self.groups = groups
        self.task = task
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_evaluation_input(
            struct_size: UInt32(MemoryLayout<fl_evaluation_input>.size), abi_version: FAIRLAB_ABI_VERSION,
            rows: Int64(labels.count), labels: task.hasLabels ? labels.pointer : nil, predictions: predictions.pointer,
            scores: scores.map { UnsafePointer($0.pointer) }, weights: weights.map { UnsafePointer($0.pointer) },
            group_codes: groupCodes.pointer, groups: UnsafePointer(groups.pointer),
            probabilities: probabilities.map { UnsafePointer($0.pointer) }, task: task.abiBit, reserved: 0,
            features: featureView.map { UnsafePointer($0) }, cluster_count: Int64(clusterCount)))
    }

    /// Buffers for resamples of `source`, filled by `gather`: arrays of its shape, except that the labels and group
    /// codes are `sharedLabels`' own when given. Every prediction set of one split has the same labels and groups,
    /// so they are gathered once per resample, into the buffers that own them.
    convenience init(resampling source: EvaluationBuffers, sharingLabelsOf sharedLabels: EvaluationBuffers? = nil) {
        let rows = source.labels.count
        func zeros<Element: Numeric>(_ array: CArray<Element>?) -> CArray<Element>? {
            array.map { _ in CArray([Element](repeating: 0, count: rows)) }
        }
        self.init(
            labels: sharedLabels?.labels ?? zeros(source.labels)!, predictions: zeros(source.predictions)!,
            groupCodes: sharedLabels?.groupCodes ?? zeros(source.groupCodes)!, scores: zeros(source.scores), weights: zeros(source.weights),
            probabilities: zeros(source.probabilities), groups: source.groups, task: source.task,
            features: sharedLabels?.features ?? source.features.map(EvaluationFeatures.init(zerosLike:)),
            clusterCount: Int(source.pointer.pointee.cluster_count))
    }

    /// Overwrites the arrays with `source`'s rows at `indices` (a resample of it; same shape as `source`): the
    /// labels and group codes too when `withLabels`, else only what the method predicted.
    func gather(from source: EvaluationBuffers, at indices: UnsafeBufferPointer<Int>, withLabels: Bool) {
        precondition(indices.count == labels.count && source.labels.count == labels.count)
        func copy<Element>(_ from: CArray<Element>?, _ to: CArray<Element>?) {
            guard let from, let to else { return }
            for position in 0..<indices.count { to.pointer[position] = from.pointer[indices[position]] }
        }
        if withLabels {
            copy(source.labels, labels)
            copy(source.groupCodes, groupCodes)
            // The features are the rows', like the labels: gathered column by column.
            if let from = source.features?.values, let to = features?.values {
                let rows = indices.count
                for j in 0..<(features?.cols ?? 0) {
                    for position in 0..<rows { to.pointer[position + j * rows] = from.pointer[indices[position] + j * rows] }
                }
            }
        }
        copy(source.predictions, predictions)
        copy(source.scores, scores)
        copy(source.weights, weights)
        copy(source.probabilities, probabilities)
    }

    deinit {
        featureView?.deallocate()
        pointer.deallocate()
    }
}

/// Gathers what a metric plugin reports through its sink.
private final class MetricCollector {
    var values = MetricValues()
    /// The metrics described in earlier calls and this one, and this call's new descriptors.
    var described: Set<String>
    var descriptors: [MetricDescriptor] = []
    let groupCount: Int

    init(groupCount: Int, described: Set<String>) {
        self.groupCount = groupCount
        self.described = described
    }

    func record(_ metric: String, group: Int, _ value: Double) {
        guard group >= 0, group < groupCount else { return }
        values.perGroup[metric, default: [Double](repeating: .nan, count: groupCount)][group] = value
    }
}

/// The host-owned buffers of one `fl_transform_output`, including the resize and append callbacks.
private final class TransformBuffers {
    let pointer: UnsafeMutablePointer<fl_transform_output>
    private var features: UnsafeMutablePointer<Double>
    /// The sizes the host handed out (changed only by the callbacks): the plugin's copies are not trusted.
    private var rows: Int
    private var cols: Int
    private var labels: UnsafeMutablePointer<Double>?
    private var weights: UnsafeMutablePointer<Double>
    private var groupCodes: UnsafeMutablePointer<Int32>?
    private let groupCount: Int
    /// What the labels are, and so what a transform may write into them.
    private let task: TaskKind
    /// Whether these are training rows, which alone may grow (a test row's prediction is owed for every row).
    private let mayAppendRows: Bool
    /// The copy of the input features; kept until the end, so a plugin may read it while filling a resized buffer.
    private let originalFeatures: UnsafeMutablePointer<Double>
    /// Whether `features` became the result's matrix (which then owns and frees it).
    private var featuresHandedOver = false

    init(
        features matrix: Matrix, labels labelValues: [Double]?, weights weightValues: [Double], groupCodes codeValues: [Int32]?, groupCount: Int,
        task: TaskKind, mayAppendRows: Bool
    ) throws {
        self.task = task
        self.mayAppendRows = mayAppendRows
        rows = matrix.rows
        cols = matrix.cols
        self.groupCount = groupCount
        // Every feature buffer here comes from malloc or calloc and goes with free (the result's matrix adopts
        // one, see `Matrix(rows:cols:adopting:)`).
        guard let copy = Self.doubles(matrix.rows * matrix.cols, zeroed: false) else {
            throw FairlabError("no memory for the transform's copy of the \(matrix.rows) × \(matrix.cols) features")
        }
        matrix.withUnsafeStorage { copy.initialize(from: $0.baseAddress!, count: $0.count) }
        features = copy
        originalFeatures = features
        labels = labelValues.map(Self.buffer)
        weights = Self.buffer(weightValues)
        groupCodes = codeValues.map(Self.buffer)
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_transform_output(
            struct_size: UInt32(MemoryLayout<fl_transform_output>.size), abi_version: FAIRLAB_ABI_VERSION,
            rows: Int64(rows), cols: Int64(matrix.cols), features: features, labels: labels, weights: weights,
            host_context: nil,
            resize_features: { context, output, newCols in
                guard let context, let output else { return nil }
                return Unmanaged<TransformBuffers>.fromOpaque(context).takeUnretainedValue().resize(output, Int(newCols))
            },
            group_codes: groupCodes,
            append_rows: { context, output, count in
                guard let context, let output else { return FL_ERROR_INVALID_INPUT }
                return Unmanaged<TransformBuffers>.fromOpaque(context).takeUnretainedValue().append(output, count)
            }))
        pointer.pointee.host_context = Unmanaged.passUnretained(self).toOpaque()
    }

    /// `count` doubles from malloc, or zeroed from calloc (a large block comes straight from the kernel's zero
    /// pages, where allocate + initialize wrote every byte once more before the plugin wrote it: a sixth of the
    /// correlation remover's job on Adult); nil if there is no memory.
    private static func doubles(_ count: Int, zeroed: Bool) -> UnsafeMutablePointer<Double>? {
        let bytes = max(count, 1) * MemoryLayout<Double>.stride
        return (zeroed ? calloc(1, bytes) : malloc(bytes))?.bindMemory(to: Double.self, capacity: max(count, 1))
    }

    private static func buffer<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        buffer.initialize(from: values, count: values.count)
        return buffer
    }

    deinit {
        if features != originalFeatures && !featuresHandedOver { free(features) }
        if originalFeatures != features || !featuresHandedOver { free(originalFeatures) }
        labels?.deallocate()
        weights.deallocate()
        groupCodes?.deallocate()
        pointer.deallocate()
    }

    /// Makes `buffer` the features, freeing the one it replaces unless that is the input's copy.
    private func replaceFeatures(with buffer: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<fl_transform_output>) {
        if features != originalFeatures { free(features) }
        features = buffer
        output.pointee.features = buffer
        output.pointee.rows = Int64(rows)
        output.pointee.cols = Int64(cols)
    }

    private func resize(_ output: UnsafeMutablePointer<fl_transform_output>, _ newCols: Int) -> UnsafeMutablePointer<Double>? {
        guard newCols > 0, newCols <= Matrix.maximumDimension, rows.multipliedReportingOverflow(by: newCols).overflow == false else { return nil }
        guard let buffer = Self.doubles(rows * newCols, zeroed: true) else { return nil }
        cols = newCols
        replaceFeatures(with: buffer, output)
        return buffer
    }

    private func append(_ output: UnsafeMutablePointer<fl_transform_output>, _ count: Int64) -> fl_status {
        guard mayAppendRows, let oldCodes = groupCodes else { return FL_ERROR_UNSUPPORTED }
        guard count > 0 else { return FL_ERROR_INVALID_INPUT }
        guard count <= Int64(Matrix.maximumDimension - rows),
              (rows + Int(count)).multipliedReportingOverflow(by: max(cols, 1)).overflow == false else { return FL_ERROR_OUT_OF_MEMORY }
        let oldRows = rows, newRows = rows + Int(count)
        // Zeroed: the new rows' features start at 0 without a pass of their own.
        guard let grown = Self.doubles(newRows * cols, zeroed: true) else { return FL_ERROR_OUT_OF_MEMORY }
        for j in 0..<cols { (grown + j * newRows).update(from: features + j * oldRows, count: oldRows) }
        func grow<T>(_ old: UnsafeMutablePointer<T>, filling value: T) -> UnsafeMutablePointer<T> {
            let buffer = UnsafeMutablePointer<T>.allocate(capacity: newRows)
            buffer.initialize(from: old, count: oldRows)
            (buffer + oldRows).initialize(repeating: value, count: Int(count))
            old.deallocate()
            return buffer
        }
        labels = labels.map { grow($0, filling: 0) }
        weights = grow(weights, filling: 1)
        groupCodes = grow(oldCodes, filling: 0)
        rows = newRows
        replaceFeatures(with: grown, output)
        output.pointee.labels = labels
        output.pointee.weights = weights
        output.pointee.group_codes = groupCodes
        return FL_OK
    }

    /// The transformed data; called once, as the features become the returned matrix's.
    func result() throws -> TransformedData {
        precondition(!featuresHandedOver, "a transform's result is taken once")
        guard pointer.pointee.cols == Int64(cols), pointer.pointee.features == features, pointer.pointee.rows == Int64(rows),
              pointer.pointee.weights == weights, pointer.pointee.labels == labels, pointer.pointee.group_codes == groupCodes else {
            throw FairlabError("transform changed the output's sizes or buffers itself (only resize_features and append_rows may)")
        }
        let values = UnsafeBufferPointer(start: features, count: rows * cols)
        if let bad = firstNonFinite(values) {
            throw FairlabError("transform wrote a non-finite feature (\(values[bad])) at row \(bad % max(rows, 1)), column \(bad / max(rows, 1))")
        }
        let newWeights = Array(UnsafeBufferPointer(start: weights, count: rows))
        let badWeights = newWeights.filter { !($0.isFinite && $0 >= 0) }.count
        guard badWeights == 0 else { throw FairlabError("transform wrote \(badWeights) weights that are negative, NaN or infinite") }
        let newLabels = labels.map { Array(UnsafeBufferPointer(start: $0, count: rows)) }
        switch task {
        case .binary:
            if let newLabels, newLabels.contains(where: { $0 != 0 && $0 != 1 }) { throw FairlabError("transform wrote labels that are not 0 or 1") }
        case .regression:
            if let newLabels, newLabels.contains(where: { !$0.isFinite }) { throw FairlabError("transform wrote labels that are not finite numbers") }
        case .clustering: break
        }
        let newCodes = groupCodes.map { Array(UnsafeBufferPointer(start: $0, count: rows)) }
        if let newCodes, let bad = newCodes.firstIndex(where: { $0 < 0 || Int($0) >= groupCount }) {
            throw FairlabError("transform wrote group code \(newCodes[bad]) at row \(bad); the groups are 0 to \(groupCount - 1)")
        }
        featuresHandedOver = true
        return TransformedData(
            features: Matrix(rows: rows, cols: cols, adopting: features), labels: newLabels, weights: newWeights, groupCodes: newCodes)
    }
}
