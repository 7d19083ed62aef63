import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The shipped Slurm scripts on a real one-node Slurm (`tools/slurm/local-cluster.sh`: slurmctld, slurmd and
/// munged on localhost, started and stopped by the test): a job array of compare shards and the dependent
/// merge job give the run an unsharded compare gives.
///
/// Needs Debian's slurmctld, slurmd, slurm-client and munge, and root (CI installs them; `.ci/run`). Where they
/// are missing the test is skipped, except under CI, where that is a failure.
@Suite(.serialized) struct SlurmTests {
    static let clusterScript = TestEnvironment.packageRoot.appendingPathComponent("tools/slurm/local-cluster.sh").path
    static let submitScript = TestEnvironment.packageRoot.appendingPathComponent("tools/slurm/submit.sh").path
    static var available: Bool {
        ProcessInfo.processInfo.environment["CI"] != nil
            || (getuid() == 0 && ["slurmctld", "slurmd", "munged", "sbatch"].allSatisfy { tool in
                ["/usr/sbin", "/usr/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
            })
    }

    @Test(.enabled(if: available, "needs root and Debian's slurmctld, slurmd, slurm-client and munge"), .timeLimit(.minutes(5)))
    func jobArrayOfShardsMergesIntoTheUnshardedRun() throws {
        // Short: slurm.conf cannot quote paths and a unix socket path has at most 108 bytes.
        var template = Array("/tmp/fl-slurm-XXXXXX".utf8CString)
        let state = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: state) }
        let started = Date()
        let start = try TestEnvironment.run("/bin/bash", [Self.clusterScript, "start", state])
        // Stopped whatever happens below: the daemons are this test's.
        defer { _ = try? TestEnvironment.run("/bin/bash", [Self.clusterScript, "stop", state]) }
        try #require(start.status == 0, "the cluster did not start: \(start.stderr)")
        let slurmConf = try #require(start.stdout.split(separator: "\n").last { $0.hasPrefix("export SLURM_CONF=") })
            .dropFirst("export SLURM_CONF=".count)
        let environment = ["SLURM_CONF": String(slurmConf), "FAIRLAB": TestEnvironment.fairlab]

        let dataset = TestEnvironment.dataset("german")
        let options = ["--seeds", "2", "--methods", "reweighing,threshold-optimizer"]
        let outputs = state + "/out"
        let submit = try TestEnvironment.run("/bin/bash", [Self.submitScript, dataset, outputs, "4"] + options, environment: environment)
        try #require(submit.status == 0, "sbatch failed: \(submit.stderr)")
        let jobs = submit.stdout.split(separator: "\n").map(String.init)
        try #require(jobs.count == 2, "submit printed \(submit.stdout)")

        // Bounded wait until the array and the merge have left the queue.
        let deadline = Date().addingTimeInterval(180)
        var drained = false
        while !drained, Date() < deadline {
            let queue = try TestEnvironment.run("/usr/bin/squeue", ["-h", "-j", jobs.joined(separator: ",")], environment: environment)
            drained = queue.status == 0 && queue.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            if !drained { usleep(200_000) }
        }
        try #require(drained, "the jobs were still queued after 180 s")
        for job in jobs {
            let shown = try TestEnvironment.run("/usr/bin/scontrol", ["-o", "show", "job", job], environment: environment)
            #expect(shown.status == 0 && !shown.stdout.isEmpty, "scontrol knows nothing of job \(job): \(shown.stderr)")
            for line in shown.stdout.split(separator: "\n") {
                #expect(line.contains("JobState=COMPLETED") && line.contains("ExitCode=0:0"), "job \(job): \(line)")
            }
        }
        let wall = Date().timeIntervalSince(started)
        print("slurm: cluster start, 4 shards and the merge, \(String(format: "%.1f", wall)) s")

        let results = outputs + "/results.h5"
        let merged = try ResultsFile.read(runID: try #require(try ResultsFile.runIDs(in: results).first), from: results)
        let whole = try TestEnvironment.fairlab(["compare", dataset, "--out", state + "/whole.h5"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        let unsharded = try ResultsFile.read(runID: try ResultsFile.runIDs(in: state + "/whole.h5")[0], from: state + "/whole.h5")
        ShardingTests.expectIdentical(merged, unsharded)
        for shard in 1...4 { #expect(FileManager.default.fileExists(atPath: "\(outputs)/shard-\(shard).h5")) }
    }
}
