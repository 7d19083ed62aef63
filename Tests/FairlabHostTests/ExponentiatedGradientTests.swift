import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Exponentiated gradient against Fairlearn 0.15's `ExponentiatedGradient(LogisticRegression(C=1, tol=1e-10),
/// constraint)` at its defaults on the golden inputs of `PreProcessingGoldenTests`
/// (tools/golden/make_expgrad_goldens.py): the same ν, hypotheses, learner calls and iterations, and the same
/// expected predictions Σ_h Q_h h(x) on the test rows.
@Suite struct ExponentiatedGradientTests {
    @Test(arguments: ["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity", "error_rate_parity"]) func stepsAndExpectedPredictionsEqualFairlearns(_ constraint: String) throws {
        let golden = try #require(try TestEnvironment.fixture("expgrad_goldens.json") as? [String: Any])
        let expected = try #require(golden[constraint] as? [String: Any])
        let training = try PreProcessingGoldenTests.Training()
        let instance = try training.fitted("Reductions", "exponentiated-gradient", ["constraint": constraint], seed: 0)
        // "exponentiated gradient: H hypotheses, C learner fits, best gap G at iteration I of T, ν V"
        let line = try #require(instance.logged.map(\.text).first { $0.hasPrefix("exponentiated gradient:") })
        let numbers = LogNumbers.all(in: line, separators: ",:")
        try #require(numbers.count == 6, "\(line)")
        let hypotheses = (expected["hypotheses"] as! [Any]).count
        #expect(Int(numbers[0]) == hypotheses && Int(numbers[1]) == expected["n_oracle_calls"] as! Int, "\(constraint): \(line)")
        #expect(Int(numbers[3]) == expected["best_iter"] as! Int && Int(numbers[4]) == (expected["last_iter"] as! Int) + 1, "\(constraint): \(line)")
        #expect(abs(numbers[5] - (expected["nu"] as! NSNumber).doubleValue) < 1e-12, "\(constraint): \(line)")
        #expect(numbers[2] < 1e-8)

        let predicted = try instance.predict(training.testTable(showingGroups: false), rows: training.testCodes.count)
        let probabilities = try #require(predicted.probabilities)
        let wanted = (expected["test_pmf_predict"] as! [NSNumber]).map(\.doubleValue)
        try #require(probabilities.count == wanted.count)
        let worst = zip(probabilities, wanted).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-6, "\(constraint): expected predictions differ from Fairlearn's by \(worst)")
    }
}
