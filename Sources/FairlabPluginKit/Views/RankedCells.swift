import CFairlabPlugin

/// The four cells (privileged or not × label) of a training set, with each row's score from a ranker: the
/// host's base learner fitted on the same rows. Kamiran & Calders' massaging and preferential sampling both
/// act on the rows of these cells nearest the decision boundary.
public struct RankedCells {
    /// P(favourable) of every row, from the ranker.
    public let scores: [Double]
    /// Per row: 0 privileged, 1 unprivileged (AIF360's sides; `PrivilegedSides`).
    public let sides: [Int]
    public let labels: [Double]

    /// Fits the ranker on `data` (labels required) and scores its rows.
    public init(_ data: DataView, host: HostServices) throws {
        let labels = Array(try data.requireLabels()), codes = try data.requireGroupCodes()
        let model = try host.fitBaseLearner(features: data.matrix, labels: labels, weights: nil)
        scores = try host.baseLearnerScores(model, features: data.matrix)
        let split = PrivilegedSides(data.groups, host: host)
        sides = codes.map { split.index($0) }
        self.labels = labels
    }

    /// The rows of one cell.
    public func rows(side: Int, label: Double) -> [Int] {
        scores.indices.filter { sides[$0] == side && labels[$0] == label }
    }

    /// Rows of one cell from the most to the least borderline: positives by rising score, negatives by falling
    /// score (a positive with a low score is the likeliest to be misjudged), the lower row first on ties.
    public func borderlineFirst(side: Int, label: Double) -> [Int] {
        rows(side: side, label: label).sorted { a, b in
            scores[a] != scores[b] ? (label == 1 ? scores[a] < scores[b] : scores[a] > scores[b]) : a < b
        }
    }

    /// Number of rows on `side`.
    public func count(side: Int) -> Int { sides.filter { $0 == side }.count }
}

/// `x` rounded to the nearest integer, halves to even (numpy's and Python's `round`).
public func roundHalfToEven(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }
