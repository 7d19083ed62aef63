import CFairlabPlugin

/// The host's services (`fl_host`) as Swift calls: logging, the seeded random stream, BLAS and the host's
/// base learner. Valid while the instance lives; call only from inside a host call.
public struct HostServices: @unchecked Sendable {
    let host: UnsafePointer<fl_host>

    init(_ host: UnsafePointer<fl_host>) { self.host = host }

    /// Logs one line.
    public func log(_ message: String, level: Int32 = FL_LOG_INFO) {
        host.pointee.log(host.pointee.context, level, message)
    }

    /// A uniform double in [0, 1) from this instance's seeded stream.
    public func randomUniform() -> Double { host.pointee.random_uniform(host.pointee.context) }

    /// The host's BLAS table.
    public var blas: fl_blas { host.pointee.blas.pointee }

    /// Trains the host's base learner; returns a model handle to use with `baseLearnerScores`.
    public func fitBaseLearner(features: UnsafePointer<fl_matrix>, labels: [Double], weights: [Double]?) throws -> fl_model {
        let learner = host.pointee.learner.pointee
        var model: fl_model = 0
        try callingHost { error in
            labels.withUnsafeBufferPointer { y in
                if let weights {
                    return weights.withUnsafeBufferPointer { w in learner.fit(learner.context, features, y.baseAddress, w.baseAddress, &model, error) }
                }
                return learner.fit(learner.context, features, y.baseAddress, nil, &model, error)
            }
        }
        return model
    }

    /// Runs a host call with an error buffer, turning a failed status into a `PluginError`.
    private func callingHost(_ call: (UnsafeMutablePointer<fl_error>) -> fl_status) throws {
        var message = [CChar](repeating: 0, count: 512)
        let status = message.withUnsafeMutableBufferPointer { buffer in
            var error = fl_error(struct_size: UInt32(MemoryLayout<fl_error>.size), abi_version: FAIRLAB_ABI_VERSION,
                                 message: buffer.baseAddress, capacity: UInt32(buffer.count), reserved: 0)
            return call(&error)
        }
        guard status == FL_OK else { throw PluginError(status, "base learner: " + String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
    }

    /// Releases a model trained with `fitBaseLearner` (those not released go when the instance is destroyed).
    public func releaseBaseLearner(_ model: fl_model) {
        let learner = host.pointee.learner.pointee
        learner.release(learner.context, model)
    }

    /// Scores of a model trained with `fitBaseLearner`.
    public func baseLearnerScores(_ model: fl_model, features: UnsafePointer<fl_matrix>) throws -> [Double] {
        let learner = host.pointee.learner.pointee
        var scores = [Double](repeating: 0, count: Int(features.pointee.rows))
        try callingHost { error in
            scores.withUnsafeMutableBufferPointer { learner.predict_scores(learner.context, model, features, $0.baseAddress, error) }
        }
        return scores
    }
}
