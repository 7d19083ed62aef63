import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The plain-C Reweighing plugin against AIF360's Reweighing on German credit (age > 25 privileged).
@Suite struct ReweighingTests {
    @Test func weightsEqualAIF360s() throws {
        let golden = try #require(try TestEnvironment.fixture("reweighing_goldens.json") as? [String: Any])
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("Reweighing"))
        let method = try #require(try library.methods().first { $0.id == "reweighing" })
        for testCase in golden["cases"] as! [[String: Any]] {
            let labels = (testCase["labels"] as! [Int]).map(Double.init)
            let codes = (testCase["groups"] as! [Int]).map(Int32.init)
            let prior = testCase["prior_weights"] as! [Double]
            let expected = testCase["weights"] as! [Double]
            let instance = try MethodInstance(
                library: library, info: method, parameters: ResolvedParameters(method: method, overrides: [:]), seed: 0)
            let groups = GroupsTable(names: ["age<=25", "age>25"], privileged: [false, true])
            let features = Matrix(rows: labels.count, cols: 1, repeating: 0)
            let table = DataTable(features: features, labels: labels, scores: nil, weights: prior, groupCodes: codes, groups: groups)
            try instance.fit(train: table, validation: nil)
            let weights = try instance.transform(table, features: features, labels: labels, weights: prior).weights
            let worst = zip(weights, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-12, "\(testCase["name"]!): largest weight difference \(worst)")
        }
    }
}
