import FairlabCore
import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The HTML report in a real headless browser (Debian's chromium, installed by .ci/run), the selection rule,
/// and the exit statuses a script reads.
@Suite(.serialized) struct ReportEndToEndTests {
    static let chromium = "/usr/lib/chromium/chromium"

    /// What chromium saw loading `page`: its console lines, the page's own network requests (from its net log),
    /// the DOM after load, and the screenshot's bytes.
    struct BrowserVisit {
        let console: [String]
        let requests: [String]
        let dom: String
        let screenshot: Data
    }

    /// Loads `page` in headless chromium once: DOM dump, screenshot, console on stderr, and a net log. Chromium's
    /// own background traffic (sign-in, update checks) has no page initiator and is not counted.
    static func visit(_ page: String, folder: String) throws -> BrowserVisit {
        let profile = folder + "/profile", netLog = folder + "/net.json", screenshot = folder + "/shot.png"
        let result = try TestEnvironment.run("/usr/bin/timeout", [
            "-k", "5", "60", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile)", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-extensions", "--disable-sync", "--disable-default-apps", "--disable-breakpad",
            "--enable-logging=stderr", "--v=0", "--log-net-log=\(netLog)", "--net-log-capture-mode=Everything",
            "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,2000", "--screenshot=\(screenshot)",
            "--dump-dom", "file://\(page)",
        ])
        try? FileManager.default.removeItem(atPath: profile)
        #expect(result.status == 0, "chromium: \(result.stderr)")
        #expect(!result.stderr.contains("Page load failed"), "chromium: \(result.stderr)")
        let console = result.stderr.split(separator: "\n").map(String.init).filter { $0.range(of: #"CONSOLE[:(][0-9]+"#, options: .regularExpression) != nil }
        return BrowserVisit(
            console: console, requests: try pageRequests(inNetLog: netLog), dom: result.stdout,
            screenshot: (try? Data(contentsOf: URL(fileURLWithPath: screenshot))) ?? Data())
    }

    /// The URLs the page itself asked for: URL requests started by a page initiator, and any event tied to the
    /// page's network isolation key (a DNS lookup for a preconnect makes no URL request).
    static func pageRequests(inNetLog path: String) throws -> [String] {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // A log cut short lacks its closing brackets.
        if (try? JSONSerialization.jsonObject(with: data)) == nil { data.append(contentsOf: Array("]}".utf8)) }
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let constants = log["constants"] as! [String: Any]
        let types = Dictionary(uniqueKeysWithValues: (constants["logEventTypes"] as! [String: Int]).map { ($1, $0) })
        var requests: [String] = []
        for event in log["events"] as! [[String: Any]] {
            let params = event["params"] as? [String: Any] ?? [:]
            if types[event["type"] as! Int] == "URL_REQUEST_START_JOB", let url = params["url"] as? String,
               (params["initiator"] as? String) != "not an origin" {
                requests.append(url)
            }
            for key in ["network_isolation_key", "network_anonymization_key", "group_id"] {
                if let value = params[key] as? String, value.contains("file://") { requests.append("\(key): \(value)") }
            }
        }
        return requests
    }

    @Test func reportLoadsOfflineWithEveryMethodInThePlotAndTheTable() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium is not installed (.ci/run installs it)")
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5", report = folder + "/report.html"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--seeds", "2", "--jobs", "2", "--bootstrap", "200", "--out", results,
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let made = try TestEnvironment.fairlab(["report", results, "-o", report])
        #expect(made.status == 0, "stderr: \(made.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)

        let visit = try Self.visit(report, folder: folder)
        #expect(visit.console.isEmpty, "console: \(visit.console)")
        #expect(visit.requests.isEmpty, "network: \(visit.requests)")
        #expect(visit.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]) && visit.screenshot.count > 20_000)
        #expect(visit.dom.contains("<svg id=\"tradeoff-0\""))
        for method in record.methods {
            #expect(visit.dom.contains("class=\"point\" data-method=\"\(method.id)\""), "\(method.id) is not in the plot")
            #expect(visit.dom.contains("<tr data-method=\"\(method.id)\""), "\(method.id) is not in the table")
        }

        // The same check catches a page that fetches anything: its policy blocks the fetch and says so.
        let tampered = folder + "/tampered.html"
        try String(contentsOfFile: report, encoding: .utf8).replacingOccurrences(of: "<body>", with: "<body><img src=\"http://192.0.2.1/x.png\">")
            .write(toFile: tampered, atomically: true, encoding: .utf8)
        #expect(!(try Self.visit(tampered, folder: folder)).console.isEmpty)
    }

    /// A regression run's report in the browser: R² against the mean-prediction gap, every method a point, the
    /// per-group mean predictions drawn, offline and without a console line.
    @Test func regressionReportLoadsOfflineWithItsOwnAxes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium is not installed (.ci/run installs it)")
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5", report = folder + "/report.html"
        let run = try TestEnvironment.fairlab(["compare", TestEnvironment.dataset("wage"), "--seeds", "2", "--bootstrap", "100", "--out", results, "--report", report])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        let visit = try Self.visit(report, folder: folder)
        #expect(visit.console.isEmpty, "console: \(visit.console)")
        #expect(visit.requests.isEmpty, "network: \(visit.requests)")
        #expect(visit.dom.contains("<svg id=\"tradeoff-0\"") && visit.dom.contains("|Mean pred. diff.|") && visit.dom.contains(">R²<"))
        #expect(visit.dom.contains("Per-group values, against the baseline") && visit.dom.contains("Mean prediction per group"))
        for method in record.methods {
            #expect(visit.dom.contains("class=\"point\" data-method=\"\(method.id)\""), "\(method.id) is not in the plot")
        }
    }

    /// A clustering run's report in the browser: the cost against the largest share gap, every method a point,
    /// and each cluster's make-up by group drawn (the before-and-after picture of a segmentation study).
    @Test func clusteringReportLoadsOfflineWithEachClustersMakeUp() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium is not installed (.ci/run installs it)")
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5", report = folder + "/report.html"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("vietnam"), "--skip", "fairlets", "--bootstrap", "100", "--out", results, "--report", report])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let record = try ResultsFile.read(runID: try ResultsFile.runIDs(in: results)[0], from: results)
        let visit = try Self.visit(report, folder: folder)
        #expect(visit.console.isEmpty, "console: \(visit.console)")
        #expect(visit.requests.isEmpty, "network: \(visit.requests)")
        #expect(visit.dom.contains("<svg id=\"tradeoff-0\"") && visit.dom.contains(">Max share gap<") && visit.dom.contains(">Inertia<"))
        #expect(visit.dom.contains("Clusters' make-up by group, against the baseline"))
        for cluster in 0..<4 { #expect(visit.dom.contains("<svg id=\"groups-0-\(cluster)\""), "cluster \(cluster) has no plot") }
        for method in record.methods {
            #expect(visit.dom.contains("class=\"point\" data-method=\"\(method.id)\""), "\(method.id) is not in the plot")
        }
    }

    @Test func selectPicksTheBestMethodMeetingTheConstraintOrSaysNoneDoes() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let results = folder + "/results.h5"
        let run = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--methods", "reweighing,massaging,eq-odds,group-thresholds", "--bootstrap", "0",
            "--out", results, "--format", "csv", "--select", "accuracy>=0.70", "--minimize", "abs:statistical_parity_difference",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        // The rule recomputed from the exported means: randomised methods by their expected values.
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        func value(_ row: [String], _ metric: String) -> Double? {
            Double(row[column("expected_" + metric)]) ?? Double(row[column(metric)])
        }
        let eligible = lines.dropFirst().filter { (value($0, "accuracy") ?? 0) >= 0.70 }
        let best = try #require(eligible.min { abs(value($0, "statistical_parity_difference")!) < abs(value($1, "statistical_parity_difference")!) })
        let selected = lines.dropFirst().filter { $0[column("selected")] == "true" }
        #expect(selected.count == 1 && selected.first?[column("method")] == best[column("method")], "selected \(selected), expected \(best[column("method")])")

        // The same rule on the stored run, as Markdown: the chosen row is marked and the rule's outcome stated.
        let exported = try TestEnvironment.fairlab([
            "export", results, "--select", "accuracy>=0.70", "--minimize", "abs:statistical_parity_difference",
        ])
        #expect(exported.status == 0 && exported.stdout.contains("| \(best[column("method")]) (selected)"), "\(exported.stdout)")

        // No method meets an impossible floor: status 4, and the table says so.
        let unmet = try TestEnvironment.fairlab(["export", results, "--select", "accuracy>=0.99", "--maximize", "accuracy"])
        #expect(unmet.status == 4)
        #expect(unmet.stdout.contains("no method meets the constraints (5 considered)"), "\(unmet.stdout)")

        // A rule naming a metric the run lacks, or malformed, is bad input.
        let unknown = try TestEnvironment.fairlab(["export", results, "--select", "acuracy>=0.8", "--maximize", "accuracy"])
        #expect(unknown.status == 1 && unknown.stderr.contains("names metric 'acuracy', which the run does not have"), "\(unknown.stderr)")
        let malformed = try TestEnvironment.fairlab(["export", results, "--select", "accuracy=0.8", "--maximize", "accuracy"])
        #expect(malformed.status == 64 && malformed.stderr.contains("expected METRIC>=VALUE"), "\(malformed.stderr)")
        let noObjective = try TestEnvironment.fairlab(["export", results, "--select", "accuracy>=0.8"])
        #expect(noObjective.status == 64 && noObjective.stderr.contains("--select needs --minimize or --maximize"), "\(noObjective.stderr)")
    }

    @Test func parametersForMethodsNotRunAndRepeatedParametersAreRefused() throws {
        let notRun = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--methods", "reweighing", "--param", "massaging.ranker_c=2",
        ])
        #expect(notRun.status == 1)
        #expect(notRun.stderr == "fairlab: error: --param massaging.ranker_c: method 'massaging' is not being run (add it to --methods)\n", "\(notRun.stderr)")
        let repeated = try TestEnvironment.fairlab([
            "compare", TestEnvironment.dataset("german"), "--param", "fair-logreg.fairness_weight=1", "--param", "fair-logreg.fairness_weight=2",
        ])
        #expect(repeated.status == 1)
        #expect(repeated.stderr == "fairlab: error: --param fair-logreg.fairness_weight is given twice\n", "\(repeated.stderr)")
    }
}
