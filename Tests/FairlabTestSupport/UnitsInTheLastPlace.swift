/// How far `value` is from `reference`, in units in the last place of `reference` (below the smallest normal, in
/// units of the smallest subnormal, the spacing there); infinitely far where one is NaN or infinite and the other
/// not the same, so that a running maximum of it cannot pass a NaN by.
public func unitsInTheLastPlace(_ value: Double, from reference: Double) -> Double {
    if value == reference || (value.isNaN && reference.isNaN) { return 0 }
    guard value.isFinite, reference.isFinite else { return .infinity }
    return abs(value - reference) / max(reference.magnitude.ulp, 0x1p-1074)
}
