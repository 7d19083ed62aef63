import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// A results file shared by several writers must never lose a run: not when a writer is killed at any moment,
/// not when two append at once.
@Suite(.serialized) struct ResultsDurabilityTests {
    func compare(_ results: String, appendPauseMilliseconds: Int = 0) -> Process {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging([ResultsFile.appendPauseVariable: String(appendPauseMilliseconds)]) { $1 }
        process.executableURL = URL(fileURLWithPath: TestEnvironment.fairlab)
        process.arguments = ["compare", TestEnvironment.dataset("german"), "--methods", "reweighing", "--seeds", "2", "--out", results]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    @Test func killingAWriterAtAnyMomentKeepsEveryEarlierRun() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"

        // How long one complete append takes, to spread the kills over it.
        let start = Date()
        let first = compare(results, appendPauseMilliseconds: 200)
        try first.run()
        first.waitUntilExit()
        let duration = Date().timeIntervalSince(start)
        #expect(first.terminationStatus == 0)
        var expected = try ResultsFile.runIDs(in: results)
        #expect(expected.count == 1)

        let kills = 24
        var killedMidAppend = 0
        for attempt in 0..<kills {
            let writer = compare(results, appendPauseMilliseconds: 200)
            try writer.run()
            // Spread over the last part of the run, where the append happens, and just past its usual end.
            usleep(UInt32(duration * (0.6 + 0.55 * Double(attempt) / Double(kills - 1)) * 1e6))
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
            let strays = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }
            if !strays.isEmpty { killedMidAppend += 1 }

            // Every earlier run is still there and readable; the interrupted one is absent or complete.
            let ids = try ResultsFile.runIDs(in: results)
            #expect(Array(ids.prefix(expected.count)) == expected, "attempt \(attempt): runs \(ids), expected at least \(expected)")
            #expect(ids.count <= expected.count + 1)
            for id in ids { _ = try ResultsFile.read(runID: id, from: results) }
            expected = ids
        }
        // The next writer clears what killed writers left and appends normally.
        let last = compare(results)
        try last.run()
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        #expect(try ResultsFile.runIDs(in: results).count == expected.count + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }.isEmpty)
        print("results durability: \(kills) kills, \(killedMidAppend) during an append, \(expected.count) runs kept")
    }

    @Test func concurrentWritersBothLand() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let writers = (0..<3).map { _ in compare(results) }
        for writer in writers { try writer.run() }
        for writer in writers { writer.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let ids = try ResultsFile.runIDs(in: results)
        #expect(ids.count == 3)
        for id in ids { #expect(try ResultsFile.read(runID: id, from: results).methods.count == 2) }
    }
}
