/// The rows a Hessian's Gram matrix is formed over: all of them, or a systematic quarter (the first 64 rows of every
/// 256, so each column is still read in contiguous runs, and the Gram's products, its cost, are a quarter), whose
/// sums count four times. Newton's method far from the optimum needs only the Hessian's rough shape (its step is
/// line-searched against the exact objective, and the stopping test uses the exact gradient and a step from every
/// row), which is what subsampled Newton methods exploit (Roosta-Khorasani & Mahoney 2019).
struct RowSample: Equatable {
    /// Rows in each taken run.
    static let run = 64
    /// One run is taken out of this many.
    static let period = 4

    /// Whether only a quarter of the rows is taken.
    let isQuarter: Bool

    /// Every row.
    static let all = RowSample(isQuarter: false)
    /// The first `run` rows of every `run · period`.
    static let quarter = RowSample(isQuarter: true)

    /// What each taken row's sums are multiplied by.
    var weight: Double { isQuarter ? Double(Self.period) : 1 }

    /// The taken rows of a matrix of `rows` rows, as ascending ranges.
    func ranges(rows: Int) -> [Range<Int>] {
        guard isQuarter else { return rows > 0 ? [0..<rows] : [] }
        return stride(from: 0, to: rows, by: Self.run * Self.period).map { $0..<min($0 + Self.run, rows) }
    }

    /// How many rows are taken of `rows`.
    func count(rows: Int) -> Int { ranges(rows: rows).reduce(0) { $0 + $1.count } }
}
