import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// fairlab runs foreign native code: every way a plugin can misbehave must cost only its own row, with the
/// reason, while every real method's row stays complete and correct.
@Suite(.serialized) struct ReliabilityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// Builds the misbehaving libraries (and a file that only pretends to be one) into a fresh folder.
    static func buildBadPlugins() throws -> String {
        let folder = try TestEnvironment.temporaryFolder()
        let header = TestEnvironment.packageRoot.appendingPathComponent("Sources/CFairlabPlugin/include").path
        for (source, library) in [("misbehaving_plugins.c", "libmisbehaving.so"), ("future_abi_plugin.c", "libfuture.so"), ("no_entry_plugin.c", "libnoentry.so"), ("bad_default_plugin.c", "libbaddefault.so")] {
            let compile = try TestEnvironment.run(
                "/usr/bin/env", ["cc", "-std=c11", "-shared", "-fPIC", "-I", header, "\(fixtures)/\(source)", "-o", "\(folder)/\(library)"])
            #expect(compile.status == 0, "cc \(source): \(compile.stderr)")
        }
        try "this is not a shared library".write(toFile: folder + "/libjunk.so", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func everyBadPluginCostsOnlyItsOwnRow() throws {
        let folder = try Self.buildBadPlugins()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--plugins", folder, "--jobs", "2", "--timeout", "4",
            "--memory-limit", "768", "--out", results,
        ])
        // The comparison finished, with failed rows: the status says so.
        #expect(run.status == 3, "stderr: \(run.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        func outcome(_ id: String) -> SeedOutcome? { record.methods.first { $0.id == id }?.outcomes.first }

        // The real methods are complete, and equal to a run without any bad plugin.
        let clean = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--out", results])
        #expect(clean.status == 0)
        let reference = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[1], from: results)
        for method in reference.methods {
            let mixed = try #require(outcome(method.id), "missing row \(method.id)")
            #expect(mixed.succeeded, "\(method.id): \(mixed.error)")
            #expect(mixed.predictions == method.outcomes[0].predictions, "\(method.id) changed next to bad plugins")
            #expect(mixed.metrics == method.outcomes[0].metrics)
        }

        let expectations: [(String, String)] = [
            ("bad-segfault", "crashed with SIGSEGV"),
            ("bad-abort", "crashed with SIGABRT"),
            ("bad-exit", "worker exited with status 3 without a result"),
            ("bad-exit-zero", "the worker ended without writing a result"),
            ("bad-hang", "timed out after 4 s"),
            ("bad-memory", "MiB of its 768 MiB memory limit"),
            ("bad-nan-scores", "predict returned 3 NaN scores"),
            ("bad-count", "predict wrote 199 predictions for 200 rows"),
            ("bad-labels", "predict returned 200 predictions that are not 0 or 1"),
            ("bad-error", "fit failed (numerical error): the solver diverged at iteration 7"),
            ("bad-error-silent", "fit failed (internal error) with no message"),
            // The features are a read-only mapping of the seed's prepared split, shared with the other jobs.
            ("bad-scribble", "crashed with SIGSEGV"),
            // Only training rows can grow (ABI 3), and every added row's group must exist.
            ("bad-grow-test", "append_rows refused test rows (status 2)"),
            ("bad-group-code", "transform wrote group code 99 at row"),
            // Every transformed value is checked (eight lanes at a time; the first bad one is named).
            ("bad-inf-feature", "transform wrote a non-finite feature (inf) at row 3, column 1"),
        ]
        for (id, reason) in expectations {
            let failed = try #require(outcome(id), "missing row \(id)")
            #expect(!failed.succeeded)
            #expect(failed.error.contains(reason), "\(id): \(failed.error)")
        }
        let libraryFailures = record.pluginFailures.map { "\($0.path): \($0.reason)" }.joined(separator: "\n")
        #expect(libraryFailures.contains("libfuture.so: the plugin was built for ABI version 99; this fairlab speaks ABI 1 to 7"))
        #expect(libraryFailures.contains("libnoentry.so: not a fairlab plugin: it exports no fairlab_plugin_entry function"))
        #expect(libraryFailures.contains("libjunk.so: cannot load the library"))
        #expect(libraryFailures.contains("libbaddefault.so: method bad-default has an invalid default: bad-default.rate=-1 is below its minimum 0.0"))
        // The table shows each reason on its own line.
        #expect(run.stdout.contains("- bad-hang: timed out after 4 s"))
    }

    @Test func librariesAnyoneCanReplaceAreRefused() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: TestEnvironment.pluginLibrary("Reweighing"), toPath: folder + "/libcopy.so")
        chmod(folder, 0o777)
        let refused = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("german"), "--plugins", folder, "--methods", "reweighing"])
        // It ran, but a plugin library could not be used: the status says so.
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("\(folder)/libcopy.so: refused: its folder \(folder) is world-writable"), "stderr: \(refused.stderr)")
        let allowed = try TestEnvironment.fairlab(
            ["compare", TestEnvironment.dataset("german"), "--plugins", folder, "--allow-world-writable-plugins", "--methods", "reweighing"])
        #expect(!allowed.stderr.contains("refused"))
        #expect(allowed.stderr.contains("is already provided by"))  // the copy now loads, and conflicts with the original
    }
}
