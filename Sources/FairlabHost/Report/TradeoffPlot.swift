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
        var onFront = false
    }

    /// The points of the methods that have both values, the front marked.
    func points(_ summary: ComparisonSummary) -> [Point] {
        var points = summary.rows.compactMap { row -> Point? in
            guard let xValue = x.value(of: row, in: summary), let yValue = y.value(of: row, in: summary) else { return nil }
            return Point(id: row.id, stage: row.stage, x: xValue, y: yValue, xInterval: x.interval(of: row, in: summary),
                         yInterval: y.interval(of: row, in: summary))
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
        // Points, each numbered beside itself at the first free place (right, left, above, below) inside the plot.
        var placed: [(Double, Double, Double, Double)] = []
        for (index, point) in points.enumerated() {
            let px = xAxis.position(point.x), py = yAxis.position(point.y), color = StageColors.color(of: point.stage)
            let selected = point.id == summary.selection?.chosen
            if selected { canvas.circle(px, py, radius: 9, fill: "none", stroke: "#000") }
            canvas.circle(
                px, py, radius: point.onFront ? 5.5 : 4.5, fill: color, stroke: point.onFront ? "#000" : "none",
                title: "\(index + 1) \(point.id): \(String(format: "%.4f", point.x)), \(String(format: "%.4f", point.y))" + (point.onFront ? " (Pareto front)" : ""),
                attributes: " class=\"point\" data-method=\"\(escapeHTML(point.id))\"")
            let label = String(index + 1), labelWidth = Double(label.count) * 6 + 2, labelHeight = 10.0
            let candidates = [(px + 7, py + 4, "start"), (px - 7, py + 4, "end"), (px, py - 8, "middle"), (px, py + 15, "middle")]
            let boxes = candidates.map { candidate -> (Double, Double, Double, Double) in
                let x0 = candidate.2 == "start" ? candidate.0 : candidate.2 == "end" ? candidate.0 - labelWidth : candidate.0 - labelWidth / 2
                return (x0, candidate.1 - labelHeight + 1, labelWidth, labelHeight)
            }
            let free = boxes.indices.first { choice in
                let box = boxes[choice]
                return box.0 >= left && box.0 + box.2 <= right && box.1 >= top && box.1 + box.3 <= bottom
                    && !placed.contains { other in box.0 < other.0 + other.2 && other.0 < box.0 + box.2 && box.1 < other.1 + other.3 && other.1 < box.1 + box.3 }
            } ?? (px + 7 + labelWidth <= right ? 0 : 1)
            placed.append(boxes[free])
            canvas.text(candidates[free].0, candidates[free].1, label, size: 10, anchor: candidates[free].2,
                        weight: selected || point.onFront ? "bold" : "normal", attributes: " class=\"point-label\"")
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
        legendY += 22
        for (index, point) in points.enumerated() {
            canvas.text(right + 34, legendY, "\(index + 1)", size: 11, anchor: "end", weight: point.onFront ? "bold" : "normal")
            canvas.text(right + 40, legendY, point.id, size: 11, weight: point.id == summary.selection?.chosen ? "bold" : "normal",
                        fill: StageColors.color(of: point.stage), attributes: " class=\"key\"")
            legendY += keyLineHeight
        }
        return canvas.render(title: "\(y.title(in: summary)) against \(x.title(in: summary)), one point per method", id: id)
    }
}
