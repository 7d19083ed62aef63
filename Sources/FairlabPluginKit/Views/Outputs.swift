import CFairlabPlugin

/// A pre-processing output (`fl_transform_output`): host buffers pre-filled with a copy of the input.
public struct TransformOutput {
    let output: UnsafeMutablePointer<fl_transform_output>

    init(_ output: UnsafeMutablePointer<fl_transform_output>) { self.output = output }

    /// Number of rows.
    public var rows: Int { Int(output.pointee.rows) }
    /// Number of feature columns.
    public var cols: Int { Int(output.pointee.cols) }
    /// Features, column-major with leading dimension `rows`.
    public var features: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: output.pointee.features, count: rows * cols)
    }
    /// Instance weights.
    public var weights: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: output.pointee.weights, count: rows)
    }
    /// Labels, or nil when the data's labels are hidden.
    public var labels: UnsafeMutableBufferPointer<Double>? {
        output.pointee.labels.map { UnsafeMutableBufferPointer(start: $0, count: rows) }
    }
    /// Group codes, or nil when the data's groups are hidden or the host is older than ABI 3.
    public var groupCodes: UnsafeMutableBufferPointer<Int32>? {
        guard canAppendRows else { return nil }
        return output.pointee.group_codes.map { UnsafeMutableBufferPointer(start: $0, count: rows) }
    }

    /// Whether the host has `append_rows` (ABI 3).
    private var canAppendRows: Bool {
        output.pointee.struct_size >= MemoryLayout<fl_transform_output>.offset(of: \.append_rows)! + MemoryLayout<Int>.size
    }

    /// Appends `count` rows (features 0, label 0, weight 1, group 0) after the existing ones, which keep their
    /// values; every buffer obtained before is invalid afterwards. Only training data (labels and groups given)
    /// can grow.
    public func appendRows(_ count: Int) throws {
        guard canAppendRows, let append = output.pointee.append_rows else {
            throw PluginError(FL_ERROR_UNSUPPORTED, "this fairlab host (ABI \(output.pointee.abi_version)) cannot add rows; ABI 3 can")
        }
        let status = append(output.pointee.host_context, output, Int64(count))
        guard status == FL_OK else {
            throw PluginError(status, status == FL_ERROR_UNSUPPORTED ? "rows can be added to training data only (labels and groups given)"
                : status == FL_ERROR_INVALID_INPUT ? "append_rows needs a positive count, not \(count)" : "the host cannot hold \(count) more rows")
        }
    }

    /// Replaces the features with a zeroed buffer of `newCols` columns.
    public func resizeFeatures(to newCols: Int) throws {
        guard output.pointee.resize_features(output.pointee.host_context, output, Int64(newCols)) != nil else {
            throw PluginError(FL_ERROR_OUT_OF_MEMORY, "host could not resize the features to \(newCols) columns")
        }
    }
}

/// A prediction output (`fl_prediction_output`): write a 0/1 prediction for every row, and optionally scores.
public final class PredictionOutput {
    let output: UnsafeMutablePointer<fl_prediction_output>
    var wroteScores = false

    init(_ output: UnsafeMutablePointer<fl_prediction_output>) { self.output = output }

    /// Number of rows.
    public var rows: Int { Int(output.pointee.rows) }
    /// Predictions (0/1; for regression data, the predicted values), host-owned.
    public var predictions: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: output.pointee.predictions, count: rows)
    }
    /// Writes scores for every row (P(favourable)).
    public func setScores(_ scores: [Double]) {
        precondition(scores.count == rows)
        for i in 0..<rows { output.pointee.scores[i] = scores[i] }
        wroteScores = true
    }

    /// For a deterministic method with scores: writes them, and the predictions score > 0.5 (scikit-learn's
    /// `predict`).
    public func setScoresAndPredictions(_ scores: [Double]) {
        precondition(scores.count == rows)
        for i in 0..<rows { output.pointee.predictions[i] = scores[i] > 0.5 ? 1 : 0 }
        setScores(scores)
    }

    /// For a randomised method: draws each row's prediction from its probability of a favourable one, in row
    /// order from the host's stream (1 when u < P(ŷ = 1), so the chance is exactly P), and reports the
    /// probabilities.
    public func draw(_ probabilities: [Double], host: HostServices) {
        precondition(probabilities.count == rows)
        for i in 0..<rows { output.pointee.predictions[i] = host.randomUniform() < probabilities[i] ? 1 : 0 }
        setProbabilities(probabilities)
    }

    /// For a randomised method: writes each row's probability of a favourable prediction (the predictions
    /// being draws from them). A host of ABI 1 has nowhere to put them; they are then dropped.
    public func setProbabilities(_ probabilities: [Double]) {
        precondition(probabilities.count == rows)
        guard output.pointee.struct_size >= MemoryLayout<fl_prediction_output>.offset(of: \.probabilities_written)! + 8 else { return }
        for i in 0..<rows { output.pointee.probabilities[i] = probabilities[i] }
        output.pointee.probabilities_written = Int64(rows)
    }
}

/// Input of a metric evaluation (`fl_evaluation_input`).
public struct EvaluationInput {
    public let rows: Int
    /// True labels; empty for clustering, which has none.
    public let labels: UnsafeBufferPointer<Double>
    /// Predictions: 0/1, real values, or cluster ids.
    public let predictions: UnsafeBufferPointer<Double>
    public let scores: UnsafeBufferPointer<Double>?
    public let weights: UnsafeBufferPointer<Double>?
    public let groupCodes: UnsafeBufferPointer<Int32>
    public let groups: Groups
    /// A randomised method's P(ŷ = 1) per row, or nil (deterministic predictions, or a host of ABI 1).
    public let probabilities: UnsafeBufferPointer<Double>?
    /// The task of the labels and predictions (ABI 5; binary from an earlier host).
    public let task: Tasks
    /// Row `row`'s instance weight (1 where the host gives none).
    public func weight(_ row: Int) -> Double { weights?[row] ?? 1 }

    /// The evaluated rows' features (ABI 6; the host gives them to a metric declaring `Needs.features`), else nil.
    public let features: UnsafePointer<fl_matrix>?
    /// For clustering, the k the run asked for (ABI 6); 0 otherwise.
    public let clusterCount: Int

    init(_ input: fl_evaluation_input) {
        rows = Int(input.rows)
        labels = UnsafeBufferPointer(start: input.labels, count: input.labels == nil ? 0 : rows)
        predictions = UnsafeBufferPointer(start: input.predictions, count: rows)
        scores = input.scores.map { UnsafeBufferPointer(start: $0, count: Int(input.rows)) }
        weights = input.weights.map { UnsafeBufferPointer(start: $0, count: Int(input.rows)) }
        groupCodes = UnsafeBufferPointer(start: input.group_codes, count: rows)
        groups = Groups(input.groups.pointee)
        let hasProbabilities = input.struct_size >= MemoryLayout<fl_evaluation_input>.offset(of: \.probabilities)! + 8
        let count = rows
        probabilities = hasProbabilities ? input.probabilities.map { UnsafeBufferPointer(start: $0, count: count) } : nil
        let hasTask = input.struct_size >= MemoryLayout<fl_evaluation_input>.offset(of: \.task)! + MemoryLayout<fl_tasks>.size
        task = hasTask && input.task != 0 ? Tasks(rawValue: input.task) : .binary
        let hasFeatures = input.struct_size >= MemoryLayout<fl_evaluation_input>.offset(of: \.cluster_count)! + 8
        features = hasFeatures ? input.features : nil
        clusterCount = hasFeatures ? Int(input.cluster_count) : 0
    }
}

/// Where a metric plugin reports values (`fl_metric_sink`).
public struct MetricSink {
    let sink: UnsafePointer<fl_metric_sink>

    init(_ sink: UnsafePointer<fl_metric_sink>) { self.sink = sink }

    /// A value for the whole set, or between groups.
    public func overall(_ metric: String, _ value: Double) {
        sink.pointee.overall(sink.pointee.context, metric, value)
    }

    /// A value for one group.
    public func perGroup(_ metric: String, group: Int, _ value: Double) {
        sink.pointee.per_group(sink.pointee.context, metric, Int32(group), value)
    }

    /// Reports an overall value with what it is: `describe`, then `overall`.
    public func report(_ metric: String, displayName: String, kind: MetricKind, ideal: Double, _ value: Double) {
        describe(metric, displayName: displayName, kind: kind, ideal: ideal)
        overall(metric, value)
    }

    /// Says what the overall metric `metric` is (once per metric, in table order); a no-op with a host older
    /// than ABI 4, which shows metrics under their names.
    public func describe(_ metric: String, displayName: String, kind: MetricKind, ideal: Double) {
        guard sink.pointee.struct_size >= MemoryLayout<fl_metric_sink>.offset(of: \.describe)! + 8,
              let describe = sink.pointee.describe else { return }
        metric.withCString { name in
            displayName.withCString { display in
                var descriptor = fl_metric_descriptor(
                    struct_size: UInt32(MemoryLayout<fl_metric_descriptor>.size), abi_version: FAIRLAB_ABI_VERSION, metric: name,
                    display_name: display, kind: kind.rawValue, ideal: ideal)
                describe(sink.pointee.context, &descriptor)
            }
        }
    }
}
