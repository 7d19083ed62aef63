import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing for clustering: group-aware oversampling before k-means. Every training row of group g is
/// counted n_max / n_g times (its weight), n_max being the largest group's row count, so each group weighs in
/// k-means' centres as much as the largest; a weight of 3 is exactly three copies of the row to weighted k-means,
/// and a fraction is a fractional copy. Features pass through; test rows are not touched.
final class ClusterOversampling: FairlabMethod {
    func fit(train: DataView, validation: DataView?) throws {
        _ = try train.requireGroupCodes()
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        // Only the training rows come with their group codes to rewrite: test rows keep weight 1.
        guard output.groupCodes != nil else { return }
        let codes = try data.requireGroupCodes()
        var counts = [Double](repeating: 0, count: data.groups.count)
        for i in 0..<data.rows { counts[Int(codes[i])] += 1 }
        let largest = counts.max() ?? 0
        let weights = output.weights
        for i in 0..<data.rows { weights[i] *= largest / counts[Int(codes[i])] }
    }
}
