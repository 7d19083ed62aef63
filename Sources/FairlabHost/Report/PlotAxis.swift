import Foundation

/// A linear axis of a plot: the data range it shows, padded to round ticks, and its mapping onto the page.
struct PlotAxis {
    let lower: Double
    let upper: Double
    /// Tick values: multiples of 1, 2 or 5 times a power of ten, about five of them.
    let ticks: [Double]
    /// Page coordinates of `lower` and `upper`.
    let start: Double
    let end: Double

    /// An axis covering `values` (NaN and infinities ignored; an empty or flat range is widened).
    init(covering values: [Double], from start: Double, to end: Double, includingZero: Bool = false) {
        // Values beyond ±1e12 are no plot's data; leaving them out keeps every step below finite.
        var finite = values.filter { $0.isFinite && abs($0) < 1e12 }
        if includingZero { finite.append(0) }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-9 {
            let pad = max(abs(low) * 0.05, 0.01)
            low -= pad
            high += pad
        }
        let rough = (high - low) / 5
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (low / step).rounded(.down) * step, last = (high / step).rounded(.up) * step
        lower = first
        upper = last
        ticks = (0...Int(((last - first) / step).rounded())).map { first + Double($0) * step }
        self.start = start
        self.end = end
        decimals = max(0, -Int(log10(step).rounded(.down)))
    }

    /// Digits after the point that tell the ticks apart.
    let decimals: Int

    /// The page coordinate of `value`.
    func position(_ value: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    func label(_ value: Double) -> String {
        String(format: "%.\(decimals)f", abs(value) < 1e-12 ? 0 : value)
    }
}
