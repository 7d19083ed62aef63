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
        for result in golden["results"] as! [[String: Any]] {
            let method = result["method"] as! String
            var overrides: [String: String] = [:]
            if method == "fairness-constraints" {
                guard let threshold = result["threshold"] as? NSNumber else { continue }  // the unconstrained one: checked below
                overrides = ["threshold": "\(threshold)", "threshold_kind": result["threshold_kind"] as! String]
            } else {
                overrides = ["gamma": "\((result["gamma"] as! NSNumber).doubleValue)"]
            }
            let instance = try training.fitted("FairnessConstraints", method, overrides)
            let line = try #require(instance.logged.map(\.text).first { $0.hasPrefix("fairness constraints") })
            let loss = try Self.number(after: "; loss ", in: line), covariance = try Self.number(after: "largest |covariance| ", in: line)
            let wantedLoss = (result["objective"] as! NSNumber).doubleValue
            let wantedCovariance = (result["largest_covariance"] as! NSNumber).doubleValue
            #expect(abs(loss - wantedLoss) <= 1e-7 * wantedLoss, "\(method) \(overrides): loss \(loss) against \(wantedLoss)")
            #expect(abs(covariance - wantedCovariance) <= 1e-7, "\(method) \(overrides): covariance \(covariance) against \(wantedCovariance)")
            if method == "fairness-constraints", overrides["threshold_kind"] == "relative" {
                let unconstrained = try #require((golden["results"] as! [[String: Any]]).first { $0["threshold"] as? String == "inf" })
                #expect(abs(try Self.number(after: "(unconstrained ", in: line) - (unconstrained["largest_covariance"] as! NSNumber).doubleValue) <= 1e-7)
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

    /// The number that follows `marker` in a log line.
    static func number(after marker: String, in line: String) throws -> Double {
        let start = try #require(line.range(of: marker)).upperBound
        return try #require(Double(line[start...].prefix { "0123456789.e-+".contains($0) }))
    }
}
