import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// What a results file keeps of intervals and descriptors, how runs stored before them still read, and that
/// the report draws only finite numbers whatever a metric plugin returned.
@Suite struct ReportContentTests {
    /// A run whose baseline has three bootstrap replicates of accuracy per seed and one descriptor.
    static func runWithIntervals() -> RunRecord {
        var run = ResultsFileTests.run(id: "run-1", accuracy: [0.8, 0.9])
        run.bootstrapResamples = 3
        run.metricDescriptors = [MetricDescriptor(metric: "accuracy", displayName: "Acc.", kind: .score, ideal: 1)]
        run.methods[0].outcomes[0].bootstrap = ["accuracy": [0.7, 0.8, 0.9]]
        run.methods[0].outcomes[1].bootstrap = ["accuracy": [0.85, 0.95, .nan]]
        return run
    }

    @Test func intervalsAndDescriptorsSurviveTheResultsFile() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5"
        try ResultsFile.append(Self.runWithIntervals(), to: path)
        let read = try ResultsFile.read(runID: "run-1", from: path)
        #expect(read.bootstrapResamples == 3)
        #expect(read.metricDescriptors == [MetricDescriptor(metric: "accuracy", displayName: "Acc.", kind: .score, ideal: 1)])
        #expect(read.methods[0].outcomes[0].bootstrap == ["accuracy": [0.7, 0.8, 0.9]])
        let interval = try #require(try ComparisonSummary(read).rows[0].intervals["accuracy"])
        // Replicates: means of (0.7, 0.85) and (0.8, 0.95); the third is undefined on seed 1 and left out.
        #expect(interval.resamples == 2 && interval.seeds == 2)
        #expect(abs(interval.lower - (0.775 + 0.025 * 0.1)) < 1e-12 && abs(interval.upper - (0.775 + 0.975 * 0.1)) < 1e-12)
    }

    @Test func aRunStoredBeforeIntervalsAndDescriptorsReadsAsBefore() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5"
        try ResultsFile.append(ResultsFileTests.run(id: "run-1", accuracy: [0.8]), to: path)
        // Remove what runs gained with this version, as a file written before it lacks them.
        let runFile = try HDF5File(path: path + ".runs/run-1.h5", mode: .readWrite)
        for name in ["bootstrap_resamples", "metric_descriptor_names", "metric_descriptor_display_names", "metric_descriptor_kinds", "metric_descriptor_ideals"] {
            try runFile.deleteAttribute(name, of: "/run")
        }
        try runFile.flush()
        let summary = try ComparisonSummary(try ResultsFile.read(runID: "run-1", from: path))
        #expect(summary.bootstrapResamples == 0 && summary.rows[0].intervals.isEmpty)
        // The standard metrics keep their headers (disparate impact is undefined on every seed: no column), and
        // accuracy is still a score (higher is better).
        #expect(summary.columns.map(\.displayName) == ["Accuracy"])
        #expect(try SelectionRule.Term(parsing: "accuracy").badness(0.9, in: summary) == -0.9)
    }

    @Test func theReportDrawsOnlyFiniteNumbers() throws {
        var run = Self.runWithIntervals()
        run.methods[1].outcomes = run.methods[0].outcomes
        run.methods[1].outcomes[0].metrics.overall["statistical_parity_difference"] = .infinity
        run.methods[1].outcomes[1].metrics.overall["statistical_parity_difference"] = 0.1
        run.methods[0].outcomes[0].metrics.overall["statistical_parity_difference"] = -0.2
        run.methods[0].outcomes[1].metrics.overall["statistical_parity_difference"] = -0.1
        let html = HTMLReport.document([try ComparisonSummary(run)])
        let start = try #require(html.range(of: "<svg id=\"tradeoff-0\""))
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let svg = String(html[start.lowerBound..<end.upperBound])
        #expect(!svg.lowercased().contains("inf") && !svg.lowercased().contains("nan"), "\(svg)")
        // The baseline is drawn; the method whose mean is infinite is not.
        #expect(svg.contains("data-method=\"baseline\"") && !svg.contains("data-method=\"bad\""))
    }

    /// A point whose value covers fewer seeds than its method ran (as the table's † cells) is marked † in the plot
    /// and its key, with the legend saying what † means; a method on every seed is not.
    @Test func aPointOverFewerSeedsIsMarked() throws {
        var run = Self.runWithIntervals()
        run.methods[1].outcomes = run.methods[0].outcomes
        for seed in 0..<2 { run.methods[0].outcomes[seed].metrics.overall["statistical_parity_difference"] = -0.1 * Double(seed + 1) }
        run.methods[1].outcomes[0].metrics.overall["statistical_parity_difference"] = 0.05
        run.methods[1].outcomes[1].metrics.overall["statistical_parity_difference"] = .nan
        let summary = try ComparisonSummary(run)
        let points = TradeoffPlot(x: try SelectionRule.Term(parsing: "abs:statistical_parity_difference"), y: try SelectionRule.Term(parsing: "accuracy"))
            .points(summary)
        #expect(points.map(\.id) == ["baseline", "bad"] && points.map(\.partial) == [false, true])
        let html = HTMLReport.document([summary])
        #expect(html.contains(">2†</text>") && html.contains("†: over fewer seeds than the method ran") && !html.contains(">1†</text>"))
    }

    /// Groups of a few test rows are named under every table (their rates move by whole rows); none is named where
    /// every group is large.
    @Test func smallGroupsAreNamed() throws {
        var run = Self.runWithIntervals()
        for seed in 0..<2 { run.methods[0].outcomes[seed].metrics.perGroup["count"] = [Double(4 + seed), 300] }
        let lines = legend(try ComparisonSummary(run))
        #expect(lines.contains { $0.hasPrefix("Groups with fewer than 30 test rows (mean over seeds): Female (4.5); their rates") }, "\(lines)")
        for seed in 0..<2 { run.methods[0].outcomes[seed].metrics.perGroup["count"] = [40, 300] }
        #expect(!legend(try ComparisonSummary(run)).contains { $0.hasPrefix("Groups with fewer") })
    }

    /// An interval bound that is not 0 never prints as 0: a digit more, up to six, while one would.
    @Test func intervalBoundsNeverRoundToZero() {
        #expect(CellText.interval(0.0016, 0.0031, signed: true) == "[+0.002, +0.003]")
        #expect(CellText.interval(0.0004, 0.0031, signed: true) == "[+0.0004, +0.0031]")
        #expect(CellText.interval(-0.0132, -0.00002) == "[-0.01320, -0.00002]")
        #expect(CellText.interval(0, 0.0031) == "[0.000, 0.003]")
        // Six digits at most: a bound smaller still prints as 0.
        #expect(CellText.interval(1e-9, 0.5) == "[0.000000, 0.500000]")
    }
}
