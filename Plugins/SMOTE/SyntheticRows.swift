/// Rows a SMOTE fit decided to add to the training data: features row by row, with their labels and groups.
struct SyntheticRows {
    /// count × cols, row-major (one synthetic row after another).
    var features: [Double] = []
    var labels: [Double] = []
    var groupCodes: [Int32] = []

    var count: Int { labels.count }
}
