import Foundation

/// A small writer of inline SVG: the shapes and text the report's plots are made of, escaped, with numbers
/// written compactly. Everything is drawn in user units of a fixed view box, so a plot scales with the page and
/// prints sharply.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        elements.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
            + (dashed ? " stroke-dasharray=\"4 3\"" : "") + "/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, dashed: Bool = false, attributes: String = "") {
        let coordinates = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
            + (dashed ? " stroke-dasharray=\"5 3\"" : "") + attributes + "/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, title: String? = nil, attributes: String = "") {
        let shape = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(width, 0)))\" height=\"\(n(max(height, 0)))\" fill=\"\(fill)\"\(attributes)"
        elements.append(title.map { shape + "><title>\(escapeHTML($0))</title></rect>" } ?? shape + "/>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, stroke: String = "none", title: String? = nil, attributes: String = "") {
        let shape = "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(radius))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"2\"\(attributes)"
        elements.append(title.map { shape + "><title>\(escapeHTML($0))</title></circle>" } ?? shape + "/>")
    }

    /// Text anchored at (x, y): `anchor` is start, middle or end; `rotate` turns it about its anchor.
    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double = 11, anchor: String = "start", rotate: Double = 0,
                       weight: String = "normal", fill: String = "#222", attributes: String = "") {
        let rotation = rotate == 0 ? "" : " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\""
        elements.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(rotation)\(attributes)>\(escapeHTML(content))</text>")
    }

    /// A plot's frame: vertical grid lines with labels under the x ticks, horizontal ones with labels left of the
    /// y ticks (each tick a page position and its text), the box, and both axis titles.
    mutating func frame(
        xTicks: [(position: Double, label: String)], yTicks: [(position: Double, label: String)],
        left: Double, right: Double, top: Double, bottom: Double, xTitle: String, yTitle: String
    ) {
        for tick in xTicks {
            line(tick.position, top, tick.position, bottom, stroke: "#e5e5e5")
            text(tick.position, bottom + 16, tick.label, size: 11, anchor: "middle")
        }
        for tick in yTicks {
            line(left, tick.position, right, tick.position, stroke: "#e5e5e5")
            text(left - 6, tick.position + 4, tick.label, size: 11, anchor: "end")
        }
        rect(left, top, right - left, bottom - top, fill: "none", attributes: " stroke=\"#999\"")
        text((left + right) / 2, bottom + 40, xTitle, size: 13, anchor: "middle", weight: "bold")
        text(16, (top + bottom) / 2, yTitle, size: 13, anchor: "middle", rotate: -90, weight: "bold")
    }

    /// The SVG element, with an accessible title.
    func render(title: String, id: String) -> String {
        "<svg id=\"\(escapeHTML(id))\" class=\"plot\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(escapeHTML(title))\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title>\(escapeHTML(title))</title>" + elements.joined() + "</svg>"
    }

    /// A coordinate with at most two decimals, no trailing zeros. Plots pass finite values only; anything else is
    /// drawn at 0 rather than written as text no SVG reader accepts.
    private func n(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// `text` with the characters HTML gives meaning to escaped, safe inside elements and quoted attributes.
func escapeHTML(_ text: String) -> String {
    escaping(text, ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"])
}
