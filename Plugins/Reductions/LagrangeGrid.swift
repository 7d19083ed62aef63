import Glibc

/// The grid of Lagrange multipliers Fairlearn's `GridSearch` tries (`_GridGenerator` with no offset): every
/// integer vector of L1 norm at most u over the basis (the first coordinate outermost, each coordinate ascending
/// from −remaining to +remaining), u the smallest integer above ⌊(size / 2^d)^(1/d) − 1⌋ that gives at least
/// `size` vectors, the first `size` of them, scaled by limit / u.
struct LagrangeGrid {
    /// points[k][b]: the multiplier of basis direction b at grid point k.
    let points: [[Double]]

    init(dimensions: Int, size: Int, limit: Double) {
        // Fairlearn's conservative first guess; for many dimensions it is below 1 (and 2^d would overflow an Int).
        let guess = (pow(Double(size) / pow(2, Double(dimensions)), 1 / Double(dimensions)) - 1).rounded(.down)
        var units = guess.isFinite ? max(0, Int(guess)) : 0
        var vectors: [[Int]] = []
        repeat {
            units += 1
            vectors = []
            var entry = [Int](repeating: 0, count: dimensions)
            func accumulate(_ index: Int, _ remaining: Int) {
                guard index < dimensions else { vectors.append(entry); return }
                for value in -remaining...remaining {
                    entry[index] = value
                    accumulate(index + 1, remaining - abs(value))
                }
            }
            accumulate(0, units)
        } while vectors.count < size
        let scale = limit / Double(units)
        points = vectors.prefix(size).map { $0.map { Double($0) * scale } }
    }
}
