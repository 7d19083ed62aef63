import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The prejudice remover against AIF360 0.6.1's `PrejudiceRemover` (kamfadm) on the golden inputs of
/// `PreProcessingGoldenTests`, at η = 0, 1 and 25 (tools/golden/make_prejudice_remover_goldens.py): the objective
/// and its terms at fixed points, the optimum (AIF360's conjugate gradients stop short of it for η > 0, on a
/// gradient that is wrong there), and the response to η.
@Suite struct PrejudiceRemoverTests {
    typealias Training = PreProcessingGoldenTests.Training

    static func golden() throws -> [String: Any] {
        try #require(try TestEnvironment.fixture("prejudice_remover_goldens.json") as? [String: Any])
    }

    /// Fits with `overrides`; the logged objective terms (L, log-loss, prejudice index, penalty) and the test scores.
    static func fit(_ training: Training, _ overrides: [String: String]) throws -> (terms: [Double], scores: [Double]) {
        let instance = try training.fitted("PrejudiceRemover", "prejudice-remover", overrides, seed: 0)
        let line = try #require(instance.logged.map(\.text).first { $0.hasPrefix("prejudice remover objective") })
        let terms = LogNumbers.all(in: line)
        try #require(terms.count >= 4, "\(line)")
        let predicted = try instance.predict(training.testTable(), rows: training.testCodes.count)
        return (Array(terms.prefix(4)), try #require(predicted.scores))
    }

    static func text(_ values: [NSNumber]) -> String { values.map { "\($0.doubleValue)" }.joined(separator: ",") }

    @Test func objectiveEqualsKamfadmsAtFixedPoints() throws {
        let training = try Training(), golden = try Self.golden()
        let fixed = golden["fixed_parameters"] as! [String: Any]
        for result in golden["results"] as! [[String: Any]] {
            let eta = (result["eta"] as! NSNumber).doubleValue
            let points = result["objectives"] as! [String: [String: Any]]
            let vectors: [String: [NSNumber]] = [
                "zeros": fixed["zeros"] as! [NSNumber], "random": fixed["random"] as! [NSNumber],
                "init": result["initial_parameters"] as! [NSNumber], "solution": result["parameters"] as! [NSNumber]]
            for (name, vector) in vectors {
                let (terms, _) = try Self.fit(training, ["eta": "\(eta)", "initial": Self.text(vector), "maxiter": "0"])
                let expected = ["L", "NLL", "PI", "L2"].map { (points[name]![$0] as! NSNumber).doubleValue }
                for (actual, wanted) in zip(terms, expected) {
                    #expect(abs(actual - wanted) <= 1e-9 * max(abs(wanted), 1), "η \(eta) at \(name): \(terms) against \(expected)")
                }
            }
        }
    }

    /// From zero, fairlab ends no higher than AIF360 at every η (equal to 1e-6 at η = 0, where both converge,
    /// with test scores equal to 1e-5); η moves the sides' test positive rates together as it grows.
    @Test func optimumNoWorseThanAIF360sAndRespondsToEta() throws {
        let training = try Training()
        var gaps: [Double] = []
        for result in try Self.golden()["results"] as! [[String: Any]] {
            let eta = (result["eta"] as! NSNumber).doubleValue
            let (terms, scores) = try Self.fit(training, ["eta": "\(eta)"])
            let aif360 = (result["final_loss"] as! NSNumber).doubleValue
            #expect(terms[0] <= aif360 + 1e-7, "η \(eta): fairlab \(terms[0]) against AIF360's \(aif360)")
            if eta == 0 {
                #expect(abs(terms[0] - aif360) < 1e-6)
                let expected = (result["test_scores"] as! [NSNumber]).map(\.doubleValue)
                #expect(zip(scores, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "η 0: test scores differ")
            }
            let rates = [Int32(0), 1].map { g in
                let rows = training.testCodes.indices.filter { training.testCodes[$0] == g }
                return Double(rows.filter { scores[$0] > 0.5 }.count) / Double(rows.count)
            }
            gaps.append(abs(rates[0] - rates[1]))
        }
        #expect(gaps[1] < gaps[0] && gaps[2] < gaps[1], "test positive-rate gaps at η 0, 1, 25: \(gaps)")
    }
}
