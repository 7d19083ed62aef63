import COpenBLAS

/// Checked access to the CBLAS routines fairlab uses. OpenBLAS takes 32-bit dimensions (`blasint`), so every
/// call first checks that its sizes fit.
public enum BLAS {
    /// Converts a dimension to the 32-bit integer CBLAS expects, trapping on sizes no caller should produce
    /// (datasets are limited to `Matrix.maximumDimension` when loaded).
    @inline(__always)
    static func dimension(_ value: Int) -> Int32 {
        precondition(value >= 0 && value <= Int(Int32.max), "BLAS dimension \(value) does not fit in 32 bits")
        return Int32(value)
    }

    /// Limits OpenBLAS's own thread pool; fairlab runs several single-threaded workers instead.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
