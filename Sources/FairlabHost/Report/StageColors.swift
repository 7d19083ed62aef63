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

    /// Group colours: twelve that stay apart (ColorBrewer's Paired, reordered so neighbours differ in hue),
    /// reused in order only beyond twelve groups.
    static func group(_ index: Int) -> String {
        let palette = [
            "#1f78b4", "#ff7f00", "#33a02c", "#e31a1c", "#6a3d9a", "#b15928",
            "#a6cee3", "#fdbf6f", "#b2df8a", "#fb9a99", "#cab2d6", "#ffff99",
        ]
        return palette[index % palette.count]
    }
}
