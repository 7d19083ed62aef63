@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// `fairlab plugins` says which tasks each method handles, what it needs and each parameter's bounds; a library left in the build folder
/// after its plugin's folder was removed is reported, not run.
@Suite struct PluginListingTests {
    @Test func listingShowsNeedsAndBounds() throws {
        let listing = try TestEnvironment.fairlab(["plugins"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        let equalizedOdds = try #require(lines.firstIndex { $0.hasPrefix("eq-odds [post]") })
        #expect(lines[equalizedOdds + 1] == "    tasks: binary", "\(lines[equalizedOdds + 1])")
        #expect(lines[equalizedOdds + 2].contains("needs:") && lines[equalizedOdds + 2].contains("the baseline's scores"), "\(lines[equalizedOdds + 2])")
        let fairRidge = try #require(lines.firstIndex { $0.hasPrefix("fair-ridge [in]") })
        #expect(lines[fairRidge + 1] == "    tasks: regression", "\(lines[fairRidge + 1])")
        // The C plugin's positional descriptor names its task; a C plugin from before ABI 5 would list binary too.
        let reweighing = try #require(lines.firstIndex { $0.hasPrefix("reweighing [pre]") })
        #expect(lines[reweighing + 1] == "    tasks: binary")
        #expect(lines.contains { $0.contains("disparate-impact-remover.repair_level = 1 (real, at least 0.0, at most 1.0)") }, "\(listing.stdout)")
        #expect(!lines.contains { $0.hasPrefix("not used:") }, "\(listing.stdout)")
    }

    @Test func aLibraryWhosePluginFolderWasRemovedIsNotLoaded() throws {
        let package = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: package) }
        let build = package + "/.build/x86_64-unknown-linux-gnu/debug"
        try FileManager.default.createDirectory(atPath: build, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: package + "/Plugins/Kept", withIntermediateDirectories: true)
        try "// swift-tools-version: 6.0\n".write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
        for name in ["libKept.so", "libGone.so"] {
            try FileManager.default.copyItem(atPath: TestEnvironment.pluginLibrary("Reweighing"), toPath: "\(build)/\(name)")
        }
        let stale = PluginCatalog.staleBuildLibraries(in: build)
        #expect(stale.map(\.path) == ["\(build)/libGone.so"])
        #expect(stale.first?.reason == "not loaded: left in the build folder after \(package)/Plugins/Gone was removed (delete the file, or restore the folder)")
        // Outside a package's build tree every library is a candidate.
        #expect(PluginCatalog.staleBuildLibraries(in: package + "/Plugins").isEmpty)
    }
}
