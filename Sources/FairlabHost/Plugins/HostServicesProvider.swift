import CFairlabPlugin
import COpenBLAS
import FairlabCore
import Foundation

/// The host side of `fl_host`: one per method instance, holding its seeded random stream and the models it
/// trained through the base learner, which is the task's (`BaseLearner`): logistic regression for binary data,
/// ridge regression for regression data, k-means for clustering data. The C table points back at this object through `context`.
final class HostServicesProvider {
    private var generator: SeededGenerator
    /// The job's seed: every k-means fit draws its starts from the job's base-learner stream, as the baseline's
    /// does, so a method's k-means on the training rows is the baseline's clustering.
    private let seed: UInt64
    /// The learner the service fits: the task's, with the run's k and starts for clustering.
    private let learner: BaseLearner
    private var models: [fl_model: BaseLearner.Model] = [:]
    private var nextModel: fl_model = 1
    private let methodID: String
    private let blasTable: UnsafeMutablePointer<fl_blas>
    private let learnerTable: UnsafeMutablePointer<fl_learner>
    /// The `fairlab.learner-control/1` extension.
    private let learnerControlTable: UnsafeMutablePointer<fl_learner_control>
    private let hostTable: UnsafeMutablePointer<fl_host>
    private let versionString: UnsafeMutablePointer<CChar>
    private let learnerName: UnsafeMutablePointer<CChar>
    /// The feature matrices the host handed to the plugin call under way, read-only to it by the ABI: a fit on
    /// one of them prepares it once (`PreparedFeatures`), so a reduction's many refits share the design.
    private var handed: Set<HandedMatrix> = []
    private var prepared: [HandedMatrix: PreparedFeatures] = [:]
    /// Everything the method logged, in order, with its level (warnings are kept with its row as notes).
    private(set) var logged: [(level: Int32, text: String)] = []

    /// The `fl_host` to hand to `create`; valid while this object lives.
    var host: UnsafePointer<fl_host> { UnsafePointer(hostTable) }

    init(seed: UInt64, methodID: String, learner: BaseLearner = .for(.binary)) {
        generator = SeededGenerator(seed: seed, stream: "method:\(methodID)")
        self.seed = seed
        self.methodID = methodID
        self.learner = learner
        versionString = strdup(fairlabVersion)!
        learnerName = strdup(learner.serviceName)!
        blasTable = .allocate(capacity: 1)
        blasTable.initialize(to: fl_blas(
            struct_size: UInt32(MemoryLayout<fl_blas>.size), abi_version: FAIRLAB_ABI_VERSION,
            ddot: { n, x, incx, y, incy in cblas_ddot(n, x, incx, y, incy) },
            daxpy: { n, alpha, x, incx, y, incy in cblas_daxpy(n, alpha, x, incx, y, incy) },
            dscal: { n, alpha, x, incx in cblas_dscal(n, alpha, x, incx) },
            dgemv: { order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy in
                cblas_dgemv(CBLAS_ORDER(UInt32(order)), CBLAS_TRANSPOSE(UInt32(trans)), m, n, alpha, a, lda, x, incx, beta, y, incy)
            },
            dgemm: { order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                cblas_dgemm(CBLAS_ORDER(UInt32(order)), CBLAS_TRANSPOSE(UInt32(transA)), CBLAS_TRANSPOSE(UInt32(transB)),
                            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            },
            sgemm: { order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                cblas_sgemm(CBLAS_ORDER(UInt32(order)), CBLAS_TRANSPOSE(UInt32(transA)), CBLAS_TRANSPOSE(UInt32(transB)),
                            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            }))
        learnerTable = .allocate(capacity: 1)
        learnerControlTable = .allocate(capacity: 1)
        hostTable = .allocate(capacity: 1)
        let context = Unmanaged.passUnretained(self).toOpaque()
        learnerTable.initialize(to: fl_learner(
            struct_size: UInt32(MemoryLayout<fl_learner>.size), abi_version: FAIRLAB_ABI_VERSION, context: context,
            name: learnerName,
            fit: { context, features, labels, weights, model, error in
                guard let context, let features, let model else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "base learner fit: NULL argument")
                }
                return HostServicesProvider.from(context).fitModel(features.pointee, labels, weights, options: nil, model, error)
            },
            predict_scores: { context, model, features, scores, error in
                guard let context, let features, let scores else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "base learner predict: NULL argument")
                }
                return HostServicesProvider.from(context).predictModel(model, features.pointee, scores, error)
            },
            release: { context, model in
                guard let context else { return }
                HostServicesProvider.from(context).models[model] = nil
            }))
        learnerControlTable.initialize(to: fl_learner_control(
            struct_size: UInt32(MemoryLayout<fl_learner_control>.size), abi_version: FAIRLAB_ABI_VERSION,
            fit_with_options: { context, features, labels, weights, options, model, error in
                guard let context, let features, let model else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "base learner fit: NULL argument")
                }
                return HostServicesProvider.from(context).fitModel(features.pointee, labels, weights, options: options, model, error)
            },
            coefficients: { context, model, coefficients, count, intercept, error in
                guard let context, let coefficients, let intercept else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "base learner coefficients: NULL argument")
                }
                guard let fitted = HostServicesProvider.from(context).models[model] else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "unknown model handle \(model)")
                }
                let (values, constant) = fitted.parameters
                guard count == Int64(values.count) else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "the model has \(values.count) coefficients, not \(count)")
                }
                for (j, value) in values.enumerated() { coefficients[j] = value }
                intercept.pointee = constant
                return FL_OK
            },
            iterations: { context, model in
                guard let context, let fitted = HostServicesProvider.from(context).models[model] else { return -1 }
                return Int64(fitted.iterations)
            }))
        hostTable.initialize(to: fl_host(
            struct_size: UInt32(MemoryLayout<fl_host>.size), abi_version: FAIRLAB_ABI_VERSION, context: context,
            host_version: versionString,
            log: { context, level, message in
                guard let context, let message else { return }
                let provider = HostServicesProvider.from(context)
                let label = level >= FL_LOG_WARNING ? "warning" : level == FL_LOG_INFO ? "info" : "debug"
                let text = String(cString: message)
                provider.logged.append((level, text))
                FileHandle.standardError.write(Data("[\(provider.methodID)] \(label): \(text)\n".utf8))
            },
            random_bits: { context in HostServicesProvider.from(context!).generator.next() },
            random_uniform: { context in HostServicesProvider.from(context!).generator.nextUniform() },
            blas: blasTable, learner: learnerTable,
            get_extension: { context, id in
                guard let context, let id, String(cString: id) == FL_EXTENSION_LEARNER_CONTROL else { return nil }
                return UnsafeRawPointer(HostServicesProvider.from(context).learnerControlTable)
            }))
    }

    deinit {
        hostTable.deallocate()
        learnerTable.deallocate()
        learnerControlTable.deallocate()
        blasTable.deallocate()
        free(versionString)
        free(learnerName)
    }

    private static func from(_ context: UnsafeMutableRawPointer) -> HostServicesProvider {
        Unmanaged<HostServicesProvider>.fromOpaque(context).takeUnretainedValue()
    }

    /// Runs one plugin call that is handed `tables`; their matrices are forgotten after it, as their memory may
    /// then be reused.
    func handing<Result>(_ tables: [DataTable], _ call: () throws -> Result) rethrows -> Result {
        handed = Set(tables.map { HandedMatrix($0.features) })
        defer {
            handed = []
            prepared = [:]
        }
        return try call()
    }

    /// The learner's view of `features` (`matrix`, already read from them): prepared once per call when the host
    /// handed them, else afresh.
    private func preparedFeatures(_ features: fl_matrix, _ matrix: Matrix) throws -> PreparedFeatures {
        let key = HandedMatrix(features)
        guard handed.contains(key) else { return try PreparedFeatures(matrix) }
        if let ready = prepared[key] { return ready }
        let made = try PreparedFeatures(matrix)
        prepared[key] = made
        return made
    }

    private func fitModel(
        _ features: fl_matrix, _ labels: UnsafePointer<Double>?, _ weights: UnsafePointer<Double>?,
        options optionsTable: UnsafePointer<fl_learner_options>?,
        _ model: UnsafeMutablePointer<fl_model>, _ error: UnsafeMutablePointer<fl_error>?
    ) -> fl_status {
        do {
            // The plugin's view first: its sizes decide how much of `labels` and `weights` there is to read.
            let matrix = try Self.matrix(features)
            let n = matrix.rows
            var options = LogisticRegression.Options()
            var start: LogisticRegression?
            if let optionsTable {
                // The size first, read on its own: a smaller struct must not be copied whole.
                let size = UnsafeRawPointer(optionsTable).load(as: UInt32.self)
                guard size >= UInt32(MemoryLayout<fl_learner_options>.size) else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "fl_learner_options is \(size) bytes, version 1 has \(MemoryLayout<fl_learner_options>.size)")
                }
                let given = optionsTable.pointee
                guard given.inverse_regularization > 0, given.inverse_regularization.isFinite, given.tolerance >= 0, given.max_iterations >= 1 else {
                    return setError(error, FL_ERROR_INVALID_INPUT, "learner options: C must be positive and finite, the tolerance non-negative, max_iterations at least 1")
                }
                options.inverseRegularization = given.inverse_regularization
                options.relativeTolerance = given.tolerance
                options.maximumIterations = Int(given.max_iterations)
                if given.warm_start != 0 {
                    guard let warm = models[given.warm_start] else { return setError(error, FL_ERROR_INVALID_INPUT, "unknown warm-start model handle \(given.warm_start)") }
                    if case .logistic(let model) = warm { start = model }
                }
            }
            // Clustering data has no labels: a caller's are not even looked at.
            var labelValues: [Double]?
            if learner.task.hasLabels {
                guard let labels else { return setError(error, FL_ERROR_INVALID_INPUT, "base learner fit: NULL labels") }
                labelValues = Array(UnsafeBufferPointer(start: labels, count: n))
            }
            // k-means starts from a fresh copy of the baseline's stream: on the training rows, the baseline's clusters,
            // which a fair method then reassigns or rebuilds (the price of fairness against them).
            var starts = BaseLearner.stream(seed: seed)
            models[nextModel] = try learner.fit(
                features: matrix, labels: labelValues, weights: weights.map { Array(UnsafeBufferPointer(start: $0, count: n)) },
                options: options, start: start, prepared: learner.task == .binary ? preparedFeatures(features, matrix) : nil, random: &starts)
            model.pointee = nextModel
            nextModel += 1
            return FL_OK
        } catch let failure {
            return setError(error, FL_ERROR_INVALID_INPUT, "\(failure)")
        }
    }

    private func predictModel(
        _ model: fl_model, _ features: fl_matrix, _ scores: UnsafeMutablePointer<Double>, _ error: UnsafeMutablePointer<fl_error>?
    ) -> fl_status {
        guard let fitted = models[model] else { return setError(error, FL_ERROR_INVALID_INPUT, "unknown model handle \(model)") }
        do {
            let matrix = try Self.matrix(features)
            guard matrix.cols == fitted.featureCount else {
                return setError(error, FL_ERROR_INVALID_INPUT, "model has \(fitted.featureCount) features, data \(matrix.cols)")
            }
            for (i, score) in fitted.postProcessingScores(matrix).enumerated() { scores[i] = score }
            return FL_OK
        } catch let failure {
            return setError(error, FL_ERROR_INVALID_INPUT, "\(failure)")
        }
    }

    /// A plugin-described matrix as a `Matrix`, checking its shape first: a view of the plugin's buffer, valid
    /// for the length of the call, when its columns are contiguous (the usual case, and what fit and predict
    /// on host-handed features give); a packed copy when its leading dimension pads them.
    static func matrix(_ view: fl_matrix) throws -> Matrix {
        let rows = Int(view.rows), cols = Int(view.cols), ld = Int(view.leading_dimension)
        guard rows >= 0, cols >= 0, ld >= rows, rows <= Matrix.maximumDimension, cols <= Matrix.maximumDimension,
              rows == 0 || cols == 0 || view.data != nil else {
            throw FairlabError("invalid matrix view \(rows)x\(cols), leading dimension \(ld)")
        }
        guard rows > 0, cols > 0 else { return Matrix(rows: rows, cols: cols) }
        if ld == rows { return Matrix(rows: rows, cols: cols, viewing: view.data, owner: nil) }
        return Matrix(rows: rows, cols: cols) { target in
            for j in 0..<cols { for i in 0..<rows { target[i + j * rows] = view.data[i + j * ld] } }
        }
    }
}

/// A matrix the host handed to a plugin, identified by its memory and shape.
private struct HandedMatrix: Hashable {
    let data: UnsafePointer<Double>?
    let rows: Int64
    let cols: Int64
    let leadingDimension: Int64

    init(_ matrix: fl_matrix) {
        data = matrix.data
        rows = matrix.rows
        cols = matrix.cols
        leadingDimension = matrix.leading_dimension
    }
}

/// Writes `message` into a plugin-supplied error buffer and returns `status`.
func setError(_ error: UnsafeMutablePointer<fl_error>?, _ status: fl_status, _ message: String) -> fl_status {
    if let error, let buffer = error.pointee.message, error.pointee.capacity > 0 {
        let bytes = Array(message.utf8.prefix(Int(error.pointee.capacity) - 1))
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
    }
    return status
}
