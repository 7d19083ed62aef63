import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Grid search against Fairlearn 0.15's `GridSearch(LogisticRegression(C=1, tol=1e-10), constraint, grid_size=10)`
/// on the golden inputs of `PreProcessingGoldenTests` (400 training rows, 150 test rows), from
/// tools/golden/make_gridsearch_goldens.py: each grid point's training error, constraint violation and loss, the
/// chosen point, and the chosen model's test probabilities.
@Suite struct GridSearchTests {
    typealias Training = PreProcessingGoldenTests.Training

    @Test(arguments: ["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity", "error_rate_parity"]) func everyGridPointAndTheChoiceEqualFairlearns(_ constraint: String) throws {
        let golden = try #require(try TestEnvironment.fixture("gridsearch_goldens.json") as? [String: Any])
        let expected = try #require(golden[constraint] as? [String: Any])
        let training = try Training()
        let instance = try training.fitted("Reductions", "grid-search", ["constraint": constraint], seed: 0)

        // "grid point K λ [...]: error E, γ G, loss L", one line per point, in the grid's order.
        let points = instance.logged.map(\.text).filter { $0.hasPrefix("grid point ") }
        let wanted = expected["points"] as! [[String: Any]]
        try #require(points.count == wanted.count)
        for (line, point) in zip(points, wanted) {
            let numbers = LogNumbers.all(in: String(line.split(separator: ":").last!), separators: ",")
            let values = ["objective", "gamma_max", "loss"].map { (point[$0] as! NSNumber).doubleValue }
            #expect(numbers.count == 3 && zip(numbers, values).allSatisfy { abs($0 - $1) < 1e-12 }, "\(constraint): \(line) against \(values)")
        }
        // The multipliers themselves, in Fairlearn's basis order.
        let grid = (expected["grid"] as! [[String: Any]]).map { ($0["basis_coefficients"] as! [NSNumber]).map(\.doubleValue) }
        for (line, multipliers) in zip(points, grid) {
            let inside = line[line.index(after: line.firstIndex(of: "[")!)..<line.firstIndex(of: "]")!]
            // (Foundation's JSON reading can be an ulp off the printed value, so not bit for bit.)
            let logged = inside.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
            #expect(logged.count == multipliers.count && zip(logged, multipliers).allSatisfy { abs($0 - $1) < 1e-12 }, "\(line)")
        }
        let chosen = instance.logged.map(\.text).first { $0.hasPrefix("grid search chose point") }
        #expect(chosen?.hasPrefix("grid search chose point \(expected["best_index"] as! Int) ") == true, "\(chosen ?? "none")")

        let predicted = try instance.predict(training.testTable(showingGroups: false), rows: training.testCodes.count)
        let probabilities = (expected["test_predict_proba"] as! [NSNumber]).map(\.doubleValue)
        let scores = try #require(predicted.scores)
        try #require(scores.count == probabilities.count)
        let worst = zip(scores, probabilities).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-6, "\(constraint): test probabilities differ from Fairlearn's by \(worst)")
        #expect(predicted.predictions == (expected["test_predict"] as! [NSNumber]).map(\.doubleValue))
    }

    /// Equalized odds needs every group to have both labels: a group with favourable rows only is named.
    @Test func equalizedOddsNamesAGroupWithOneLabel() throws {
        let training = try Training()
        let labels = training.labels.indices.map { training.codes[$0] == 0 ? 1.0 : training.labels[$0] }
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("Reductions"))
        let info = try #require(try library.methods().first { $0.id == "grid-search" })
        let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: ["constraint": "equalized_odds"]), seed: 0)
        let group = training.groups.pointer.pointee.names[0].map { String(cString: $0) } ?? ""
        let error = #expect(throws: (any Error).self) {
            try instance.fit(train: DataTable(
                features: training.features, labels: labels, scores: nil, weights: nil, groupCodes: training.codes,
                groups: training.groups, columns: training.columns), validation: nil)
        }
        #expect("\(error.map { "\($0)" } ?? "accepted")".contains("equalized_odds needs both labels in every group; group \(group) has no unfavourable training rows"))
    }
}
