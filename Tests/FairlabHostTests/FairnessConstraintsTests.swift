import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Zafar et al.'s fairness constraints against an independent convex solver (cvxpy with CLARABEL,
/// tools/golden/make_fairness_constraints_goldens.py) on the golden rows of `PreProcessingGoldenTests`: the
/// penalised logistic loss and the largest |covariance| at the optimum, and the test scores σ(θᵀx) of the
/// solver's θ, for the covariance bound at 0 and at half the unconstrained covariance, and for the loss budget
/// when it binds (γ = 0.002) and when zero covariance fits in it (γ = 0.5).
@Suite struct FairnessConstraintsTests {
    typealias Training = PreProcessingGoldenTests.Training

    @Test func optimaEqualAnIndependentConvexSolvers() throws {
        let golden = try #require(try TestEnvironment.fixture("fairness_constraints_goldens.json") as? [String: Any])
        let kept = golden["kept_columns"] as! [Int]
        let training = try Training()
        let free = try #require((golden["results"] as! [[String: Any]]).first { $0["threshold"] as? String == "inf" })
        let unconstrained = (loss: (free["objective"] as! NSNumber).doubleValue, covariance: (free["largest_covariance"] as! NSNumber).doubleValue)
        for result in golden["results"] as! [[String: Any]] {
            let method = result["method"] as! String
            var overrides: [String: String] = [:]
            if method == "fairness-constraints" {
                guard let threshold = result["threshold"] as? NSNumber else { continue }  // the unconstrained one: checked on every line
                overrides = ["threshold": "\(threshold)", "threshold_kind": result["threshold_kind"] as! String]
            } else {
                overrides = ["gamma": "\((result["gamma"] as! NSNumber).doubleValue)"]
            }
            let instance = try training.fitted("FairnessConstraints", method, overrides)
            let line = try #require(instance.logged.map(\.text).first { $0.hasPrefix("fairness constraints") })
            func number(after marker: String, in text: String = line) throws -> Double { try #require(LogNumbers.after(marker, in: text), "\(marker) in \(text)") }
            let loss = try number(after: "; loss "), covariance = try number(after: "largest |covariance| ")
            let wantedLoss = (result["objective"] as! NSNumber).doubleValue
            let wantedCovariance = (result["largest_covariance"] as! NSNumber).doubleValue
            #expect(abs(loss - wantedLoss) <= 1e-7 * wantedLoss, "\(method) \(overrides): loss \(loss) against \(wantedLoss)")
            #expect(abs(covariance - wantedCovariance) <= 1e-7, "\(method) \(overrides): covariance \(covariance) against \(wantedCovariance)")
            // Every line also shows the unconstrained optimum: its covariance, and its loss or the budget made of it.
            #expect(abs(try number(after: "(unconstrained ") - unconstrained.covariance) <= 1e-7, "\(line)")
            if method == "fairness-constraints" {
                let afterLoss = String(line[try #require(line.range(of: "; loss ")).upperBound...])
                #expect(abs(try number(after: "(unconstrained ", in: afterLoss) - unconstrained.loss) <= 1e-7 * unconstrained.loss, "\(line)")
            } else {
                let budget = (result["budget"] as! NSNumber).doubleValue
                #expect(abs(try number(after: "budget ") - budget) <= 1e-7 * budget, "\(line)")
            }
            let theta = (result["theta"] as! [NSNumber]).map(\.doubleValue)
            let predicted = try instance.predict(training.testTable(), rows: training.testCodes.count)
            let scores = try #require(predicted.scores)
            for (i, score) in scores.enumerated() {
                let margin = kept.enumerated().reduce(theta.last!) { $0 + theta[$1.offset] * training.testFeatures[i, $1.element] }
                #expect(abs(score - 1 / (1 + exp(-margin))) < 1e-5, "\(method) \(overrides): test row \(i)")
            }
        }
    }
}
