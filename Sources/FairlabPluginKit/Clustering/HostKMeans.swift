import CFairlabPlugin

extension HostServices {
    /// The centres of the host's k-means (its learner on clustering data: the run's k and starts) fitted on
    /// `features` with `weights` (nil: all 1), as k points; the model is released once its centres are read.
    public func kMeansCenters(of features: UnsafePointer<fl_matrix>, weights: [Double]?, clusters k: Int) throws -> Points {
        let model = try fitBaseLearner(features: features, labels: nil, weights: weights)
        defer { releaseBaseLearner(model) }
        let cols = Int(features.pointee.cols)
        // learner-control's coefficients of a k-means model are its k × features centres, column-major.
        return Points(rows: k, cols: cols, values: try baseLearnerCoefficients(model, features: k * cols).coefficients)
    }
}
