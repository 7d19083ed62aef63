import FairlabTestSupport
import Foundation
import Testing

/// Ctrl-C (SIGINT) stops every command: a run's pools stop their workers and the run ends with its one-line
/// reason; a command with no pool running (an import) ends at once, as it would without fairlab's handler.
@Suite(.serialized) struct InterruptTests {
    /// `fairlab arguments`, started, its stderr to `folder`/stderr.
    func start(_ arguments: [String], in folder: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.fairlab)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: folder + "/stderr", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/stderr"))
        try process.run()
        return process
    }

    /// Waits, at most `seconds`, until `condition` holds; whether it did.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { return false }
            usleep(20_000)
        }
        return true
    }

    @Test func aRunStopsItsWorkersAndSaysWhy() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = try start(["compare", TestEnvironment.dataset("adult"), "--methods", "adversarial-debiasing", "--jobs", "1"], in: folder)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func stderr() -> String { (try? String(contentsOfFile: folder + "/stderr", encoding: .utf8)) ?? "" }
        // The baseline has finished, so adversarial debiasing's worker (seconds of training) runs.
        try #require(wait(seconds: 60) { stderr().contains("[1/2] baseline") }, "\(stderr())")
        kill(process.processIdentifier, SIGINT)
        try #require(wait(seconds: 10) { !process.isRunning }, "still running 10 s after SIGINT")
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        #expect(stderr().contains("fairlab: error: interrupted by SIGINT (interrupt); 1 running workers stopped"), "\(stderr())")
    }

    @Test func anImportEndsAtOnce() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Rows enough for an import of seconds.
        var text = "x,z,sex,y\n"
        text.reserveCapacity(16 * 400_000)
        for row in 0..<400_000 { text += "\(row % 97),\(row % 13).5,\(row % 3 == 0 ? "F" : "M"),\(row % 2)\n" }
        try text.write(toFile: folder + "/large.csv", atomically: false, encoding: .utf8)
        let started = Date()
        let process = try start(
            ["import", folder + "/large.csv", "--label", "y", "--favorable", "1", "--protected", "sex=M", "-o", folder + "/large.h5"], in: folder)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        usleep(300_000)
        try #require(process.isRunning, "the import ended within 0.3 s: too few rows to interrupt")
        kill(process.processIdentifier, SIGINT)
        try #require(wait(seconds: 5) { !process.isRunning }, "still running 5 s after SIGINT")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT)
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
