import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing by Fairlearn 0.15's `CorrelationRemover`: the protected attributes' own columns S (centred
/// by their training means s̄) are regressed out of every other column Z by least squares without intercept,
/// β = argmin ‖Z − (S − s̄)β‖, and the output is α·(Z − (S − s̄)β) + (1 − α)·Z, without the protected columns.
/// β and s̄ are fitted on the training rows and applied unchanged to test rows. The protected columns are the
/// ones the host describes as such (ABI 2's column kinds).
final class CorrelationRemover: FairlabMethod {
    static let parameters = [
        Parameter("alpha", .real(minimum: 0, maximum: 1), default: "1", description: "how much of the correlation to remove (1: all)"),
    ]

    private let alpha: Double
    private let host: HostServices
    private var sensitive: [Int] = []
    private var kept: [Int] = []
    private var means: [Double] = []
    /// β, one row per sensitive column, one column per kept column: beta[s][j].
    private var beta: [[Double]] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        alpha = parameters.number("alpha")
    }

    func fit(train: DataView, validation: DataView?) throws {
        guard let columns = train.columns else {
            throw PluginError.invalidInput("the correlation remover needs the host to say which columns are protected (ABI 2)")
        }
        // The fitted state is set only once the fit has succeeded: a failed fit leaves the instance unfitted.
        beta = []
        let sensitive = columns.indices.filter { columns[$0].kind == FL_COLUMN_PROTECTED }
        let kept = columns.indices.filter { columns[$0].kind != FL_COLUMN_PROTECTED }
        guard !sensitive.isEmpty else { throw PluginError.invalidInput("no protected attribute's own column among the features (was it dropped at import?)") }
        let n = train.rows
        // Column by column: each column is contiguous, so every pass is a streaming read.
        let means = sensitive.map { s in train.column(s).reduce(0, +) / Double(n) }
        let centred = sensitive.enumerated().map { a, s in train.column(s).map { $0 - means[a] } }
        // Normal equations (S_cᵀ S_c) β = S_cᵀ Z, k × k with k the number of protected columns.
        let gram = centred.map { a in centred.map { b in dot(a, b) } }
        // S_cᵀ Z: one dgemv per protected column over the whole matrix, the protected columns' entries then dropped.
        let matrix = train.matrix.pointee, blas = host.blas
        var products = [Double](repeating: 0, count: train.cols)
        let cross = centred.map { a in
            blas.dgemv(Int32(FL_BLAS_COL_MAJOR), Int32(FL_BLAS_TRANS), Int32(n), Int32(train.cols), 1, matrix.data,
                            Int32(matrix.leading_dimension), a, 1, 0, &products, 1)
            return kept.map { products[$0] }
        }
        beta = try Self.solve(gram, cross)
        (self.sensitive, self.kept, self.means) = (sensitive, kept, means)
    }

    /// Solves G X = C for X by Gaussian elimination with partial pivoting (G is k × k, tiny).
    static func solve(_ gram: [[Double]], _ right: [[Double]]) throws -> [[Double]] {
        var g = gram, c = right
        let k = g.count
        for pivot in 0..<k {
            let best = (pivot..<k).max { abs(g[$0][pivot]) < abs(g[$1][pivot]) }!
            guard abs(g[best][pivot]) > 1e-12 else { throw PluginError.invalidInput("the protected columns are constant or collinear on the training rows") }
            g.swapAt(pivot, best)
            c.swapAt(pivot, best)
            for row in 0..<k where row != pivot {
                let factor = g[row][pivot] / g[pivot][pivot]
                for column in 0..<k { g[row][column] -= factor * g[pivot][column] }
                for column in c[row].indices { c[row][column] -= factor * c[pivot][column] }
            }
        }
        return (0..<k).map { row in c[row].map { $0 / g[row][row] } }
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard !beta.isEmpty else { throw PluginError.invalidInput("transform before fit") }
        guard data.cols == kept.count + sensitive.count else {
            throw PluginError.invalidInput("fitted on \(kept.count + sensitive.count) columns, given \(data.cols)")
        }
        try output.resizeFeatures(to: kept.count)
        let features = output.features, rows = data.rows
        let shifts = sensitive.enumerated().map { a, s in data.column(s).map { $0 - means[a] } }
        for (j, column) in kept.enumerated() {
            let original = data.column(column)
            let output = UnsafeMutableBufferPointer(rebasing: features[(j * rows)..<((j + 1) * rows)])
            // Z − α (S − s̄) β: (1 − α) Z + α (Z − (S − s̄) β), written as one correction per protected column (fit
            // found at least one), the first fused with the copy (one pass over the output instead of two).
            let first = shifts[0], firstCoefficient = alpha * beta[0][j]
            for i in 0..<rows { output[i] = original[i] - firstCoefficient * first[i] }
            for a in shifts.indices.dropFirst() {
                let coefficient = alpha * beta[a][j]
                let shift = shifts[a]
                for i in 0..<rows { output[i] -= coefficient * shift[i] }
            }
        }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.correlation-remover", name: "Correlation remover", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "correlation-remover", name: "Correlation remover (Fairlearn's CorrelationRemover)", version: "1.0.0",
            description: "Removes the linear correlation of every feature with the protected attributes' columns, and drops those columns.",
            stage: .preProcessing, needs: [], parameters: CorrelationRemover.parameters,
            make: { host, parameters in CorrelationRemover(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
