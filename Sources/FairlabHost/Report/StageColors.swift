/// The colours the report gives pipeline stages and groups (ColorBrewer's Dark2, distinguishable in print and
/// by most colour-blind readers).
enum StageColors {
    static func color(of stage: String) -> String {
        switch stage {
        case "pre": return "#1b9e77"
        case "in": return "#d95f02"
        case "post": return "#7570b3"
        default: return "#333333"
        }
    }

    static let stages: [(stage: String, label: String)] = [
        ("baseline", "baseline"), ("pre", "pre-processing"), ("in", "in-processing"), ("post", "post-processing"),
    ]

    /// Group colours, reused in order for more groups than there are colours.
    static func group(_ index: Int) -> String {
        let palette = ["#1f78b4", "#e6ab02", "#66a61e", "#e7298a", "#a6761d", "#666666", "#a6cee3", "#fb9a99"]
        return palette[index % palette.count]
    }
}
