import COpenBLAS
import Foundation

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

    /// The `OPENBLAS_CORETYPE` a worker should run with, or nil to leave OpenBLAS's own choice. OpenBLAS 0.3.21
    /// (Debian 12's) does not recognise this machine's Xeon (family 6, model 0xCF, with AVX-512) and falls back
    /// to its generic "Prescott" kernels, 3–4× slower at dgemm than the AVX-512 ones the processor runs (13
    /// against 41–60 GFlop/s for a 200 × 128 × 98 product here). When it did so, this names the kernels the
    /// processor's flags allow: SkylakeX for AVX-512 (F, BW, VL, DQ), Haswell for AVX2 with FMA. A user's own
    /// `OPENBLAS_CORETYPE` is kept. OpenBLAS reads it when it loads, so only a process started with it (a
    /// worker) benefits; the host itself does no heavy BLAS work.
    public static func workerCoreType(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, let name = openblas_get_corename().map({ String(cString: $0) }),
              name.lowercased() == "prescott",
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Limits OpenBLAS's own thread pool; fairlab runs several single-threaded workers instead.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Makes this process's BLAS single-threaded and stops the threads OpenBLAS started when it loaded: unless
    /// OPENBLAS_NUM_THREADS=1 was set before the process started (as for workers), each spins on a core for
    /// about 0.1 s after loading and after each call, and a comparison's host, which does no heavy BLAS work,
    /// took a core from the workers reading the dataset and describing plugins (70 ms of spinning on Adult's
    /// four-job run).
    public static func stopThreadPool() {
        openblas_set_num_threads(1)
        blas_thread_shutdown_()
    }
}
