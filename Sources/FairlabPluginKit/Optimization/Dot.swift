/// Σ aᵢ bᵢ over the shorter of the two (the plugins' small vectors; long ones go through the host's BLAS).
@inlinable
public func dot<A: Sequence, B: Sequence>(_ a: A, _ b: B) -> Double where A.Element == Double, B.Element == Double {
    var sum = 0.0
    for (x, y) in zip(a, b) { sum += x * y }
    return sum
}
