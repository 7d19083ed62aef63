import FairlabCore
import Foundation

/// The baseline's scores on one seed's split, written by the baseline job for the seed's post-processing jobs:
/// on the rows a post-processor fits on (`PreparedSplit.fittingPart`) and on the test rows.
struct BaselineScores {
    let fitting: [Double]
    let test: [Double]

    func write(to path: String) throws {
        try DoubleArrays.write([fitting, test], to: path)
    }

    /// The scores at `path`, checked against the split's row counts. A missing file means the baseline failed on
    /// this seed.
    static func read(_ path: String, split: PreparedSplit) throws -> BaselineScores {
        guard access(path, F_OK) == 0 else {
            throw FairlabError("the baseline failed on this seed, so there are no baseline scores to post-process")
        }
        let arrays = try DoubleArrays.read(path, counts: [split.fittingPart.labels.count, split.test.labels.count])
        return BaselineScores(fitting: arrays[0], test: arrays[1])
    }
}

extension PreparedSplit {
    /// The rows a post-processor fits on: the validation rows, or the training rows when the split has none (a
    /// dataset's fixed split may not), whose scores are then in-sample.
    var fittingPart: Part { validation.labels.isEmpty ? train : validation }
}
