import FairlabTestSupport
import Foundation
import Testing

/// libhdf5 is opened when a process first reads or writes an HDF5 file, not when it starts: a command that reads
/// none (listing plugins, as every worker that runs a method does) never loads it or the ~30 libraries it
/// depends on, and one that reads a dataset does. The dynamic loader says which libraries it loads (LD_DEBUG=libs).
@Suite struct HDF5LoadingTests {
    private static func loadsHDF5(_ arguments: [String]) throws -> (loads: Bool, result: TestEnvironment.ProcessResult) {
        let result = try TestEnvironment.fairlab(arguments, environment: ["LD_DEBUG": "libs"])
        return (result.stderr.contains("find library=libhdf5"), result)
    }

    @Test func onlyACommandThatReadsAFileLoadsIt() throws {
        let listing = try Self.loadsHDF5(["plugins"])
        #expect(listing.result.status == 0, "\(listing.result.stderr.suffix(2000))")
        #expect(listing.result.stderr.contains("find library=libopenblas"), "the loader's report is missing: \(listing.result.stderr.prefix(500))")
        #expect(!listing.loads, "listing plugins loaded libhdf5")

        let inspection = try Self.loadsHDF5(["inspect", TestEnvironment.dataset("adult")])
        #expect(inspection.result.status == 0, "\(inspection.result.stderr.suffix(2000))")
        #expect(inspection.result.stdout.contains("30162 rows"), "\(inspection.result.stdout)")
        #expect(inspection.loads, "reading a dataset did not load libhdf5")
    }

    /// In a comparison only the step that reads the dataset loads it: not the workers that describe plugins, run
    /// methods or compute metrics (they read the prepared split, a plain file), and not the host unless it writes a
    /// results file (`--out`). Each process's loader report goes to a file of its own (LD_DEBUG_OUTPUT adds the
    /// pid), so the workers are seen too: the method and metric workers, copies of the worker template, in the
    /// template's report (a copy's loader writes to the file its template opened).
    @Test(arguments: [false, true])
    func onlyTheDatasetReaderAndAWritingHostLoadIt(writesResults: Bool) throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TestEnvironment.fairlab(
            ["compare", TestEnvironment.dataset("german"), "--methods", "reweighing", "--bootstrap", "0"] + (writesResults ? ["--out", folder + "/results.h5"] : []),
            environment: ["LD_DEBUG": "libs", "LD_DEBUG_OUTPUT": folder + "/loader"])
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let reports = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("loader.") }
            .map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }.filter { $0.contains("transferring control") }
        // The host, the plugin descriptions, the dataset's reader and the worker template with its copies.
        #expect(reports.count >= 4, "\(reports.count) processes reported")
        // The plugin is loaded by the description's worker and by the copies that ran the methods.
        #expect(reports.filter { $0.contains("libReweighing.so") }.count >= 2, "the method workers' loads are not reported")
        #expect(reports.allSatisfy { $0.contains("find library=libopenblas") })
        let loading = reports.filter { $0.contains("find library=libhdf5") }.count
        #expect(loading == (writesResults ? 2 : 1), "\(loading) of \(reports.count) processes loaded libhdf5")
    }
}
