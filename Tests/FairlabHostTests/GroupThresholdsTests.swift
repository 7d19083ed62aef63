import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The group-thresholds plugin through the ABI: each constraint makes its rate equal across groups in
/// expectation on the rows it was fitted on (computed here from the per-row probabilities it reports), and
/// fixed thresholds apply as given.
@Suite struct GroupThresholdsTests {
    /// Three groups with different score distributions, tied scores (two decimals) and base rates.
    static func rows() -> (scores: [Double], labels: [Double], codes: [Int32]) {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var scores: [Double] = [], labels: [Double] = [], codes: [Int32] = []
        for i in 0..<1_500 {
            let group = Int32(i % 3)
            let label: Double = next() < [0.3, 0.45, 0.6][Int(group)] ? 1 : 0
            let score = min(0.99, max(0.01, 0.25 + 0.3 * label + 0.1 * Double(group) + 0.35 * (next() - 0.5)))
            scores.append((score * 100).rounded() / 100)
            labels.append(label)
            codes.append(group)
        }
        return (scores, labels, codes)
    }

    static func fitAndPredict(_ overrides: [String: String]) throws -> MethodInstance.Predictions {
        let (scores, labels, codes) = rows()
        let groups = GroupsTable(names: ["A", "B", "C"], privileged: [false, false, true])
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("GroupThresholds"))
        let info = try #require(try library.methods().first { $0.id == "group-thresholds" })
        let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: overrides), seed: 3)
        let table = DataTable(features: Matrix(rows: scores.count, cols: 1), labels: labels, scores: scores, weights: nil, groupCodes: codes, groups: groups)
        try instance.fit(train: table, validation: nil)
        let hidden = DataTable(features: Matrix(rows: scores.count, cols: 1), labels: nil, scores: scores, weights: nil, groupCodes: codes, groups: groups)
        return try instance.predict(hidden, rows: scores.count)
    }

    @Test(arguments: ["selection_rate", "true_positive_rate", "false_positive_rate"], ["accuracy", "overall"])
    func eachConstraintEqualisesItsRate(_ constraint: String, _ target: String) throws {
        let (scores, labels, codes) = Self.rows()
        let predicted = try Self.fitAndPredict(["constraint": constraint, "target": target])
        let probabilities = predicted.probabilities ?? predicted.predictions
        let counted: (Int) -> Bool = { i in
            constraint == "selection_rate" ? true : constraint == "true_positive_rate" ? labels[i] == 1 : labels[i] == 0
        }
        let rates = (0..<3).map { group -> Double in
            let rows = scores.indices.filter { codes[$0] == Int32(group) && counted($0) }
            return rows.reduce(0) { $0 + probabilities[$1] } / Double(rows.count)
        }
        #expect(rates.max()! - rates.min()! < 1e-9, "\(constraint)/\(target): expected rates \(rates)")
        #expect(rates[0] > 0 && rates[0] < 1)
    }

    @Test func fixedThresholdsApplyAsGiven() throws {
        let (scores, _, codes) = Self.rows()
        let predicted = try Self.fitAndPredict(["constraint": "fixed", "thresholds": "A=0.3, C = 0.7"])
        let thresholds: [Double] = [0.3, 0.5, 0.7]
        #expect(predicted.probabilities == nil)
        #expect(predicted.predictions == scores.indices.map { scores[$0] > thresholds[Int(codes[$0])] ? 1 : 0 })
        #expect(throws: FairlabError.self) { try Self.fitAndPredict(["constraint": "fixed", "thresholds": "D=0.3"]) }
        #expect(throws: FairlabError.self) { try Self.fitAndPredict(["constraint": "fixed", "thresholds": "A:0.3"]) }
        #expect(throws: FairlabError.self) { try Self.fitAndPredict(["thresholds": "A=0.3"]) }
    }
}
