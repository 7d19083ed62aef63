import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing for regression: weights every training row by n / (G · n_g), so that each of the G groups with
/// training rows carries the same total weight in the base learner's loss however few rows it has. The
/// regression counterpart of reweighing (whose weights balance group × label cells, which a real label has
/// none of). Features and labels pass through.
final class GroupBalance: FairlabMethod {
    func fit(train: DataView, validation: DataView?) throws {
        _ = try train.requireGroupCodes()
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard output.labels != nil else { return }  // test rows: unchanged
        let codes = try data.requireGroupCodes()
        var counts = [Double](repeating: 0, count: data.groups.count)
        for i in 0..<data.rows { counts[Int(codes[i])] += 1 }
        let present = Double(counts.filter { $0 > 0 }.count)
        let weights = output.weights
        for i in 0..<data.rows { weights[i] *= Double(data.rows) / (present * counts[Int(codes[i])]) }
    }
}
