import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing for regression and clustering: weights every training row by n / (G · n_g), so that each of the
/// G groups with training rows carries the same total weight in the base learner's fit however few rows it has.
/// For regression, the counterpart of reweighing (whose weights balance group × label cells, which a real label
/// has none of); for clustering, group-aware oversampling before k-means (a weight of 3 is three copies of a row to
/// weighted k-means, and scaling every weight alike changes no centre). Features and labels pass through.
final class GroupBalance: FairlabMethod {
    func fit(train: DataView, validation: DataView?) throws {
        _ = try train.requireGroupCodes()
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard output.groupCodes != nil else { return }  // test rows (no group codes to rewrite): unchanged
        let codes = try data.requireGroupCodes()
        var counts = [Double](repeating: 0, count: data.groups.count)
        for i in 0..<data.rows { counts[Int(codes[i])] += 1 }
        let present = Double(counts.filter { $0 > 0 }.count)
        let weights = output.weights
        for i in 0..<data.rows { weights[i] *= Double(data.rows) / (present * counts[Int(codes[i])]) }
    }
}
