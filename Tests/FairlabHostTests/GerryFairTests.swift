import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// GerryFair against AIF360 0.6.1's GerryFairClassifier on 300 German credit rows (tools/golden/make_gerryfair_goldens.py),
/// with AIF360's cost update replaced by the paper's per-row one, which fairlab's plugin computes (AIF360 charges
/// every audited row the first one's group membership): per round the error of the average classifier and the
/// Auditor's weighted disparity, then the mixture's score and label on every row, for false positives and false
/// negatives, one or two protected attributes, with and without early termination and with the penalty on.
@Suite struct GerryFairTests {
    @Test func everyRoundAndPredictionEqualsAIF360sPlayWithPerRowCosts() throws {
        let golden = try #require(try TestEnvironment.fixture("gerryfair_goldens.json") as? [String: Any])
        let inputs = golden["inputs"] as! [String: Any]
        let names = inputs["names"] as! [String]
        let raw = (inputs["raw"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        let mean = (inputs["mean"] as! [NSNumber]).map(\.doubleValue), scale = (inputs["scale"] as! [NSNumber]).map(\.doubleValue)
        let labels = (inputs["labels"] as! [NSNumber]).map(\.doubleValue)
        // The fixture's matrix, bit for bit: one subtraction and one division per entry.
        let features = Matrix(rows: raw.count, cols: names.count, rowMajor: raw.flatMap { row in row.indices.map { (row[$0] - mean[$0]) / scale[$0] } })
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("GerryFair"))
        let info = try #require(try library.methods().first { $0.id == "gerryfair" })
        var penalised = 0

        for fixture in golden["cases"] as! [[String: Any]] {
            let name = fixture["name"] as! String
            let expected = fixture["per_row"] as! [String: Any]
            let protected = fixture["protected"] as! [String]
            let side = names.firstIndex(of: protected[0])!
            let groups = GroupsTable(names: ["0", "1"], privileged: [false, true])
            let columns = FeatureColumns(names: names, protectedAttributes: protected)
            let codes = raw.map { Int32($0[side]) }
            let overrides = [
                "c": "\((fixture["C"] as! NSNumber).doubleValue)", "gamma": "\((fixture["gamma"] as! NSNumber).doubleValue)",
                "max_iters": "\(fixture["max_iters"] as! Int)", "fairness_def": fixture["fairness_def"] as! String,
                "early_termination": (fixture["early_termination"] as! Bool) ? "true" : "false",
            ]
            let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: overrides), seed: 1)
            try instance.fit(
                train: DataTable(features: features, labels: labels, scores: nil, weights: nil, groupCodes: codes, groups: groups, columns: columns),
                validation: nil)

            let rounds = instance.logged.map(\.text).filter { $0.hasPrefix("gerryfair round ") }
            let errors = (expected["errors"] as! [NSNumber]).map(\.doubleValue)
            let violations = (expected["fairness_violations"] as! [NSNumber]).map(\.doubleValue)
            try #require(rounds.count == expected["rounds"] as! Int, "\(name): \(rounds.count) rounds")
            for (t, line) in rounds.enumerated() {
                let error = try #require(LogNumbers.after("error ", in: line)), violation = try #require(LogNumbers.after("weighted disparity ", in: line))
                #expect(abs(error - errors[t]) <= 1e-12, "\(name) round \(t + 1): error \(error) against \(errors[t])")
                #expect(abs(violation - violations[t]) <= 1e-12, "\(name) round \(t + 1): weighted disparity \(violation) against \(violations[t])")
            }
            if violations.contains(where: { $0 >= (fixture["gamma"] as! NSNumber).doubleValue }) { penalised += 1 }

            let predicted = try instance.predict(
                DataTable(features: features, labels: nil, scores: nil, weights: nil, groupCodes: codes, groups: groups, columns: columns), rows: raw.count)
            let scores = try #require(predicted.scores)
            let wantedScores = (expected["scores"] as! [NSNumber]).map(\.doubleValue), wantedLabels = (expected["labels"] as! [NSNumber]).map(\.doubleValue)
            var ties = 0
            for i in 0..<raw.count {
                #expect(abs(scores[i] - wantedScores[i]) <= 1e-12, "\(name) row \(i): score \(scores[i]) against \(wantedScores[i])")
                // AIF360 adds 1/N per vote, so N/2 votes can sum to just under 0.5 and predict 0; fairlab's share is exact.
                if abs(wantedScores[i] - 0.5) <= 1e-12 { ties += 1; continue }
                #expect(predicted.predictions[i] == wantedLabels[i], "\(name) row \(i): label \(predicted.predictions[i]) against \(wantedLabels[i])")
            }
            #expect(ties < raw.count / 10, "\(name): \(ties) rows on the 0.5 tie")
        }
        // The cases must exercise the Auditor's multiplier, not only rounds below gamma.
        #expect(penalised >= 3)
    }
}
