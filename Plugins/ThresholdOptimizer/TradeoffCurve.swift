/// One group's trade-off between two rates as its threshold on the baseline's score moves (Hardt, Price &
/// Srebro 2016, as Fairlearn 0.15's `ThresholdOptimizer` builds it), its upper convex hull, and the hull read
/// off a grid of x values.

/// A thresholding rule: predict 1 when `score > threshold` (or `score < threshold` for flipped points).
struct Threshold: Equatable {
    var value: Double
    var below: Bool

    func predictsFavorable(_ score: Double) -> Bool { below ? score < value : score > value }
}

/// Confusion counts of one group at one threshold.
struct Counts {
    var truePositives: Double, falsePositives: Double, trueNegatives: Double, falseNegatives: Double
}

/// The rates a curve's axes and the objectives are made of, computed from counts exactly as Fairlearn's
/// metric functions do (same operations, same order, so the same doubles).
enum Rate: String, CaseIterable {
    case selectionRate = "selection_rate"
    case truePositiveRate = "true_positive_rate"
    case falsePositiveRate = "false_positive_rate"
    case trueNegativeRate = "true_negative_rate"
    case falseNegativeRate = "false_negative_rate"
    case accuracy = "accuracy_score"
    case balancedAccuracy = "balanced_accuracy_score"

    func value(_ c: Counts) -> Double {
        let n = c.truePositives + c.trueNegatives + c.falsePositives + c.falseNegatives
        switch self {
        case .selectionRate: return (c.truePositives + c.falsePositives) / n
        case .truePositiveRate: return c.truePositives / (c.truePositives + c.falseNegatives)
        case .falsePositiveRate: return c.falsePositives / (c.trueNegatives + c.falsePositives)
        case .trueNegativeRate: return c.trueNegatives / (c.trueNegatives + c.falsePositives)
        case .falseNegativeRate: return c.falseNegatives / (c.truePositives + c.falseNegatives)
        case .accuracy: return (c.truePositives + c.trueNegatives) / n
        case .balancedAccuracy:
            return 0.5 * c.truePositives / (c.truePositives + c.falseNegatives) + 0.5 * c.trueNegatives / (c.trueNegatives + c.falsePositives)
        }
    }
}

/// A point of a trade-off curve and the threshold that reaches it.
struct CurvePoint {
    var x: Double
    var y: Double
    var threshold: Threshold
}

/// The hull read at one grid value: a mix of two hull points, `p0` of `threshold0` and `p1` of `threshold1`.
struct Interpolated {
    var x: Double
    var y: Double
    var p0: Double
    var threshold0: Threshold
    var p1: Double
    var threshold1: Threshold

    /// P(ŷ = 1) for `score`.
    func probability(_ score: Double) -> Double {
        p0 * (threshold0.predictsFavorable(score) ? 1 : 0) + p1 * (threshold1.predictsFavorable(score) ? 1 : 0)
    }
}

enum TradeoffCurve {
    /// Every threshold between distinct scores of one group (and ±∞), with its (x, y), sorted by (x, y).
    /// Tied scores move together; with `flip`, each point is followed by its complement (`score < t`).
    static func points(scores: [Double], labels: [Double], x: Rate, y: Rate, flip: Bool) -> [CurvePoint] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let positives = labels.reduce(0, +), negatives = Double(labels.count) - positives
        var points: [CurvePoint] = []
        func add(_ tp: Double, _ fp: Double, _ threshold: Double) {
            let counts = Counts(truePositives: tp, falsePositives: fp, trueNegatives: negatives - fp, falseNegatives: positives - tp)
            points.append(CurvePoint(x: x.value(counts), y: y.value(counts), threshold: Threshold(value: threshold, below: false)))
            if flip {
                let flipped = Counts(truePositives: positives - tp, falsePositives: negatives - fp, trueNegatives: fp, falseNegatives: tp)
                points.append(CurvePoint(x: x.value(flipped), y: y.value(flipped), threshold: Threshold(value: threshold, below: true)))
            }
        }
        add(0, 0, .infinity)
        var truePositives = 0.0, falsePositives = 0.0
        var index = 0
        while index < order.count {
            let score = scores[order[index]]
            while index < order.count, scores[order[index]] == score {
                if labels[order[index]] == 1 { truePositives += 1 } else { falsePositives += 1 }
                index += 1
            }
            let next = index < order.count ? scores[order[index]] : -Double.infinity
            add(truePositives, falsePositives, (score + next) / 2)
        }
        // A stable sort by (x, y): equal points keep the order they were made in.
        return points.enumerated().sorted { a, b in
            (a.element.x, a.element.y, a.offset) < (b.element.x, b.element.y, b.offset)
        }.map(\.element)
    }

    /// The upper convex hull of points sorted by (x, y) (Andrew's monotone chain): a point on or below the line
    /// between its neighbours is dropped.
    static func upperHull(_ points: [CurvePoint]) -> [CurvePoint] {
        var hull: [CurvePoint] = []
        for r2 in points {
            while hull.count >= 2 {
                let r0 = hull[hull.count - 2], r1 = hull[hull.count - 1]
                if (r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x) { hull.removeLast() } else { break }
            }
            hull.append(r2)
        }
        return hull
    }

    /// `gridSize + 1` values from 0 to 1, as `numpy.linspace(0, 1, gridSize + 1)` makes them (i · (1/gridSize),
    /// the last exactly 1): the same doubles, so the same choices.
    static func grid(size gridSize: Int) -> [Double] {
        let step = 1.0 / Double(gridSize)
        return (0...gridSize).map { $0 == gridSize ? 1.0 : Double($0) * step }
    }

    /// The hull at every grid value: between the hull points whose x bracket it, a grid value equal to a hull
    /// point's x (past the first) taking the segment that ends there.
    static func interpolate(_ hull: [CurvePoint], on grid: [Double]) -> [Interpolated] {
        grid.enumerated().map { index, x in
            var j = hull.lastIndex { $0.x <= x } ?? 0
            if index > 0, x == hull[j].x { j -= 1 }
            j = max(0, min(j, hull.count - 2))
            let left = hull[j], right = hull[j + 1]
            let p0 = (right.x - x) / (right.x - left.x)
            let p1 = 1 - p0
            return Interpolated(x: x, y: p0 * left.y + p1 * right.y, p0: p0, threshold0: left.threshold, p1: p1, threshold1: right.threshold)
        }
    }
}
