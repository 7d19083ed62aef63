import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Massaging and resampling, called through the ABI as `compare` calls them, against the definitions of Kamiran
/// & Calders (2012) computed with NumPy and scikit-learn on the same rows
/// (tools/golden/make_preprocessing_goldens.py; its ranker is scikit-learn's logistic regression at C = 1,
/// which the host's learner matches to 1e-7, far inside the score gaps at the cut-offs, 0.009 and 0.017).
@Suite struct PreProcessingGoldenTests {
    struct Training {
        let features: Matrix, labels: [Double], codes: [Int32], groups: GroupsTable

        init() throws {
            let golden = try #require(try TestEnvironment.fixture("preprocessing_goldens.json") as? [String: Any])
            let inputs = golden["inputs"] as! [String: Any], train = inputs["train"] as! [String: Any]
            let rows = (train["features"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            features = Matrix(rows: rows.count, cols: rows[0].count, rowMajor: rows.flatMap { $0 })
            labels = (train["labels"] as! [NSNumber]).map(\.doubleValue)
            codes = (train["groups"] as! [Int]).map(Int32.init)
            let groupList = inputs["groups"] as! [[String: Any]]
            groups = GroupsTable(names: groupList.map { $0["name"] as! String }, privileged: groupList.map { $0["privileged"] as! Bool })
        }

        /// Fits `method` and transforms the training rows: their labels and weights afterwards.
        func transform(_ plugin: String, _ method: String, _ overrides: [String: String] = [:]) throws -> (labels: [Double], weights: [Double]) {
            let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary(plugin))
            let info = try #require(try library.methods().first { $0.id == method })
            let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: overrides), seed: 1)
            let table = DataTable(features: features, labels: labels, scores: nil, weights: nil, groupCodes: codes, groups: groups)
            try instance.fit(train: table, validation: nil)
            let (_, newLabels, weights) = try instance.transform(table, features: features, labels: labels, weights: [Double](repeating: 1, count: labels.count))
            return (try #require(newLabels), weights)
        }
    }

    static func golden(_ key: String) throws -> [String: Any] {
        let golden = try #require(try TestEnvironment.fixture("preprocessing_goldens.json") as? [String: Any])
        return try #require(golden[key] as? [String: Any])
    }

    @Test func massagingFlipsTheRowsTheDefinitionNames() throws {
        let training = try Training()
        let massaging = try Self.golden("massaging")
        let (labels, weights) = try training.transform("Massaging", "massaging")
        #expect(labels == (massaging["massaged_labels"] as! [NSNumber]).map(\.doubleValue))
        #expect(weights.allSatisfy { $0 == 1 })
        let flipped = labels.indices.filter { labels[$0] != training.labels[$0] }
        #expect(flipped == (massaging["flipped_rows"] as! [Int]))
        #expect(flipped.count == 2 * (massaging["m"] as! Int))
    }

    @Test func preferentialSamplingWeighsTheBorderlineRows() throws {
        let training = try Training()
        let sampling = try Self.golden("sampling")
        let (labels, weights) = try training.transform("Resampling", "preferential-sampling")
        #expect(labels == training.labels)
        #expect(weights == (sampling["preferential_weights"] as! [NSNumber]).map(\.doubleValue))
    }

    /// Uniform sampling draws its rows at random, so only the cell sizes are fixed: each is the size independence
    /// of side and label gives.
    @Test func uniformSamplingReachesTheIndependentCellSizes() throws {
        let training = try Training()
        let (_, weights) = try training.transform("Resampling", "uniform-sampling")
        for cell in try Self.golden("sampling")["cells"] as! [[String: Any]] {
            let group = Int32(cell["group"] as! Int), label = (cell["label"] as! NSNumber).doubleValue
            let rows = training.labels.indices.filter { training.codes[$0] == group && training.labels[$0] == label }
            #expect(rows.reduce(0) { $0 + weights[$1] } == (cell["expected"] as! NSNumber).doubleValue, "cell \(cell)")
            #expect(rows.allSatisfy { weights[$0] == weights[$0].rounded() })
        }
    }

    /// Up-sampling makes the unprivileged base rate `ratio` times the privileged one, by weighting only the
    /// unprivileged favourable rows.
    @Test(arguments: [1.0, 0.8]) func groupUpsamplingReachesItsRatio(_ ratio: Double) throws {
        let training = try Training()
        let (_, weights) = try training.transform("Resampling", "group-upsampling", ["ratio": "\(ratio)"])
        func rate(_ group: Int32) -> Double {
            let rows = training.labels.indices.filter { training.codes[$0] == group }
            return rows.reduce(0) { $0 + weights[$1] * training.labels[$1] } / rows.reduce(0) { $0 + weights[$1] }
        }
        #expect(abs(rate(0) - ratio * rate(1)) < 1e-12)
        #expect(training.labels.indices.allSatisfy { weights[$0] == 1 || (training.codes[$0] == 0 && training.labels[$0] == 1) })
    }
}
