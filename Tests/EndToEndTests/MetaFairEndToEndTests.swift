import FairlabCore
import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The meta-fair plugin through the host on German credit: every interval of the τ grid is fitted and logged
/// with its training accuracy and γ, and the one chosen is the most accurate of those with γ ≥ τ − 0.2 (the
/// earliest on a tie), for both constraints and two values of τ; at τ = 0 nothing is searched.
@Suite struct MetaFairEndToEndTests {
    /// Each logged interval: (a, accuracy, gamma, chosen so far), per method and seed.
    static func intervals(_ stderr: String, method: String) -> [[(a: Double, accuracy: Double, gamma: Double, best: Bool)]] {
        var bySeed: [String: [(Double, Double, Double, Bool)]] = [:]
        for line in stderr.split(separator: "\n") where line.contains("\(method) (seed ") && line.contains("meta-fair interval [") {
            let seed = String(line.split(separator: "(seed ")[1].prefix { $0 != ")" })
            guard let a = LogNumbers.after("interval [", in: String(line)), let accuracy = LogNumbers.after("training accuracy ", in: String(line)),
                  let gamma = LogNumbers.after("gamma ", in: String(line)) else { continue }
            bySeed[seed, default: []].append((a, accuracy, gamma, line.hasSuffix("best so far")))
        }
        return bySeed.keys.sorted().map { bySeed[$0]! }
    }

    @Test(arguments: [0.8, 0.5]) func theChosenIntervalIsTheMostAccurateFairEnoughOne(tau: Double) throws {
        let result = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--methods", "meta-fair-sr,meta-fair-fdr", "--seeds", "2", "--bootstrap", "0",
            "--param", "meta-fair-sr.tau=\(tau)", "--param", "meta-fair-fdr.tau=\(tau)", "--verbose",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        for method in ["meta-fair-sr", "meta-fair-fdr"] {
            let seeds = Self.intervals(result.stderr, method: method)
            #expect(seeds.count == 2, "\(method): \(result.stderr)")
            for intervals in seeds {
                // a = (10k) · 0.01, as AIF360 computes it (0.7000000000000001 for k = 7).
                #expect(intervals.map(\.a) == (0..<(tau == 0.8 ? 8 : 5)).map { Double(10 * $0) * 0.01 })
                // "best so far" exactly where the interval beats every earlier qualifying one.
                var best = 0.0
                for interval in intervals {
                    let replaces = best < interval.accuracy && interval.gamma >= tau - 0.2
                    #expect(interval.best == replaces, "\(method) a = \(interval.a)")
                    if replaces { best = interval.accuracy }
                }
            }
        }
        #expect(result.stdout.contains("| meta-fair-sr ") && result.stdout.contains("| meta-fair-fdr "))
    }

    @Test func atTauZeroNothingIsSearched() throws {
        let result = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--methods", "meta-fair-sr", "--bootstrap", "0", "--param", "meta-fair-sr.tau=0", "--verbose",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.intervals(result.stderr, method: "meta-fair-sr").isEmpty)
        #expect(result.stderr.contains("meta-fair chose [0.0, 0.0] with lambda 0.0, 0.0"), "\(result.stderr)")
    }
}
