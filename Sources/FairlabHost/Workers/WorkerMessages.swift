import FairlabCore
import Foundation

/// What a method worker is asked to do: run one method (or the baseline) on one seed's prepared split.
public struct MethodJob: Codable, Sendable {
    /// The prepared split file (`PreparedSplit`).
    public var splitPath: String
    /// The run seed this split belongs to (also seeds the method's random stream).
    public var seed: UInt64
    /// The method, or nil for the unmitigated baseline.
    public var method: MethodInfo?
    /// Its validated parameters (empty for the baseline).
    public var parameters: ResolvedParameters?
    /// The baseline's scores on this split (`BaselineScores`): the baseline writes them, post-processing jobs
    /// read them instead of training the baseline again.
    public var baselineScoresPath: String?
    /// For a stress level that only flips labels: its training and validation labels, read over the split's
    /// (`PreparedSplit.writeLabels`).
    public var labelsPath: String? = nil
    /// On clustering data: the k-means++ starts of every k-means fit, the baseline's and the learner service's.
    public var kMeansStarts = BaseLearner.defaultKMeansStarts
}

/// What a method worker reports back, besides its arrays (test predictions, then scores and probabilities
/// when present, each one value per test row).
public struct MethodReply: Codable, Sendable {
    public var testRows: Int
    public var hasScores: Bool
    public var hasProbabilities: Bool
    public var fitSeconds: Double
    public var predictSeconds: Double
    public var notes: [String]
}

/// What a method did on one split.
public struct MethodOutcome: Sendable {
    /// Test-set predictions (0/1), one per test row.
    public var predictions: [Double]
    /// Test-set scores, when the method has them.
    public var scores: [Double]?
    /// For a randomised method, each test row's probability of a favourable prediction.
    public var probabilities: [Double]? = nil
    /// Seconds spent fitting (including the base learner where the stage trains it).
    public var fitSeconds: Double
    /// Seconds spent predicting the test set.
    public var predictSeconds: Double
    /// What the run of this job should tell the reader besides its numbers: the method's warnings, and any
    /// fallback the host applied (such as fitting a post-processor on training rows).
    public var notes: [String] = []

    /// Its arrays, in the order `MethodReply` describes.
    var arrays: [[Double]] { [predictions] + [scores, probabilities].compactMap { $0 } }

    var reply: MethodReply {
        MethodReply(
            testRows: predictions.count, hasScores: scores != nil, hasProbabilities: probabilities != nil, fitSeconds: fitSeconds,
            predictSeconds: predictSeconds, notes: notes)
    }

    /// The outcome a reply and its arrays describe.
    init(_ reply: MethodReply, arrays: [[Double]]) {
        var rest = arrays.dropFirst()
        predictions = arrays[0]
        scores = reply.hasScores ? rest.removeFirst() : nil
        probabilities = reply.hasProbabilities ? rest.removeFirst() : nil
        fitSeconds = reply.fitSeconds
        predictSeconds = reply.predictSeconds
        notes = reply.notes
    }

    init(predictions: [Double], scores: [Double]?, probabilities: [Double]? = nil, fitSeconds: Double, predictSeconds: Double) {
        self.predictions = predictions
        self.scores = scores
        self.probabilities = probabilities
        self.fitSeconds = fitSeconds
        self.predictSeconds = predictSeconds
    }
}

extension MethodReply {
    /// The lengths of the arrays that come with this reply.
    var arrayCounts: [Int] { [Int](repeating: testRows, count: 1 + (hasScores ? 1 : 0) + (hasProbabilities ? 1 : 0)) }
}

extension MethodOutcome {
    /// What a method's predict wrote, with its timings.
    init(_ predicted: MethodInstance.Predictions, fitSeconds: Double, predictSeconds: Double) {
        self.init(
            predictions: predicted.predictions, scores: predicted.scores, probabilities: predicted.probabilities,
            fitSeconds: fitSeconds, predictSeconds: predictSeconds)
    }
}

/// What a metric worker is asked to do: evaluate one metric plugin on the prediction sets of one seed's split
/// (one per method), whose arrays are in a raw file of doubles beside the job (`arraysPath`), in the order
/// `Item.arrays` gives; and on `bootstrapResamples` resamples of the split's test rows.
public struct MetricJob: Codable, Sendable {
    public var metric: MethodInfo
    public var parameters: ResolvedParameters
    public var groupNames: [String]
    public var groupPrivileged: [Bool]
    /// The split's seed, which fixes its resamples.
    public var seed: UInt64
    /// Resamples to evaluate every item on (0: none).
    public var bootstrapResamples: Int
    /// Where the items' arrays are.
    public var arraysPath: String
    /// Each item's shape.
    public var items: [ItemShape]
    /// The task of every item's labels and predictions.
    public var task: TaskKind
    /// For clustering, the run's k (predictions are ids below it); 0 otherwise.
    public var clusterCount = 0
    /// For a metric that needs the evaluated rows' features (`FL_NEEDS_FEATURES`): the seed's prepared split.
    public var featuresSplitPath: String?

    /// One item's row count and which optional arrays it has.
    public struct ItemShape: Codable, Sendable {
        public var rows: Int
        public var hasScores: Bool
        public var hasProbabilities: Bool

        var arrayCounts: [Int] { [Int](repeating: rows, count: 3 + (hasScores ? 1 : 0) + (hasProbabilities ? 1 : 0)) }
    }

    /// One prediction set: the test rows of one seed's split, as one method predicted them.
    public struct Item: Sendable {
        public var labels: [Double]
        public var predictions: [Double]
        public var scores: [Double]?
        public var groupCodes: [Int32]
        /// A randomised method's probabilities of a favourable prediction, for expected metrics.
        public var probabilities: [Double]?

        var shape: ItemShape { ItemShape(rows: labels.count, hasScores: scores != nil, hasProbabilities: probabilities != nil) }
        /// Labels, predictions, group codes, then scores and probabilities when present.
        var arrays: [[Double]] { [labels, predictions, groupCodes.map(Double.init)] + [scores, probabilities].compactMap { $0 } }

        init(labels: [Double], predictions: [Double], scores: [Double]?, groupCodes: [Int32], probabilities: [Double]?) {
            self.labels = labels
            self.predictions = predictions
            self.scores = scores
            self.groupCodes = groupCodes
            self.probabilities = probabilities
        }

        init(_ shape: ItemShape, arrays: [[Double]]) {
            labels = arrays[0]
            predictions = arrays[1]
            groupCodes = arrays[2].map { Int32($0) }
            var rest = arrays.dropFirst(3)
            scores = shape.hasScores ? rest.removeFirst() : nil
            probabilities = shape.hasProbabilities ? rest.removeFirst() : nil
        }
    }

    /// Writes the items' arrays to `arraysPath`.
    static func writeItems(_ items: [Item], to path: String) throws {
        try DoubleArrays.write(items.flatMap(\.arrays), to: path)
    }

    /// Reads the items back.
    func readItems() throws -> [Item] {
        let arrays = try DoubleArrays.read(arraysPath, counts: items.flatMap(\.arrayCounts))
        var offset = 0
        return items.map { shape in
            let count = shape.arrayCounts.count
            defer { offset += count }
            return Item(shape, arrays: Array(arrays[offset..<(offset + count)]))
        }
    }
}

/// What a metric worker returns: each item's values, and the overall metrics its bootstrap replicates are of
/// (whose values travel as arrays beside the reply, one per item and name, each `bootstrapResamples` long).
public struct MetricReply: Codable, Sendable {
    /// Each item's values on its test rows.
    public var values: [MetricValues]
    /// For each item, the overall metrics whose replicates follow, in order.
    public var replicateNames: [[String]]
    /// What the plugin said its overall metrics are, in its order.
    public var descriptors: [MetricDescriptor]
}

/// Metric values for one prediction set: overall / between-group values and per-group values.
public struct MetricValues: Codable, Sendable, Equatable {
    public var overall: [String: Double] = [:]
    public var perGroup: [String: [Double]] = [:]

    public init(overall: [String: Double] = [:], perGroup: [String: [Double]] = [:]) {
        self.overall = overall
        self.perGroup = perGroup
    }
}

/// The JSON coding used between the host and its workers (NaN and infinities allowed).
enum WorkerCoding {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    static func write<T: Encodable>(_ value: T, to path: String) throws {
        try encoder().encode(value).write(to: URL(fileURLWithPath: path))
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw FairlabError(file: path, "cannot read worker data") }
        return try decoder().decode(type, from: data)
    }
}
