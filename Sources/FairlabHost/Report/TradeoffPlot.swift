import Foundation

/// The trade-off plot: one point per method at its mean (a randomised method's expected values), with its
/// intervals on both axes, coloured by stage; the Pareto front (methods no other method beats on both axes)
/// joined by a dashed line; the selected method ringed. Points carry their number in the key beside the plot:
/// with 27 methods, names beside the points would hide one another where methods agree.
struct TradeoffPlot {
    let x: SelectionRule.Term
    let y: SelectionRule.Term

    /// A method's point.
    struct Point {
        let id: String
        let stage: String
        let x: Double
        let y: Double
        let xInterval: (lower: Double, upper: Double)?
        let yInterval: (lower: Double, upper: Double)?
        /// Whether either value covers fewer seeds than the method succeeded on (a randomised method's expected
        /// value undefined on a seed): marked † in the plot, as the table marks the cell.
        let partial: Bool
        var onFront = false
    }

    /// The points of the methods that have both values, the front marked.
    func points(_ summary: ComparisonSummary) -> [Point] {
        var points = summary.rows.compactMap { row -> Point? in
            guard let xValue = x.value(of: row, in: summary), let yValue = y.value(of: row, in: summary) else { return nil }
            return Point(id: row.id, stage: row.stage, x: xValue, y: yValue, xInterval: x.interval(of: row, in: summary),
                         yInterval: y.interval(of: row, in: summary), partial: [x, y].contains { row.isPartial($0.storedName(in: row)) })
        }
        let badness = points.map { (x.badness($0.x, in: summary), y.badness($0.y, in: summary)) }
        for index in points.indices {
            let (bx, by) = badness[index]
            points[index].onFront = !badness.indices.contains { other in
                let (ox, oy) = badness[other]
                return other != index && ox <= bx && oy <= by && (ox < bx || oy < by)
            }
        }
        return points
    }

    func render(_ summary: ComparisonSummary, id: String) -> String {
        let points = points(summary)
        let keyLineHeight = 14.0
        let width = 860.0, height = max(520, 150 + keyLineHeight * Double(points.count))
        let left = 70.0, right = width - 250, top = 20.0, bottom = 465.0
        var canvas = SVGCanvas(width: width, height: height)
        let xs = points.flatMap { [$0.x] + [$0.xInterval?.lower, $0.xInterval?.upper].compactMap { $0 } }
        let ys = points.flatMap { [$0.y] + [$0.yInterval?.lower, $0.yInterval?.upper].compactMap { $0 } }
        let xAxis = PlotAxis(covering: xs, from: left, to: right, includingZero: x.transform != .value)
        let yAxis = PlotAxis(covering: ys, from: bottom, to: top)
        canvas.frame(
            xTicks: xAxis.ticks.map { (xAxis.position($0), xAxis.label($0)) }, yTicks: yAxis.ticks.map { (yAxis.position($0), yAxis.label($0)) },
            left: left, right: right, top: top, bottom: bottom, xTitle: x.title(in: summary), yTitle: y.title(in: summary))

        let front = points.filter(\.onFront).sorted { $0.x < $1.x }
        if front.count > 1 {
            canvas.polyline(front.map { (xAxis.position($0.x), yAxis.position($0.y)) }, stroke: "#555", width: 1.5, dashed: true)
        }
        for point in points {
            let px = xAxis.position(point.x), py = yAxis.position(point.y), color = StageColors.color(of: point.stage)
            if let interval = point.xInterval {
                canvas.line(xAxis.position(interval.lower), py, xAxis.position(interval.upper), py, stroke: color, width: 1.2)
            }
            if let interval = point.yInterval {
                canvas.line(px, yAxis.position(interval.lower), px, yAxis.position(interval.upper), stroke: color, width: 1.2)
            }
        }
        // Points first, then their numbers, each at the first place free of every point and every number placed
        // before it: beside the point (right, left, above, below, then the diagonals), else further out with a
        // leader line, else beside it on top (on a white halo, so it reads over what it covers).
        let positions = points.map { (xAxis.position($0.x), yAxis.position($0.y)) }
        for (index, point) in points.enumerated() {
            let (px, py) = positions[index], color = StageColors.color(of: point.stage)
            if point.id == summary.selection?.chosen { canvas.circle(px, py, radius: 9, fill: "none", stroke: "#000") }
            canvas.circle(
                px, py, radius: point.onFront ? 5.5 : 4.5, fill: color, stroke: point.onFront ? "#000" : "none",
                title: "\(index + 1) \(point.id): \(String(format: "%.4f", point.x)), \(String(format: "%.4f", point.y))"
                    + (point.onFront ? " (Pareto front)" : "") + (point.partial ? " († over fewer seeds)" : ""),
                attributes: " class=\"point\" data-method=\"\(escapeHTML(point.id))\"")
        }
        typealias Box = (x: Double, y: Double, width: Double, height: Double)
        func overlaps(_ a: Box, _ b: Box) -> Bool { a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height }
        var taken: [Box] = positions.map { ($0.0 - 5, $0.1 - 5, 10, 10) }
        for (index, point) in points.enumerated() {
            let (px, py) = positions[index]
            let label = String(index + 1) + (point.partial ? "†" : ""), labelWidth = Double(label.count) * 6 + 2, labelHeight = 10.0
            func candidates(_ distance: Double) -> [(Double, Double, String)] {
                let d = distance, diagonal = distance * 0.8
                return [(px + d, py + 4, "start"), (px - d, py + 4, "end"), (px, py - d - 1, "middle"), (px, py + d + 8, "middle"),
                        (px + diagonal, py - diagonal, "start"), (px - diagonal, py - diagonal, "end"),
                        (px + diagonal, py + diagonal + 6, "start"), (px - diagonal, py + diagonal + 6, "end")]
            }
            func box(_ candidate: (Double, Double, String)) -> Box {
                let x0 = candidate.2 == "start" ? candidate.0 : candidate.2 == "end" ? candidate.0 - labelWidth : candidate.0 - labelWidth / 2
                return (x0, candidate.1 - labelHeight + 1, labelWidth, labelHeight)
            }
            func free(_ candidate: (Double, Double, String)) -> Bool {
                let b = box(candidate)
                return b.x >= left && b.x + b.width <= right && b.y >= top && b.y + b.height <= bottom && !taken.contains { overlaps(b, $0) }
            }
            let near = candidates(7), far = candidates(18) + candidates(30)
            let chosen = near.first(where: free) ?? far.first(where: free) ?? near[px + 7 + labelWidth <= right ? 0 : 1]
            if !near.contains(where: { $0 == chosen }) {
                let b = box(chosen)
                canvas.line(px, py, min(max(px, b.x), b.x + b.width), min(max(py, b.y), b.y + b.height), stroke: "#999", width: 0.6)
            }
            taken.append(box(chosen))
            canvas.text(chosen.0, chosen.1, label, size: 10, anchor: chosen.2,
                        weight: point.id == summary.selection?.chosen || point.onFront ? "bold" : "normal",
                        attributes: " class=\"point-label\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"")
        }
        // Legend, then the key of numbers.
        var legendY = top + 10
        for (stage, label) in StageColors.stages where points.contains(where: { $0.stage == stage }) {
            canvas.circle(right + 24, legendY - 4, radius: 5, fill: StageColors.color(of: stage))
            canvas.text(right + 36, legendY, label, size: 12)
            legendY += 18
        }
        canvas.line(right + 16, legendY - 4, right + 32, legendY - 4, stroke: "#555", width: 1.5, dashed: true)
        canvas.text(right + 36, legendY, "Pareto front (bold numbers)", size: 12)
        legendY += 18
        if summary.selection?.chosen != nil {
            canvas.circle(right + 24, legendY - 4, radius: 7, fill: "none", stroke: "#000")
            canvas.text(right + 36, legendY, "selected", size: 12)
            legendY += 18
        }
        canvas.text(right + 16, legendY, "bars: \(summary.bootstrapResamples > 0 ? "95 % intervals" : "± 1 std over seeds")", size: 11, fill: "#555")
        if points.contains(where: \.partial) {
            legendY += 14
            canvas.text(right + 16, legendY, "†: over fewer seeds than the method ran", size: 11, fill: "#555")
        }
        legendY += 22
        for (index, point) in points.enumerated() {
            canvas.text(right + 34, legendY, "\(index + 1)\(point.partial ? "†" : "")", size: 11, anchor: "end", weight: point.onFront ? "bold" : "normal")
            canvas.text(right + 40, legendY, point.id, size: 11, weight: point.id == summary.selection?.chosen ? "bold" : "normal",
                        fill: StageColors.color(of: point.stage), attributes: " class=\"key\"")
            legendY += keyLineHeight
        }
        return canvas.render(title: "\(y.title(in: summary)) against \(x.title(in: summary)), one point per method", id: id)
    }
}
