import CFairlabPlugin
import FairlabPluginKit

/// Post-processing for regression: shifts each group's predictions so that every group's mean prediction equals
/// the overall mean prediction, both measured on the baseline's predictions for the rows it is fitted on (the
/// validation split). The regression analogue of equalising selection rates: it removes the mean-price gap the
/// baseline shows, keeps each group's ranking and spread, and moves the overall mean by nothing on those rows.
final class GroupMeanShift: FairlabMethod {
    private var shifts: [Double] = []

    func fit(train: DataView, validation: DataView?) throws {
        let predictions = try train.requireScores(), codes = try train.requireGroupCodes()
        var sums = [Double](repeating: 0, count: train.groups.count), weights = sums
        for i in 0..<train.rows {
            sums[Int(codes[i])] += train.weight(i) * predictions[i]
            weights[Int(codes[i])] += train.weight(i)
        }
        let total = weights.reduce(0, +)
        guard total > 0 else { throw PluginError.invalidInput("no rows to fit the shifts on") }
        let overall = sums.reduce(0, +) / total
        // A group without fitting rows has no mean of its own to move: it keeps its predictions.
        shifts = zip(sums, weights).map { sum, weight in weight > 0 ? overall - sum / weight : 0 }
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let predictions = try data.requireScores(), codes = try data.requireGroupCodes()
        guard shifts.count == data.groups.count else { throw PluginError.invalidInput("predict before fit") }
        for i in 0..<data.rows { output.predictions[i] = predictions[i] + shifts[Int(codes[i])] }
    }
}
