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

    /// German prepared as a run's prepare step prepares it, for one seed, in a fresh folder, and the baseline's
    /// job on it, which also writes the baseline scores a post-processing job reads.
    static func preparedGerman(seed: UInt64) throws -> (job: MethodJob, split: SplitRecord) {
        let folder = try TemporaryFolder.make(prefix: "fairlab-conformance")
        let prepared = try RunPreparation.run(
            PrepareJob(datasetPath: TestEnvironment.dataset("german"), protectedAttributes: [], seeds: [seed], standardization: .all, folder: folder),
            progress: { _ in })
        return (MethodJob(splitPath: prepared.splitPaths[0], seed: seed, baselineScoresPath: folder + "/baseline-scores.f64"), prepared.splits[0])
    }

    @Test(arguments: ["reweighing", "fair-logreg", "group-thresholds"])
    func mitigationRunsOnGerman(_ id: String) throws {
        var (job, split) = try Self.preparedGerman(seed: 3)
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
        var (job, _) = try Self.preparedGerman(seed: 5)
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("FairLogisticRegression"))
        let method = try #require(try library.methods().first)
        let baseline = try MethodExecution.run(job)
        job.method = method
        job.parameters = try ResolvedParameters(method: method, overrides: ["fairness_weight": "0"])
        let unpenalised = try MethodExecution.run(job)
        let largestScoreGap = zip(baseline.scores!, unpenalised.scores!).map { abs($0 - $1) }.max()!
        #expect(largestScoreGap < 1e-8, "λ = 0 scores differ from the baseline by \(largestScoreGap)")
    }
}
