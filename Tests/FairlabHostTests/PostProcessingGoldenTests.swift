import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The post-processing plugins, called through the ABI, against what Fairlearn 0.15's ThresholdOptimizer and
/// AIF360 0.6.1's EqOddsPostprocessing, CalibratedEqOddsPostprocessing and RejectOptionClassification compute
/// on the same validation and test scores (tools/golden/make_threshold_optimizer_goldens.py and
/// make_aif360_postprocessing_goldens.py).
@Suite struct PostProcessingGoldenTests {
    /// Rows of one split as the fixtures store them.
    struct Rows {
        let groups: [Int32], labels: [Double], scores: [Double]

        init(_ json: Any?) throws {
            let split = try #require(json as? [String: Any])
            groups = (split["group"] as! [Int]).map(Int32.init)
            labels = (split["label"] as! [NSNumber]).map(\.doubleValue)
            scores = (split["score"] as! [NSNumber]).map(\.doubleValue)
        }

        func table(_ groupsTable: GroupsTable, labels withLabels: Bool) -> DataTable {
            DataTable(
                features: Matrix(rows: scores.count, cols: 1), labels: withLabels ? labels : nil, scores: scores, weights: nil,
                groupCodes: groups, groups: groupsTable)
        }
    }

    /// Fits `plugin`'s method on the validation rows and predicts the test rows.
    static func run(
        _ plugin: String, _ method: String, _ overrides: [String: String], validation: Rows, test: Rows, groups: GroupsTable
    ) throws -> (MethodInstance.Predictions, MethodInstance) {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary(plugin))
        let info = try #require(try library.methods().first { $0.id == method })
        let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: overrides), seed: 7)
        try instance.fit(train: validation.table(groups, labels: true), validation: nil)
        return (try instance.predict(test.table(groups, labels: false), rows: test.scores.count), instance)
    }

    @Test func thresholdOptimizerEqualsFairlearn() throws {
        let golden = try #require(try TestEnvironment.fixture("threshold_optimizer_goldens.json") as? [String: Any])
        var compared = 0
        for testCase in golden["cases"] as! [[String: Any]] {
            let names = testCase["group_names"] as! [String]
            let groups = GroupsTable(names: names, privileged: names.indices.map { $0 == names.count - 1 })
            let validation = try Rows(testCase["validation"]), test = try Rows(testCase["test"])
            for run in testCase["runs"] as! [[String: Any]] {
                let overrides = [
                    "constraints": run["constraints"] as! String, "objective": run["objective"] as! String,
                    "grid_size": "\(run["grid_size"] as! Int)", "tol": "\((run["tol"] as? Double) ?? 0)",
                    "flip": (run["flip"] as! Bool) ? "true" : "false",
                ]
                let label = "\(testCase["name"]!) \(overrides)"
                let (predicted, _) = try Self.run("ThresholdOptimizer", "threshold-optimizer", overrides, validation: validation, test: test, groups: groups)
                let probabilities = try #require(predicted.probabilities, "\(label): no probabilities")
                let expected = (run["test_p"] as! [NSNumber]).map(\.doubleValue)
                let worst = zip(probabilities, expected).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-12, "\(label): P(ŷ = 1) differs by \(worst)")
                // Every drawn prediction is possible under its probability.
                #expect(zip(predicted.predictions, probabilities).allSatisfy { $0 == 1 ? $1 > 0 : $1 < 1 }, "\(label)")
                compared += expected.count
            }
        }
        #expect(compared == 46_400)
    }

    @Test func equalizedOddsAndCalibratedEqualizedOddsEqualAIF360() throws {
        let golden = try #require(try TestEnvironment.fixture("aif360_postprocessing_goldens.json") as? [String: Any])
        let groups = GroupsTable(names: ["unprivileged", "privileged"], privileged: [false, true])
        for scenario in golden["scenarios"] as! [[String: Any]] {
            let name = scenario["name"] as! String
            let validation = try Rows(scenario["validation"]), test = try Rows(scenario["test"])

            let eqOdds = scenario["eq_odds"] as! [String: Any]
            let (predicted, _) = try Self.run("EqualizedOddsPostprocessing", "eq-odds", [:], validation: validation, test: test, groups: groups)
            let probabilities = try #require(predicted.probabilities)
            let expected = (eqOdds["test_p_favorable_rates"] as! [NSNumber]).map(\.doubleValue)
            let worst = zip(probabilities, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-9, "\(name): eq-odds mixing rates differ by \(worst)")

            let calibrated = (scenario["calibrated_eq_odds"] as! [String: Any])["cases"] as! [String: [String: Any]]
            for (constraint, values) in calibrated {
                let (predicted, instance) = try Self.run(
                    "CalibratedEqualizedOdds", "calibrated-eq-odds", ["cost_constraint": constraint], validation: validation, test: test, groups: groups)
                let probabilities = try #require(predicted.probabilities)
                let expected = (values["test_p_favorable"] as! [NSNumber]).map(\.doubleValue)
                let worst = zip(probabilities, expected).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-9, "\(name) \(constraint): P(ŷ = 1) differs by \(worst)")
                // The mix rates themselves, unclipped (AIF360 leaves them outside [0, 1] when costs cross).
                let logged = try #require(instance.logged.first { $0.text.hasPrefix("mix rates:") }?.text)
                let rates = logged.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
                let (priv, unpriv) = ((values["priv_mix_rate"] as! NSNumber).doubleValue, (values["unpriv_mix_rate"] as! NSNumber).doubleValue)
                #expect(rates.count == 2 && abs(rates[0] - priv) <= 1e-6 && abs(rates[1] - unpriv) <= 1e-6, "\(name) \(constraint): \(logged) vs \(priv), \(unpriv)")
            }
        }
    }

    @Test func rejectOptionEqualsAIF360() throws {
        let golden = try #require(try TestEnvironment.fixture("aif360_postprocessing_goldens.json") as? [String: Any])
        let groups = GroupsTable(names: ["unprivileged", "privileged"], privileged: [false, true])
        let metricIDs = [
            "Statistical parity difference": "statistical_parity_difference", "Average odds difference": "average_odds_difference",
            "Equal opportunity difference": "equal_opportunity_difference",
        ]
        var cases = 0
        for scenario in golden["scenarios"] as! [[String: Any]] {
            let validation = try Rows(scenario["validation"]), test = try Rows(scenario["test"])
            for values in (scenario["reject_option"] as! [String: Any])["cases"] as! [[String: Any]] {
                let grid = values["grid"] as! [String: NSNumber]
                let overrides = [
                    "metric": metricIDs[values["metric_name"] as! String]!, "lb": "\(values["metric_lb"]!)", "ub": "\(values["metric_ub"]!)",
                    "low_class_thresh": "\(grid["low_class_thresh"]!)", "high_class_thresh": "\(grid["high_class_thresh"]!)",
                    "num_class_thresh": "\(grid["num_class_thresh"]!)", "num_roc_margin": "\(grid["num_ROC_margin"]!)",
                ]
                let (predicted, instance) = try Self.run("RejectOption", "reject-option", overrides, validation: validation, test: test, groups: groups)
                let label = "\(scenario["name"]!) \(overrides)"
                #expect(predicted.predictions == (values["test_predictions"] as! [NSNumber]).map(\.doubleValue), "\(label)")
                let chosen = try #require(instance.logged.first { $0.text.hasPrefix("classification threshold") }?.text)
                let numbers = chosen.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
                let expected = [(values["classification_threshold"] as! NSNumber).doubleValue, (values["roc_margin"] as! NSNumber).doubleValue]
                // Foundation's JSON reader can be an ulp off; grid points are 10⁻³ apart.
                #expect(numbers.count == 2 && zip(numbers, expected).allSatisfy { abs($0 - $1) <= 1e-15 }, "\(label): \(chosen), AIF360 \(expected)")
                #expect((values["fell_back"] as! Bool) == instance.warnings.contains { $0.hasPrefix("no setting keeps") }, "\(label)")
                cases += 1
            }
        }
        #expect(cases >= 13)
    }
}
