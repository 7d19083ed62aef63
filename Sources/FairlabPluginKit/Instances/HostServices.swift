import CFairlabPlugin

/// The host's services (`fl_host`) as Swift calls: logging, the seeded random stream, BLAS and the host's
/// base learner. Valid while the instance lives; call only from inside a host call.
public struct HostServices: @unchecked Sendable {
    let host: UnsafePointer<fl_host>
    /// The host's BLAS table, as the host declared it (copied once): a host before ABI 7 has no `sgemm`, which is
    /// then nil.
    public let blas: fl_blas

    init(_ host: UnsafePointer<fl_host>) {
        self.host = host
        blas = declaredStruct(host.pointee.blas)
    }

    /// Logs one line.
    public func log(_ message: String, level: Int32 = FL_LOG_INFO) {
        host.pointee.log(host.pointee.context, level, message)
    }

    /// A uniform double in [0, 1) from this instance's seeded stream.
    public func randomUniform() -> Double { host.pointee.random_uniform(host.pointee.context) }

    /// Trains the host's base learner (labels nil for clustering data, which has none); returns a model handle to
    /// use with `baseLearnerScores`.
    public func fitBaseLearner(features: UnsafePointer<fl_matrix>, labels: [Double]?, weights: [Double]?) throws -> fl_model {
        let learner = host.pointee.learner.pointee
        var model: fl_model = 0
        try callingHost { error in
            withOptionalBuffer(labels) { y in
                withOptionalBuffer(weights) { w in learner.fit(learner.context, features, y, w, &model, error) }
            }
        }
        return model
    }

    /// Calls `body` with the base address of `values`, or NULL for nil.
    private func withOptionalBuffer<R>(_ values: [Double]?, _ body: (UnsafePointer<Double>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
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

    /// The host's learner-control extension, or an error naming what is missing (a host older than it).
    private func learnerControl() throws -> fl_learner_control {
        guard let table = host.pointee.get_extension(host.pointee.context, FL_EXTENSION_LEARNER_CONTROL) else {
            throw PluginError.unsupported("this fairlab host has no \(FL_EXTENSION_LEARNER_CONTROL) extension")
        }
        return table.assumingMemoryBound(to: fl_learner_control.self).pointee
    }

    /// Trains the host's base learner with `options` (its C, tolerance, iteration cap, warm start).
    public func fitBaseLearner(features: UnsafePointer<fl_matrix>, labels: [Double]?, weights: [Double]?, options: LearnerOptions) throws -> fl_model {
        let control = try learnerControl(), context = host.pointee.learner.pointee.context
        var table = fl_learner_options(
            struct_size: UInt32(MemoryLayout<fl_learner_options>.size), abi_version: FAIRLAB_ABI_VERSION,
            inverse_regularization: options.inverseRegularization, tolerance: options.tolerance,
            max_iterations: Int32(clamping: options.maxIterations), reserved: 0, warm_start: options.warmStart ?? 0)
        var model: fl_model = 0
        try callingHost { error in
            withOptionalBuffer(labels) { y in
                withOptionalBuffer(weights) { w in control.fit_with_options(context, features, y, w, &table, &model, error) }
            }
        }
        return model
    }

    /// A model's coefficients (`features` of them: one per feature) and intercept; for a k-means model (clustering
    /// data) the k × features centres, column-major (pass k × features), and the fit's inertia.
    public func baseLearnerCoefficients(_ model: fl_model, features: Int) throws -> (coefficients: [Double], intercept: Double) {
        let control = try learnerControl(), context = host.pointee.learner.pointee.context
        var coefficients = [Double](repeating: 0, count: features), intercept = 0.0
        try callingHost { error in
            coefficients.withUnsafeMutableBufferPointer { control.coefficients(context, model, $0.baseAddress, Int64(features), &intercept, error) }
        }
        return (coefficients, intercept)
    }

    /// The iterations a model's fit took (Newton steps; Lloyd iterations for k-means).
    public func baseLearnerIterations(_ model: fl_model) throws -> Int {
        let control = try learnerControl()
        let iterations = control.iterations(host.pointee.learner.pointee.context, model)
        guard iterations >= 0 else { throw PluginError.invalidInput("unknown model handle \(model)") }
        return Int(iterations)
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
