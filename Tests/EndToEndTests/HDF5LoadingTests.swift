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
}
