/// The dropout masks' random numbers: SplitMix64 (Steele, Lea & Flood 2014) seeded from the host's stream, so a
/// run is reproducible from its seed without a host call for each of the ~10⁸ draws of a training run.
struct DropoutStream {
    private var state: UInt64

    /// A stream seeded by 64 bits taken from two uniforms of the host's stream.
    init(seedHigh: Double, seedLow: Double) {
        state = UInt64(seedHigh * 4_294_967_296) << 32 | UInt64(seedLow * 4_294_967_296)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }
}
