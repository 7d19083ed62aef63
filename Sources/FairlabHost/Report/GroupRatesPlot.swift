/// Per-group bars of one per-group value (a rate: selection rate, TPR, FPR, accuracy; or for regression a mean
/// prediction or error, on an axis reaching its largest value): for every method a bar per group,
/// and across each bar a black tick at the baseline's value for that group, so each method reads as a
/// before/after against the unmitigated model.
struct GroupRatesPlot {
    /// The per-group metric and its title.
    let metric: String
    let title: String

    /// Whether `summary` has this metric for any method.
    func applies(to summary: ComparisonSummary) -> Bool { summary.rows.contains { $0.perGroup[metric] != nil } }

    func render(_ summary: ComparisonSummary, id: String) -> String {
        let groups = summary.groupNames
        let rows = summary.rows.filter { $0.seedsSucceeded > 0 }
        /// A randomised method's expected per-group values where it has them.
        func values(_ row: ComparisonSummary.Row) -> [Double?] {
            let statistics = row.perGroup[ComparisonSummary.expectedPrefix + metric] ?? row.perGroup[metric] ?? []
            return groups.indices.map { $0 < statistics.count ? statistics[$0]?.mean : nil }
        }
        let baseline = summary.rows.first { $0.id == MethodRecord.baselineID }.map(values)
        let baselineLegend = baseline != nil
        // Each group's test rows (the baseline's per-group count, a mean over seeds), so that a rate of a group with
        // one row, or none, reads as such.
        let groupLabels = zip(groups, groupTestRows(summary)).map { name, rows in rows.map { "\(name) (n \(CellText.rows($0)))" } ?? name }
        let barHeight = 9.0, gap = 8.0, labelWidth = 210.0, width = 820.0
        let blockHeight = Double(groups.count) * barHeight + gap
        // The legend wraps onto as many lines as the group names need.
        var legendItems: [(x: Double, line: Int)] = []
        var legendX = labelWidth, legendLine = 0
        for group in groupLabels + (baselineLegend ? ["baseline"] : []) {
            let itemWidth = 14 + Double(group.count) * 6.5 + 16
            if legendX + itemWidth > width - 10, legendX > labelWidth {
                legendX = labelWidth
                legendLine += 1
            }
            legendItems.append((legendX, legendLine))
            legendX += itemWidth
        }
        let top = 24.0 + 16 * Double(legendLine), height = top + Double(rows.count) * blockHeight + 30
        // Rates fill [0, 1]; values beyond it (a mean price, an error) stretch the axis to reach them.
        let shown = rows.flatMap { values($0).compactMap { $0 } }.filter(\.isFinite)
        let axis = PlotAxis(covering: [0, 1] + shown, from: labelWidth, to: width - 20)   // negative values widen it leftwards
        var canvas = SVGCanvas(width: width, height: height)
        for tick in axis.ticks {
            let x = axis.position(tick)
            canvas.line(x, top - 4, x, height - 26, stroke: "#e5e5e5")
            canvas.text(x, height - 12, axis.label(tick), size: 11, anchor: "middle")
        }
        // Legend: the groups' colours and the baseline tick.
        for (index, item) in legendItems.enumerated() {
            let y = 6 + 16 * Double(item.line)
            if index < groups.count {
                canvas.rect(item.x, y, 10, 10, fill: StageColors.group(index))
                canvas.text(item.x + 14, y + 9, groupLabels[index], size: 11)
            } else {
                canvas.line(item.x + 5, y - 2, item.x + 5, y + 12, stroke: "#000", width: 2)
                canvas.text(item.x + 12, y + 9, "baseline", size: 11)
            }
        }
        for (rowIndex, row) in rows.enumerated() {
            let y0 = top + Double(rowIndex) * blockHeight
            canvas.text(labelWidth - 8, y0 + blockHeight / 2 + 2, row.id, size: 11, anchor: "end", fill: StageColors.color(of: row.stage),
                        attributes: " class=\"bar-label\"")
            for (group, value) in values(row).enumerated() {
                let y = y0 + Double(group) * barHeight
                guard let value, !value.isNaN else {
                    canvas.text(axis.position(0) + 4, y + barHeight - 1, "undefined", size: 9, fill: "#777")
                    continue
                }
                // From 0 to the value, to the left of 0 for a negative one (a mean of log prices, a loss).
                let zero = axis.position(0), end = axis.position(value)
                canvas.rect(min(zero, end), y, abs(end - zero), barHeight - 1, fill: StageColors.group(group),
                            title: "\(row.id), \(groups[group]): \(String(format: "%.4f", value))")
                if let reference = baseline?[group] ?? nil, !reference.isNaN {
                    canvas.line(axis.position(reference), y - 1, axis.position(reference), y + barHeight, stroke: "#000", width: 2)
                }
            }
        }
        return canvas.render(title: "\(title) per group, each method against the baseline", id: id)
    }
}
