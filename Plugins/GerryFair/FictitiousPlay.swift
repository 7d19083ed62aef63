import CFairlabPlugin
import FairlabPluginKit

/// FairFictPlay (Kearns, Neel, Roth & Wu 2018, "Preventing fairness gerrymandering", Algorithm 4) with the
/// oracles of AIF360's GerryFairClassifier: a Learner and an Auditor play a zero-sum game over the Lagrangian of
/// "no subgroup's false-positive (or false-negative) rate is more than γ from the overall one, weighted by its
/// size". Each round the Learner best-responds to the Auditor's average play with a cost-sensitive classifier
/// (least squares on the cost of predicting 1 minus that of predicting 0, predicting 1 where it is negative),
/// and the Auditor best-responds to the Learner's average classifier with the subgroup, a linear threshold of
/// the protected attributes found by least squares, whose rate departs most from the overall one; its
/// multiplier is C on that group. The result is the uniform mixture of the Learner's classifiers.
///
/// Rates are those of the audited rows: the negatives (y = 0) for false positives, the positives for false
/// negatives (whose "rate" is then 1 − the prediction). One departure from AIF360 0.6.1, whose `update_costs`
/// resets its row counter inside the loop and so charges every audited row the group cost of the first one: here
/// each row's cost uses its own membership, as the paper's Lagrangian does.
struct FictitiousPlay {
    /// Which error rate is equalised across subgroups.
    enum Rate: String { case falsePositive = "FP", falseNegative = "FN" }

    /// One round's record.
    struct Round {
        /// Mean |average prediction − label| of the Learner's average classifier after this round.
        let error: Double
        /// The Auditor's group: its share of all rows times |its rate − the overall rate|.
        let weightedDisparity: Double
    }

    /// The Learner's classifiers, in order: each predicts 1 where its fitted cost difference is negative.
    private(set) var hypotheses: [LeastSquares.Fit] = []
    private(set) var rounds: [Round] = []

    /// Plays up to `maximumIterations` − 1 rounds (AIF360's count), stopping early as AIF360 does when `earlyStop`:
    /// after five rounds, once the error or the disparity repeats exactly and the disparity is below γ.
    init(
        features x: UnsafePointer<Double>, rows n: Int, cols p: Int, leading: Int, labels y: [Double], protected: [Int],
        rate: Rate, c: Double, gamma: Double, maximumIterations: Int, earlyStop: Bool, blas: fl_blas,
        log: (String) -> Void
    ) {
        let nd = Double(n)
        // The audited rows: label 0 for false positives, label 1 for false negatives.
        let audited = (0..<n).filter { rate == .falsePositive ? y[$0] == 0 : y[$0] == 1 }
        let m = audited.count, q = protected.count
        var auditFeatures = [Double](repeating: 0, count: m * q)
        for (k, column) in protected.enumerated() {
            for (r, i) in audited.enumerated() { auditFeatures[r + k * m] = x[i + column * leading] }
        }
        let learner = LeastSquares(x, rows: n, cols: p, leading: leading, blas: blas)
        let auditor = auditFeatures.withUnsafeBufferPointer { LeastSquares($0.baseAddress!, rows: m, cols: q, leading: max(m, 1), blas: blas) }

        // The Learner's cost of predicting 1 minus that of predicting 0, per row: 1/n for an audited row (its
        // error), −1/n for the others (their error is predicting 0). `auditCost` is an audited row's cost of the
        // audited error, which the Auditor's groups move.
        let sign = rate == .falsePositive ? 1.0 : -1.0
        var auditCost = [Double](repeating: 1 / nd, count: m)
        var difference = [Double](repeating: -sign / nd, count: n)
        for (r, i) in audited.enumerated() { difference[i] = sign * auditCost[r] }
        var average = [Double](repeating: 0, count: n)

        for t in 1..<maximumIterations {
            let hypothesis = learner.fit(difference, on: x, leading: leading)
            hypotheses.append(hypothesis)
            let fitted = LeastSquares.predict(hypothesis, x, rows: n, leading: leading, blas: blas)
            let td = Double(t)
            var error = 0.0
            for i in 0..<n {
                average[i] = average[i] * ((td - 1) / td) + (fitted[i] < 0 ? 1 : 0) / td
                error += abs(average[i] - y[i])
            }
            error /= nd

            // The Auditor: the audited rows' rates, the overall rate, and the group on either side of it.
            let rates = audited.map { rate == .falsePositive ? average[$0] : 1 - average[$0] }
            let overall = rates.reduce(0, +) / Double(max(m, 1))
            let shortfall = rates.map { ($0 - overall) / nd }
            let fit = auditor.fit(shortfall, on: auditFeatures, leading: max(m, 1))
            let leaning = auditFeatures.withUnsafeBufferPointer { LeastSquares.predict(fit, $0.baseAddress!, rows: m, leading: max(m, 1), blas: blas) }
            func group(_ member: (Double) -> Bool) -> (members: [Bool], share: Double, rate: Double, weighted: Double) {
                let members = leaning.map(member)
                let count = members.filter { $0 }.count
                let rate = count == 0 ? 0 : zip(rates, members).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } / Double(count)
                let share = Double(count) / nd
                return (members, share, rate, abs(rate - overall) * share)
            }
            let below = group { $0 < 0 }, above = group { $0 > 0 }
            // AIF360 prefers the group below the overall rate on a tie; its multiplier then has direction +1.
            let (chosen, direction) = above.weighted > below.weighted ? (above, -1.0) : (below, 1.0)

            let memberShare = Double(chosen.members.filter { $0 }.count) / Double(max(m, 1))
            let active = abs(chosen.weighted) >= gamma
            for r in 0..<m {
                let groupCost = active ? direction * c / (nd * td) * (memberShare - (chosen.members[r] ? 1 : 0)) : 0
                auditCost[r] = (auditCost[r] - 1 / nd) * ((td - 1) / td) + groupCost + 1 / nd
                difference[audited[r]] = sign * auditCost[r]
            }
            rounds.append(Round(error: error, weightedDisparity: chosen.weighted))
            log("gerryfair round \(t): error \(error); weighted disparity \(chosen.weighted) (group of \(chosen.share) of the rows, rate \(chosen.rate) against \(overall))")
            if earlyStop, rounds.count >= 5, chosen.weighted < gamma {
                let previous = rounds[rounds.count - 2]
                if error == previous.error || chosen.weighted == previous.weightedDisparity { break }
            }
        }
    }
}
