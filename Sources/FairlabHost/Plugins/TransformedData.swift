import FairlabCore

/// What a pre-processing transform made of its data: training rows may have been added (ABI 3's
/// `append_rows`), so every part has the transformed row count.
struct TransformedData {
    /// The features, rows x (possibly resized) columns.
    var features: Matrix
    /// The labels, nil where the data's labels were hidden.
    var labels: [Double]?
    /// Instance weights.
    var weights: [Double]
    /// Group codes, nil where the data's groups were not given to the transform.
    var groupCodes: [Int32]?
}
