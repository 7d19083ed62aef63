/// Per-group bars of one per-group rate (selection rate, TPR, FPR, accuracy): for every method a bar per group,
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
        let barHeight = 9.0, gap = 8.0, labelWidth = 210.0, width = 820.0
        let blockHeight = Double(groups.count) * barHeight + gap
        let top = 24.0, height = top + Double(rows.count) * blockHeight + 30
        let axis = PlotAxis(covering: [0, 1], from: labelWidth, to: width - 20)
        var canvas = SVGCanvas(width: width, height: height)
        for tick in axis.ticks {
            let x = axis.position(tick)
            canvas.line(x, top - 4, x, height - 26, stroke: "#e5e5e5")
            canvas.text(x, height - 12, axis.label(tick), size: 11, anchor: "middle")
        }
        // Legend: the groups' colours and the baseline tick.
        var legendX = labelWidth
        for (index, group) in groups.enumerated() {
            canvas.rect(legendX, 6, 10, 10, fill: StageColors.group(index))
            canvas.text(legendX + 14, 15, group, size: 11)
            legendX += 14 + Double(group.count) * 6.5 + 16
        }
        if baseline != nil {
            canvas.line(legendX + 5, 4, legendX + 5, 18, stroke: "#000", width: 2)
            canvas.text(legendX + 12, 15, "baseline", size: 11)
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
                canvas.rect(axis.position(0), y, axis.position(value) - axis.position(0), barHeight - 1, fill: StageColors.group(group),
                            title: "\(row.id), \(groups[group]): \(String(format: "%.4f", value))")
                if let reference = baseline?[group] ?? nil, !reference.isNaN {
                    canvas.line(axis.position(reference), y - 1, axis.position(reference), y + barHeight, stroke: "#000", width: 2)
                }
            }
        }
        return canvas.render(title: "\(title) per group, each method against the baseline", id: id)
    }
}
