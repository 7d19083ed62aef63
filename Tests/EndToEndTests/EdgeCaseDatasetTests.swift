import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// `compare` on a small awkward dataset: a constant column, a group with no positive labels, a group of one row.
/// Every method either succeeds or fails with a reason; metrics that are undefined show as missing, never crash.
@Suite struct EdgeCaseDatasetTests {
    @Test func awkwardDataGivesResultsOrReasonsNeverCrashes() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = ["x,constant,group,y"]
        for i in 0..<120 {
            let group = i == 119 ? "solo" : (i % 3 == 0 ? "never" : "often")
            let label = group == "never" ? 0 : (i % 2)
            lines.append("\(Double(i % 17) / 4),5,\(group),\(label)")
        }
        try lines.joined(separator: "\n").write(toFile: folder + "/edge.csv", atomically: true, encoding: .utf8)
        let imported = try TestEnvironment.fairlab(["import", folder + "/edge.csv", "--label", "y", "--favorable", "1", "--protected", "group=often", "-o", folder + "/edge.h5"])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")

        let run = try TestEnvironment.fairlab(["compare", folder + "/edge.h5", "--seeds", "2", "--format", "json", "--jobs", "2"])
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let rows = summary["rows"] as! [[String: Any]]
        // Finished, with a status that says whether any row failed.
        let anyFailed = rows.contains { ($0["seedsSucceeded"] as! Int) < ($0["seedsRun"] as! Int) }
        #expect(run.status == (anyFailed ? 3 : 0), "stderr: \(run.stderr)")
        #expect(rows.count >= 8 && rows.first?["id"] as? String == "baseline")
        for row in rows {
            let ok = (row["seedsSucceeded"] as! Int) > 0
            let errors = row["errors"] as! [String]
            #expect(ok || !errors.isEmpty, "\(row["id"]!) failed without a reason")
        }
        // The "never" group has no positive labels: its TPR is undefined, shown as missing (null).
        let baseline = rows[0]["perGroup"] as! [String: [Any]]
        let groups = summary["groupNames"] as! [String]
        let never = try #require(groups.firstIndex(of: "never"))
        #expect(baseline["true_positive_rate"]![never] is NSNull)
    }
}
