import CFairlabKernels

/// The dropout masks' random numbers: SplitMix64 (Steele, Lea & Flood 2014) seeded from the host's stream, so a
/// run is reproducible from its seed without a host call for each of the ~10⁸ draws of a training run.
struct DropoutStream {
    private var state: UInt64

    /// A stream seeded by 64 bits taken from two uniforms of the host's stream.
    init(seedHigh: Double, seedLow: Double) {
        state = UInt64(seedHigh * 4_294_967_296) << 32 | UInt64(seedLow * 4_294_967_296)
    }

    /// Fills `mask` with 1 / keep for a kept unit (probability ⌊keep · 2³²⌋ / 2³², within 2⁻³² of keep) and 0
    /// for a dropped one: two units from each 64 random bits the stream draws (in C, `fairlab_dropout_fill`, where
    /// the draws of a mask, each a function of its position in the stream, go several at once).
    mutating func fill(_ mask: inout [Float], keep: Double) {
        let threshold = UInt64(keep * 4_294_967_296), scale = Float(1 / keep)
        state = mask.withUnsafeMutableBufferPointer { fairlab_dropout_fill($0.baseAddress!, Int64($0.count), state, threshold, scale) }
    }
}
