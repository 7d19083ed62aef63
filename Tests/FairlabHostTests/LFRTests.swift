import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// LFR against AIF360 0.6.1's on the golden inputs of `PreProcessingGoldenTests` (400 training rows, 150 test
/// rows, 7 features with the protected column), from tools/golden/make_lfr_goldens.py: its objective at fixed
/// parameter vectors, the optimum it reaches from AIF360's own start, and AIF360's transform at its solution.
@Suite struct LFRTests {
    typealias Training = PreProcessingGoldenTests.Training

    static func golden() throws -> [String: Any] {
        try #require(try TestEnvironment.fixture("lfr_goldens.json") as? [String: Any])
    }

    static func text(_ parameters: [Double]) -> String { parameters.map { "\($0)" }.joined(separator: ",") }

    /// Fits with `overrides`, returning the logged objective (L, L_x, L_y, L_z) and the transformed training
    /// and test data.
    static func fit(_ training: Training, _ overrides: [String: String]) throws
        -> (terms: [Double], train: TransformedData, test: TransformedData) {
        let instance = try training.fitted("LFR", "lfr", overrides, seed: 3)
        let line = try #require(instance.logged.map(\.text).first { $0.hasPrefix("LFR objective") })
        // "LFR objective L (L_x a, L_y b, L_z c) after …"
        let terms = LogNumbers.all(in: line)
        try #require(terms.count >= 4, "\(line)")
        let (train, test) = try training.transformed(by: instance)
        return (Array(terms.prefix(4)), train, test)
    }

    /// At AIF360's start, its solution, a random vector and one where every ŷ is clipped, the objective and each
    /// of its terms equal AIF360's to 1e-9 relative.
    @Test func objectiveEqualsAIF360sAtFixedPoints() throws {
        let training = try Training()
        for (name, point) in try Self.golden()["objectives"] as! [String: [String: Any]] {
            let parameters = (point["parameters"] as! [NSNumber]).map(\.doubleValue)
            let (terms, _, _) = try Self.fit(training, ["initial": Self.text(parameters), "maxiter": "0"])
            let expected = ["L", "L_x", "L_y", "L_z"].map { (point[$0] as! NSNumber).doubleValue }
            for (actual, wanted) in zip(terms, expected) {
                #expect(abs(actual - wanted) <= 1e-9 * max(abs(wanted), 1e-3), "\(name): \(terms) against \(expected)")
            }
        }
    }

    /// From AIF360's own start, L-BFGS on the analytic gradient ends no higher than AIF360's numerical-gradient
    /// run (0.7213121), nor than scipy's L-BFGS-B on the same analytic gradient (0.7213066; the objective is not
    /// convex, and fairlab's path reaches 0.7187).
    @Test func fitFromAIF360sStartEndsNoWorse() throws {
        let golden = try Self.golden()
        let start = (golden["initial_parameters"] as! [NSNumber]).map(\.doubleValue)
        let (terms, _, _) = try Self.fit(try Training(), ["initial": Self.text(start)])
        let aif360 = ((golden["aif360"] as! [String: Any])["L"] as! NSNumber).doubleValue
        let analytic = ((golden["analytic_lbfgsb"] as! [String: Any])["L"] as! NSNumber).doubleValue
        #expect(terms[0] <= aif360, "fairlab \(terms[0]) against AIF360's \(aif360)")
        #expect(terms[0] <= analytic + 1e-9, "fairlab \(terms[0]) against scipy's \(analytic)")
        #expect(terms[0] > 0.5, "an objective this low would mean a wrong term: \(terms)")
    }

    /// At AIF360's solution, the transform equals AIF360's: every training and test feature (the reconstruction)
    /// to 1e-9, and with `labels=lfr` the training labels ŷ > 0.5; by default the labels stay.
    @Test func transformEqualsAIF360sAtItsSolution() throws {
        let golden = try Self.golden(), training = try Training()
        let solution = ((golden["aif360"] as! [String: Any])["parameters"] as! [NSNumber]).map(\.doubleValue)
        let expected = golden["transform"] as! [String: [String: Any]]
        let (_, train, test) = try Self.fit(training, ["initial": Self.text(solution), "maxiter": "0", "labels": "lfr"])
        for (name, actual) in [("train", train.features), ("test", test.features)] {
            let rows = (expected[name]!["features"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let wanted = Matrix(rows: rows.count, cols: rows[0].count, rowMajor: rows.flatMap { $0 })
            #expect(actual.rows == wanted.rows && actual.cols == wanted.cols)
            let worst = zip(actual.storage, wanted.storage).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-9, "\(name) features differ by \(worst)")
        }
        #expect(train.labels == (expected["train"]!["labels"] as! [NSNumber]).map(\.doubleValue))
        let (_, kept, _) = try Self.fit(training, ["initial": Self.text(solution), "maxiter": "0"])
        #expect(kept.labels == training.labels)
    }

    /// The rows stored sparse (compressed, products over their non-zero values) and dense (the host's dgemm) give
    /// the same objective at every golden point, the same first L-BFGS steps from AIF360's start (which the
    /// gradient steers, so a wrong sparse product in it would show), and the same representation. The golden rows
    /// have no zero; with their protected and one-hot columns as 0/1 indicators, the compressed rows skip zeros too.
    @Test func sparseAndDenseProductsAgree() throws {
        let golden = try Self.golden(), training = try Training()
        for rows in [training, training.withIndicatorColumns()] {
            for point in (golden["objectives"] as! [String: [String: Any]]).values {
                let parameters = (point["parameters"] as! [NSNumber]).map(\.doubleValue)
                let terms = try ["sparse", "dense"].map { try Self.fit(rows, ["initial": Self.text(parameters), "maxiter": "0", "products": $0]).terms }
                for (sparse, dense) in zip(terms[0], terms[1]) { #expect(abs(sparse - dense) <= 1e-12 * max(abs(dense), 1e-3), "\(terms)") }
            }
        }
        let start = Self.text((golden["initial_parameters"] as! [NSNumber]).map(\.doubleValue))
        // Each storage is the one asked for (the golden rows, standardised, would be dense by default).
        for storage in ["sparse", "dense"] {
            let logged = try training.fitted("LFR", "lfr", ["initial": start, "maxiter": "0", "products": storage], seed: 3).logged.map(\.text)
            #expect(logged.contains { $0.hasPrefix("LFR's products") && $0.hasSuffix("(\(storage))") }, "\(logged)")
        }
        let fits = try ["sparse", "dense"].map { try Self.fit(training, ["initial": start, "maxiter": "5", "products": $0]) }
        #expect(abs(fits[0].terms[0] - fits[1].terms[0]) <= 1e-10, "\(fits[0].terms) against \(fits[1].terms)")
        // Five steps moved the objective: the comparison is of a search, not of the start.
        let startTerms = try Self.fit(training, ["initial": start, "maxiter": "0"]).terms
        #expect(startTerms[0] - fits[1].terms[0] > 1e-3, "\(startTerms) to \(fits[1].terms)")
        for (sparse, dense) in [(fits[0].train, fits[1].train), (fits[0].test, fits[1].test)] {
            let worst = zip(sparse.features.storage, dense.features.storage).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-8, "representations differ by \(worst)")
        }
    }

    @Test func malformedStartIsRefusedByName() throws {
        let training = try Training()
        for (start, message) in [("1,2,3", "initial must be 40 comma-separated finite numbers"), ("1,,2", "given 3 items: 1,,2")] {
            let error = #expect(throws: (any Error).self) { try Self.fit(training, ["initial": start]) }
            #expect("\(error.map { "\($0)" } ?? "accepted")".contains(message), "initial=\(start)")
        }
    }
}
