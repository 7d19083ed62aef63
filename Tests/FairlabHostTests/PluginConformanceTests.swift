import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Every plugin library the build produced must pass the ABI conformance checks, and every mitigation method
/// must run end to end through a worker-free pipeline on German credit.
@Suite struct PluginConformanceTests {
    static var libraries: [String] { PluginCatalog.libraries(in: [TestEnvironment.productsFolder.path]).paths }

    @Test func theBuildHasTheBundledPlugins() {
        let names = Self.libraries.map { URL(fileURLWithPath: $0).lastPathComponent }
        for expected in ["libReweighing.so", "libFairLogisticRegression.so", "libGroupThresholds.so", "libStandardMetrics.so"] {
            #expect(names.contains(expected))
        }
    }

    @Test(arguments: libraries)
    func libraryConforms(_ path: String) throws {
        let library = try LoadedLibrary(path: path)
        let lib = library.library.pointee
        #expect(lib.abi_version == FAIRLAB_ABI_VERSION)
        #expect(lib.struct_size >= UInt32(MemoryLayout<fl_library>.size))
        let methods = try library.methods()
        #expect(!methods.isEmpty)
        for method in methods {
            #expect(!method.name.isEmpty && !method.version.isEmpty)
            // Defaults must be valid values of their own parameters.
            let parameters = try ResolvedParameters(method: method, overrides: [:])
            #expect(parameters.keys == method.parameters.map(\.key))
            // Unknown method ids are refused with a message, not a crash.
            let error = ErrorBuffer()
            var instance: UnsafePointer<fl_method>?
            let status = lib.create("no-such-method", nil, ParameterTable(parameters).pointer, &instance, error.pointer)
            #expect(status != FL_OK)
            _ = try MethodInstance(library: library, info: method, parameters: parameters, seed: 1)
        }
    }

    /// German prepared as a run's prepare step prepares it, for one seed, in `folder`, and the baseline's job on
    /// it, which also writes the baseline scores a post-processing job reads.
    static func preparedGerman(seed: UInt64, in folder: String) throws -> (job: MethodJob, split: SplitRecord) {
        try prepared("german", seed: seed, standardization: .all, in: folder)
    }

    /// `dataset`'s split for `seed`, prepared in `folder` with `standardization`.
    static func prepared(_ dataset: String, seed: UInt64, standardization: Standardization, in folder: String) throws -> (job: MethodJob, split: SplitRecord) {
        let prepared = try RunPreparation.run(
            PrepareJob(datasetPath: TestEnvironment.dataset(dataset), protectedAttributes: [], seeds: [seed], standardization: standardization, folder: folder),
            progress: { _ in })
        return (MethodJob(splitPath: prepared.splitPaths[0], seed: seed, baselineScoresPath: folder + "/baseline-scores.f64"), prepared.splits[0])
    }

    @Test(arguments: ["reweighing", "fair-logreg", "group-thresholds"])
    func mitigationRunsOnGerman(_ id: String) throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var (job, split) = try Self.preparedGerman(seed: 3, in: folder)
        _ = try MethodExecution.run(job)
        let library = Self.libraries.compactMap { try? LoadedLibrary(path: $0) }.first { (try? $0.methods().contains { $0.id == id }) == true }
        let method = try #require(try library?.methods().first { $0.id == id })
        job.method = method
        job.parameters = try ResolvedParameters(method: method, overrides: [:])
        let outcome = try MethodExecution.run(job)
        #expect(outcome.predictions.count == split.test.count)
        #expect(outcome.predictions.allSatisfy { $0 == 0 || $0 == 1 })
        // Every method here should still predict both classes on German credit.
        #expect(Set(outcome.predictions).count == 2)
        // Same seed, same result: randomised post-processing draws from the host's seeded stream.
        #expect(try MethodExecution.run(job).predictions == outcome.predictions)
    }

    @Test func fairLogisticRegressionWithoutPenaltyIsTheBaseline() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var (job, _) = try Self.preparedGerman(seed: 5, in: folder)
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("FairLogisticRegression"))
        let method = try #require(try library.methods().first)
        let baseline = try MethodExecution.run(job)
        job.method = method
        job.parameters = try ResolvedParameters(method: method, overrides: ["fairness_weight": "0"])
        let unpenalised = try MethodExecution.run(job)
        let largestScoreGap = zip(baseline.scores!, unpenalised.scores!).map { abs($0 - $1) }.max()!
        // Two solvers, each stopping at its own tolerance: the same optimum to well below any score that matters.
        #expect(largestScoreGap < 1e-7, "λ = 0 scores differ from the baseline by \(largestScoreGap)")
    }

    /// fair-logreg reaches the optimum of its objective, whatever λ: its coefficients, read back through
    /// predictions on the unit vectors (score(0) = σ(b), score(eⱼ) = σ(βⱼ + b)), zero the objective's gradient
    /// as computed here from the definition on the training rows. Adult with its one-hot columns left 0/1 is 15 %
    /// non-zero, so its products go over its non-zero values; German with every column standardised has no zero,
    /// and is compressed less each column's most common value, every product corrected (`FeatureMatrix`; its
    /// tests set the corrected products against the dense ones).
    @Test(arguments: [("german", 1.0), ("german", 10), ("german", 100), ("adult", 10)])
    func fairLogisticRegressionStopsAtAStationaryPoint(_ dataset: String, _ lambda: Double) throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (job, _) = try Self.prepared(dataset, seed: 2, standardization: dataset == "adult" ? .numeric : .all, in: folder)
        let split = try PreparedSplit.read(from: job.splitPath)
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("FairLogisticRegression"))
        let method = try #require(try library.methods().first)
        let instance = try MethodInstance(
            library: library, info: method, parameters: try ResolvedParameters(method: method, overrides: ["fairness_weight": "\(lambda)", "c": "2"]),
            seed: 1)
        let groups = GroupsTable(names: split.groupNames, privileged: split.groupPrivileged)
        let train = split.train
        try instance.fit(
            train: DataTable(features: train.features, labels: train.labels, scores: nil, weights: nil, groupCodes: train.groupCodes, groups: groups),
            validation: nil)
        let p = train.features.cols
        let probes = Matrix(rows: p + 1, cols: p) { values in
            values.initialize(repeating: 0)
            for j in 0..<p { values[(j + 1) + j * (p + 1)] = 1 }
        }
        let probed = try #require(try instance.predict(
            DataTable(features: probes, labels: nil, scores: nil, weights: nil, groupCodes: nil, groups: groups), rows: p + 1).scores)
        func logit(_ s: Double) -> Double { log(s / (1 - s)) }
        let intercept = logit(probed[0])
        let beta = (0..<p).map { logit(probed[$0 + 1]) - intercept }

        // The gradient of (1/n) Σ ℓᵢ + ‖β‖²/(2Cn) + λ·gap² (C = 2, as asked), gap = mean_unprivileged σ(z) − mean_privileged σ(z).
        let n = train.labels.count
        let privileged = train.groupCodes.map { split.groupPrivileged[Int($0)] }
        let unprivilegedCount = Double(privileged.filter { !$0 }.count), privilegedCount = Double(privileged.filter { $0 }.count)
        let z = train.features.multiplied(by: beta).map { $0 + intercept }
        let probability = z.map { 1 / (1 + exp(-$0)) }
        let gapFactor = privileged.map { $0 ? -1 / privilegedCount : 1 / unprivilegedCount }
        let gap = (0..<n).map { gapFactor[$0] * probability[$0] }.reduce(0, +)
        let row = (0..<n).map { i in
            (probability[i] - train.labels[i]) / Double(n) + 2 * lambda * gap * gapFactor[i] * probability[i] * (1 - probability[i])
        }
        var gradient = train.features.transposeMultiplied(by: row)
        for j in 0..<p { gradient[j] += beta[j] / (2 * Double(n)) }  // ‖β‖² / (2Cn) with C = 2
        gradient.append(row.reduce(0, +))
        let largest = gradient.map(abs).max()!
        #expect(largest < 1e-7, "\(dataset), λ = \(lambda): largest gradient entry \(largest)")
        #expect(instance.logged.contains { $0.text.hasPrefix("products go over") && $0.text.hasSuffix("(sparse)") }, "\(instance.logged.map(\.text))")
    }
}
