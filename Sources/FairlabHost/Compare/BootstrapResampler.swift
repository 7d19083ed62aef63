import FairlabCore

/// The resamples of one split's test rows that a run's bootstrap intervals are computed from.
///
/// Resample b of the split with seed s is the b-th block of n draws from the seed's "bootstrap" stream, each draw
/// the row ⌊u · n⌋ for u uniform in [0, 1) (`SeededGenerator.nextUniform`). Every method on the split sees the
/// same resamples, so a method's difference from the baseline is paired row for row, and a resample can be
/// recomputed from the seed alone (tools/golden/make_bootstrap_goldens.py does, in NumPy).
public struct BootstrapResampler {
    private var generator: SeededGenerator
    /// The split's test rows, n.
    public let rows: Int

    /// The resamples of the split with seed `seed` and `rows` test rows, from the first.
    public init(seed: UInt64, rows: Int) {
        generator = SeededGenerator(seed: seed, stream: "bootstrap")
        self.rows = rows
    }

    /// Writes the next resample's `rows` row indices into `indices`.
    public mutating func next(into indices: UnsafeMutableBufferPointer<Int>) {
        precondition(indices.count == rows)
        let n = Double(rows)
        for position in 0..<rows { indices[position] = Int(generator.nextUniform() * n) }
    }
}
