import FairlabCore
import Foundation

/// What a method worker is asked to do: run one method (or the baseline) on one split of one dataset.
public struct MethodJob: Codable, Sendable {
    /// Path of the dataset file.
    public var datasetPath: String
    /// The protected attributes that form the groups.
    public var protectedAttributes: [String]
    /// The run seed this split belongs to (also seeds the method's random stream).
    public var seed: UInt64
    /// Row indices of the split.
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
    /// The method, or nil for the unmitigated baseline.
    public var method: MethodInfo?
    /// Its validated parameters (empty for the baseline).
    public var parameters: ResolvedParameters?
    /// Which feature columns are standardised.
    public var standardization: Standardization = .all
}

/// What a method worker reports back.
public struct MethodOutcome: Codable, Sendable {
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
}

extension MethodOutcome {
    /// What a method's predict wrote, with its timings.
    init(_ predicted: MethodInstance.Predictions, fitSeconds: Double, predictSeconds: Double) {
        self.init(
            predictions: predicted.predictions, scores: predicted.scores, probabilities: predicted.probabilities,
            fitSeconds: fitSeconds, predictSeconds: predictSeconds)
    }
}

/// What a metric worker is asked to do: evaluate one metric plugin on many prediction sets.
public struct MetricJob: Codable, Sendable {
    public var metric: MethodInfo
    public var parameters: ResolvedParameters
    public var groupNames: [String]
    public var groupPrivileged: [Bool]
    public var items: [Item]

    /// One prediction set: the test rows of one seed's split, as one method predicted them.
    public struct Item: Codable, Sendable {
        public var labels: [Double]
        public var predictions: [Double]
        public var scores: [Double]?
        public var groupCodes: [Int32]
        /// A randomised method's probabilities of a favourable prediction, for expected metrics.
        public var probabilities: [Double]?
    }
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
