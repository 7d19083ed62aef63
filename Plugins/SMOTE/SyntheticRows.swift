/// Rows a SMOTE fit decided to add to the training data, each as the two training rows it lies between and where:
/// the features are computed when the transform writes them, straight into the host's buffer.
struct SyntheticRows {
    /// Training row each synthetic row starts from.
    var bases: [Int] = []
    /// Training row it moves towards (one of the base's nearest neighbours; the base itself in a cell of one row).
    var partners: [Int] = []
    /// How far, in [0, 1): features = base + gap · (partner − base).
    var gaps: [Double] = []
    var labels: [Double] = []
    var groupCodes: [Int32] = []

    var count: Int { labels.count }

    /// The nearer parent of row r, whose categories `categorical=nearest` copies.
    func nearer(_ r: Int) -> Int { gaps[r] < 0.5 ? bases[r] : partners[r] }
}
