/// The dropout masks' random numbers: SplitMix64 (Steele, Lea & Flood 2014) seeded from the host's stream, so a
/// run is reproducible from its seed without a host call for each of the ~10⁸ draws of a training run.
struct DropoutStream {
    private var state: UInt64

    /// A stream seeded by 64 bits taken from two uniforms of the host's stream.
    init(seedHigh: Double, seedLow: Double) {
        state = UInt64(seedHigh * 4_294_967_296) << 32 | UInt64(seedLow * 4_294_967_296)
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills `mask` with 1 / keep for a kept unit (probability ⌊keep · 2³²⌋ / 2³², within 2⁻³² of keep) and 0
    /// for a dropped one: two units from each 64 random bits.
    mutating func fill(_ mask: inout [Double], keep: Double) {
        let threshold = UInt64(keep * 4_294_967_296), scale = 1 / keep
        mask.withUnsafeMutableBufferPointer { mask in
            var k = 0
            while k < mask.count {
                let bits = next()
                mask[k] = bits & 0xFFFF_FFFF < threshold ? scale : 0
                if k + 1 < mask.count { mask[k + 1] = bits >> 32 < threshold ? scale : 0 }
                k += 2
            }
        }
    }
}
