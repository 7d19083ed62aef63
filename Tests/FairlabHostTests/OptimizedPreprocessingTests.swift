import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The optimized pre-processing plugin, called through the ABI as `compare` calls it, on the golden inputs of
/// `PreProcessingGoldenTests` (400 training rows; x0…x2 numeric, s protected, c=0…c=2 one categorical). The
/// program itself is checked against AIF360 and HiGHS in `OptimizedPreprocessingProgramTests`.
@Suite struct OptimizedPreprocessingTests {
    typealias Training = PreProcessingGoldenTests.Training

    static func transform(_ training: Training, _ overrides: [String: String]) throws -> (train: TransformedData, test: TransformedData, log: [String]) {
        let instance = try training.fitted("OptimizedPreprocessing", "optimized-preprocessing", overrides, seed: 11)
        let (train, test) = try training.transformed(by: instance)
        return (train, test, instance.logged.map(\.text))
    }

    /// The drawn training labels bring the groups' favourable rates within ε (0.05) plus the draws' sampling error
    /// (3 standard errors); moved rows take valid categories and bin means; the protected column never moves.
    @Test func drawnRowsCloseTheGapWithValidValues() throws {
        let training = try Training()
        let (train, test, log) = try Self.transform(training, ["columns": "x1,c"])
        func gap(_ labels: [Double]) -> Double {
            let rates = [Int32(0), 1].map { g in
                let rows = labels.indices.filter { training.codes[$0] == g }
                return rows.reduce(0) { $0 + labels[$1] } / Double(rows.count)
            }
            return abs(rates[0] - rates[1])
        }
        let before = gap(training.labels), after = gap(train.labels!)
        let sizes = [Int32(0), 1].map { g in Double(training.codes.filter { $0 == g }.count) }
        let standardError = (0.25 / sizes[0] + 0.25 / sizes[1]).squareRoot()
        #expect(before > 0.1, "the golden data has a gap to close: \(before)")
        #expect(after <= 0.05 + 3 * standardError, "gap \(before) → \(after)")
        // The program's own discrimination, at most its epsilon (0.05) to the solver's tolerance.
        let discrimination = try #require(log.compactMap { LogNumbers.after("discrimination ", in: $0) }.first, "\(log)")
        #expect(discrimination <= 0.05 + 1e-7, "\(log)")
        let oneHotRows = Set((0..<training.labels.count).map { i in (4..<7).map { training.features[i, $0] } })
        let x1Values = Set((0..<training.labels.count).map { training.features[$0, 1] })
        for (original, transformed) in [(training.features, train.features), (training.testFeatures, test.features)] {
            #expect(transformed.column(0) == original.column(0) && transformed.column(2) == original.column(2) && transformed.column(3) == original.column(3))
            for i in 0..<transformed.rows {
                #expect(oneHotRows.contains((4..<7).map { transformed[i, $0] }))
                // A moved x1 takes a bin's mean, which is not one of x1's own values here.
                if transformed[i, 1] != original[i, 1] { #expect(!x1Values.contains(transformed[i, 1])) }
            }
        }
        #expect(train.features != training.features)
    }

    @Test func badOptionsAreRefusedByName() throws {
        let training = try Training()
        for (overrides, message) in [
            (["columns": "x9"], "columns: no feature column x9"),
            (["columns": "s"], "columns: no feature column s"),
            (["dlist": "0.1,0.05"], "clist has 3 levels but dlist 2 limits"),
            (["clist": "a,b"], "clist must be comma-separated finite numbers"),
            (["columns": "x0,x1,x2,c", "bins": "8"], "make a program of more than 2500 constraints"),
        ] {
            do {
                _ = try Self.transform(training, overrides)
                Issue.record("\(overrides) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(overrides): \(error)")
            }
        }
    }
}
