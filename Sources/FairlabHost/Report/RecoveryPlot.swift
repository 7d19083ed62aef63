import Foundation

/// A recovery curve plot of a stress run: one measure against the injected level, one line per method at its
/// means over seeds with 95 % t-intervals as bars, coloured by stage and numbered at its right end (the key
/// beside the plot names the numbers).
struct RecoveryPlot {
    /// The metric the plot shows (its curve in every row).
    let metric: String
    let title: String

    /// The row's value at each level.
    private func measure(_ row: StressSummary.Row) -> [SeedInterval?] {
        row.curves[metric] ?? row.cells.map { _ in nil }
    }

    func render(_ summary: StressSummary, id: String) -> String {
        let rows = summary.rows.filter { row in measure(row).contains { $0 != nil } }
        let keyLineHeight = 14.0
        let width = 860.0, height = max(420, 150 + keyLineHeight * Double(rows.count))
        let left = 70.0, right = width - 250, top = 20.0, bottom = 360.0
        var canvas = SVGCanvas(width: width, height: height)
        // The axis covers the means, and the intervals only as far as the means' own span beyond them: with two
        // seeds a t-interval is 12.7 standard errors wide and would flatten every curve. Bars are clipped to it.
        let means = rows.flatMap { row in measure(row).compactMap { $0?.mean } }.filter(\.isFinite)
        let span = max((means.max() ?? 0) - (means.min() ?? 0), 0.02)
        let reach = ((means.min() ?? 0) - span)...((means.max() ?? 1) + span)
        let bounds = rows.flatMap { row in measure(row).compactMap { $0 }.flatMap { [$0.lower, $0.upper].compactMap { $0 } } }
        let xAxis = PlotAxis(covering: summary.levels, from: left + 10, to: right - 24)
        let yAxis = PlotAxis(covering: means + bounds.map { reach.clamped($0) }, from: bottom, to: top)
        // The x ticks are the levels themselves.
        canvas.frame(
            xTicks: summary.levels.map { (xAxis.position($0), StressTable.level($0)) }, yTicks: yAxis.ticks.map { (yAxis.position($0), yAxis.label($0)) },
            left: left, right: right, top: top, bottom: bottom, xTitle: "injected level p (\(summary.injection))", yTitle: title)
        for (index, row) in rows.enumerated() {
            let color = StageColors.color(of: row.stage)
            let points = zip(summary.levels, measure(row)).compactMap { level, value in value.map { (level, $0) } }
            let baseline = row.id == MethodRecord.baselineID
            canvas.polyline(points.map { (xAxis.position($0.0), yAxis.position($0.1.mean)) }, stroke: baseline ? "#000" : color,
                            width: baseline ? 2.5 : 1.3, dashed: baseline)
            for (level, interval) in points {
                let x = xAxis.position(level)
                if let lower = interval.lower, let upper = interval.upper {
                    let clip = yAxis.lower...yAxis.upper
                    canvas.line(x, yAxis.position(clip.clamped(lower)), x, yAxis.position(clip.clamped(upper)), stroke: color, width: 1)
                }
                canvas.circle(x, yAxis.position(interval.mean), radius: 3, fill: baseline ? "#000" : color,
                              title: "\(index + 1) \(row.id) at p = \(StressTable.level(level)): \(String(format: "%.4f", interval.mean))",
                              attributes: " class=\"point\" data-method=\"\(escapeHTML(row.id))\"")
            }
            if let last = points.last {
                canvas.text(xAxis.position(last.0) + 6, yAxis.position(last.1.mean) + 4, String(index + 1), size: 10,
                            attributes: " class=\"point-label\"")
            }
        }
        var legendY = top + 10
        for (stage, label) in StageColors.stages where rows.contains(where: { $0.stage == stage }) {
            canvas.circle(right + 24, legendY - 4, radius: 5, fill: StageColors.color(of: stage))
            canvas.text(right + 36, legendY, label, size: 12)
            legendY += 18
        }
        canvas.text(right + 16, legendY, summary.seeds.count > 1 ? "bars: 95 % t-interval over seeds" : "one seed: no interval", size: 11, fill: "#555")
        legendY += 22
        for (index, row) in rows.enumerated() {
            canvas.text(right + 34, legendY, "\(index + 1)", size: 11, anchor: "end")
            canvas.text(right + 40, legendY, row.id, size: 11, weight: row.id == MethodRecord.baselineID ? "bold" : "normal",
                        fill: StageColors.color(of: row.stage), attributes: " class=\"key\"")
            legendY += keyLineHeight
        }
        return canvas.render(title: "\(title) against the injected level, one line per method", id: id)
    }
}

extension ClosedRange where Bound == Double {
    /// `value` moved into the range.
    func clamped(_ value: Double) -> Double { Swift.min(Swift.max(value, lowerBound), upperBound) }
}
