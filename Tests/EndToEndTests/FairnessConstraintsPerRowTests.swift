import FairlabTestSupport
import Foundation
import Testing

/// Zafar's fine-grained accuracy constraint (`fairness-constraints-accuracy.per_row`) through the host on German
/// credit: at γ = 1000 (his demo's) every seed ends at zero covariance with every row's constraint met and
/// multipliers only on binding rows (the dual's optimality certificate, logged), at a loss above the
/// unconstrained one; at γ = 0.5 no zero-covariance weights exist and the row fails with the reason, giving the
/// least covariance the rows' constraints allow.
@Suite struct FairnessConstraintsPerRowTests {
    @Test func zeroCovarianceWithinEveryRowsConstraintOrAReason() throws {
        let german = TestEnvironment.dataset("german")
        let base = ["compare", german, "--methods", "fairness-constraints-accuracy", "--seeds", "3", "--bootstrap", "0", "--verbose",
                    "--param", "fairness-constraints-accuracy.per_row=true"]
        let loose = try TestEnvironment.fairlab(base + ["--param", "fairness-constraints-accuracy.gamma=1000"])
        #expect(loose.status == 0, "\(loose.stderr)")
        let lines = loose.stderr.split(separator: "\n").map(String.init).filter { $0.contains("fairness constraints per row: ") }
        #expect(lines.count == 3, "\(loose.stderr)")
        for line in lines {
            let binding = try #require(LogNumbers.after("row constraints, ", in: line))
            let violation = try #require(LogNumbers.after("largest violation ", in: line))
            let complementarity = try #require(LogNumbers.after("largest complementarity λ·slack ", in: line))
            let loss = try #require(LogNumbers.after("; loss ", in: line)), unconstrained = try #require(LogNumbers.after("(unconstrained ", in: line))
            let covariance = try #require(LogNumbers.after("largest |covariance| ", in: line))
            #expect(binding >= 1 && violation <= 1e-5 && complementarity <= 1e-6, "\(line)")
            #expect(covariance < 1e-12 && loss > unconstrained, "\(line)")
        }
        let tight = try TestEnvironment.fairlab(base + ["--param", "fairness-constraints-accuracy.gamma=0.5"])
        #expect(tight.status == 3, "\(tight.stderr)")
        // The reason says how close the constraints let the covariance come (a linear program), below the unconstrained one.
        let reasons = tight.stderr.split(separator: "\n").map(String.init).filter { $0.contains("FAILED") }
        #expect(reasons.count == 3, "\(tight.stderr)")
        for reason in reasons {
            #expect(reason.contains("no weights of zero covariance keep every row within its constraint at gamma 0.5"), "\(reason)")
            let least = try #require(LogNumbers.after("the least largest |covariance| they allow is ", in: reason))
            let unconstrained = try #require(LogNumbers.after("(the unconstrained weights' ", in: reason))
            #expect(least > 0 && least < unconstrained, "\(reason)")
        }
    }
}
