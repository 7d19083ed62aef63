import FairlabCore
import Foundation

/// A recovery curve plot of a stress run: one measure against the injected level, one line per method at its
/// means over seeds with 95 % t-intervals as bars, each method in a colour of its own (the baseline dashed black)
/// and numbered at its right end (the key beside the plot names the numbers and their stages). At each level the
/// methods' points and bars stand side by side, a few pixels apart, so no bar hides another; a bar cut by the frame
/// ends in a chevron at the cut.
struct RecoveryPlot {
    /// The metric the plot shows (its curve in every row).
    let metric: String
    let title: String

    /// Pixels between two end labels, so that numbers at nearly equal values stay readable.
    static let labelSpacing = 11.0

    /// The row's value at each level.
    private func measure(_ row: StressSummary.Row) -> [SeedInterval?] {
        row.curves[metric] ?? row.cells.map { _ in nil }
    }

    /// Each row's colour: black for the baseline, the others in turn from the twelve group colours.
    static func colors(of rows: [StressSummary.Row]) -> [String] {
        var next = 0
        return rows.map { row in
            guard row.id != MethodRecord.baselineID else { return "#000" }
            defer { next += 1 }
            return StageColors.group(next)
        }
    }

    /// The y positions of labels wanted at `wanted` (page coordinates, y down), moved apart to at least
    /// `labelSpacing` in the same order, kept between `top` and `bottom` where they fit.
    static func spread(_ wanted: [Double], top: Double, bottom: Double) -> [Double] {
        let order = wanted.indices.sorted { (wanted[$0], $0) < (wanted[$1], $1) }
        var placed = [Double](repeating: 0, count: wanted.count)
        var previous = -Double.infinity
        for index in order {
            placed[index] = max(wanted[index], previous + labelSpacing)
            previous = placed[index]
        }
        // Pushed past the bottom: the whole run moved up as far as the top allows.
        if let last = order.last, placed[last] > bottom {
            let shift = min(placed[last] - bottom, max(placed[order[0]] - top, 0))
            for index in order { placed[index] -= shift }
        }
        return placed
    }

    func render(_ summary: StressSummary, id: String) -> String {
        let rows = summary.rows.filter { row in measure(row).contains { $0 != nil } }
        let colors = Self.colors(of: rows)
        let keyLineHeight = 14.0
        let width = 860.0, height = max(420, 150 + keyLineHeight * Double(rows.count))
        let left = 70.0, right = width - 250, top = 20.0, bottom = 360.0
        var canvas = SVGCanvas(width: width, height: height)
        // The axis covers the means, and the intervals only as far as the means' own span beyond them: with two
        // seeds a t-interval is 12.7 standard errors wide and would flatten every curve. Bars are cut at it.
        let means = rows.flatMap { row in measure(row).compactMap { $0?.mean } }.filter(\.isFinite)
        let span = max((means.max() ?? 0) - (means.min() ?? 0), 0.02)
        let reach = ((means.min() ?? 0) - span)...((means.max() ?? 1) + span)
        let bounds = rows.flatMap { row in measure(row).compactMap { $0 }.flatMap { [$0.lower, $0.upper].compactMap { $0 } } }
        let xAxis = PlotAxis(covering: summary.levels, from: left + 18, to: right - 32)
        let yAxis = PlotAxis(covering: means + bounds.map { reach.clamped($0) }, from: bottom, to: top)
        // The x ticks are the levels themselves.
        canvas.frame(
            xTicks: summary.levels.map { (xAxis.position($0), Injection.levelText($0)) }, yTicks: yAxis.ticks.map { (yAxis.position($0), yAxis.label($0)) },
            left: left, right: right, top: top, bottom: bottom, xTitle: "injected level p (\(summary.injection))", yTitle: title)
        // Side by side at each level: spread over at most 60 % of the narrowest space between two levels (levels need
        // not be evenly spaced), 5 px apart at most.
        let positions = summary.levels.map(xAxis.position)
        let levelGap = zip(positions, positions.dropFirst()).map { abs($1 - $0) }.min() ?? 100
        let step = min(5, 0.6 * abs(levelGap) / Double(max(rows.count, 1)))
        let clip = yAxis.lower...yAxis.upper
        var ends: [(x: Double, y: Double, label: String, color: String)] = []
        for (index, row) in rows.enumerated() {
            let color = colors[index], baseline = row.id == MethodRecord.baselineID
            let offset = (Double(index) - Double(rows.count - 1) / 2) * step
            let points = zip(summary.levels, measure(row)).compactMap { level, value in value.map { (level, $0) } }
            canvas.polyline(points.map { (xAxis.position($0.0) + offset, yAxis.position($0.1.mean)) }, stroke: color,
                            width: baseline ? 2.5 : 1.3, dashed: baseline)
            for (level, interval) in points {
                let x = xAxis.position(level) + offset
                if let lower = interval.lower, let upper = interval.upper {
                    canvas.line(x, yAxis.position(clip.clamped(lower)), x, yAxis.position(clip.clamped(upper)), stroke: color, width: 1)
                    // A cut end: a chevron pointing on, beyond the frame.
                    for (end, cut) in [(clip.upperBound, upper > clip.upperBound), (clip.lowerBound, lower < clip.lowerBound)] where cut {
                        let y = yAxis.position(end), outward = end == clip.upperBound ? -1.0 : 1.0
                        canvas.polyline([(x - 3, y - 4 * outward), (x, y), (x + 3, y - 4 * outward)], stroke: color, width: 1.2,
                                        attributes: " class=\"cut\" data-method=\"\(escapeHTML(row.id))\"")
                    }
                }
                canvas.circle(x, yAxis.position(interval.mean), radius: 3, fill: color,
                              title: "\(index + 1) \(row.id) at p = \(Injection.levelText(level)): \(String(format: "%.4f", interval.mean))"
                                  + (interval.lower.map { lower in String(format: " [%.4f, %.4f]", lower, interval.upper ?? .nan) } ?? ""),
                              attributes: " class=\"point\" data-method=\"\(escapeHTML(row.id))\"")
            }
            if let last = points.last {
                ends.append((xAxis.position(last.0) + offset, yAxis.position(last.1.mean), String(index + 1), color))
            }
        }
        // The numbers at the lines' ends, moved apart where values nearly coincide, a thin leader to a moved one.
        let labelled = Self.spread(ends.map { $0.y + 4 }, top: top + 8, bottom: bottom)
        let labelX = xAxis.position(summary.levels.last ?? 0) + Double(rows.count) * step / 2 + 6
        for (end, y) in zip(ends, labelled) {
            if abs(y - 4 - end.y) > 2 { canvas.line(end.x + 3, end.y, labelX - 1, y - 4, stroke: end.color, width: 0.5) }
            canvas.text(labelX, y, end.label, size: 10, fill: end.color, attributes: " class=\"point-label\"")
        }
        var legendY = top + 10
        canvas.text(right + 16, legendY, summary.seeds.count > 1 ? "bars: 95 % t-interval over seeds" : "one seed: no interval", size: 11, fill: "#555")
        legendY += 14
        if summary.seeds.count > 1 {
            canvas.text(right + 16, legendY, "a chevron: a bar cut by the frame", size: 11, fill: "#555")
            legendY += 14
        }
        legendY += 8
        for (index, row) in rows.enumerated() {
            canvas.text(right + 34, legendY, "\(index + 1)", size: 11, anchor: "end", fill: colors[index])
            let stage = row.id == MethodRecord.baselineID ? "" : " (\(row.stage))"
            canvas.text(right + 40, legendY, row.id + stage, size: 11, weight: row.id == MethodRecord.baselineID ? "bold" : "normal",
                        fill: colors[index], attributes: " class=\"key\"")
            legendY += keyLineHeight
        }
        return canvas.render(title: "\(title) against the injected level, one line per method", id: id)
    }
}

extension ClosedRange where Bound == Double {
    /// `value` moved into the range.
    func clamped(_ value: Double) -> Double { Swift.min(Swift.max(value, lowerBound), upperBound) }
}
