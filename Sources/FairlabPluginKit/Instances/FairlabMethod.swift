import CFairlabPlugin

/// A method implemented in Swift. Implement the calls your stage uses; the others report "unsupported".
/// Throw `PluginError` to fail with a status and message. See `fl_method` in fairlab_plugin.h for the order
/// in which the host calls these.
public protocol FairlabMethod: AnyObject {
    /// Learns from `train` (and `validation` when the method needs it).
    func fit(train: DataView, validation: DataView?) throws
    /// Pre-processing: rewrites `output`, which starts as a copy of `data`.
    func transform(_ data: DataView, output: TransformOutput) throws
    /// In- and post-processing: writes a prediction (and optionally a score) for every row.
    func predict(_ data: DataView, output: PredictionOutput) throws
    /// Metrics: reports values through `sink`.
    func evaluate(_ input: EvaluationInput, sink: MetricSink) throws
}

extension FairlabMethod {
    public func fit(train: DataView, validation: DataView?) throws {
        throw PluginError.unsupported("this method does not implement fit")
    }
    public func transform(_ data: DataView, output: TransformOutput) throws {
        throw PluginError.unsupported("this method does not implement transform")
    }
    public func predict(_ data: DataView, output: PredictionOutput) throws {
        throw PluginError.unsupported("this method does not implement predict")
    }
    public func evaluate(_ input: EvaluationInput, sink: MetricSink) throws {
        throw PluginError.unsupported("this method does not implement evaluate")
    }
}
