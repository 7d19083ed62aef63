import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing by adjusting features, the simple, explainable mitigation of segmentation studies: each
/// numeric feature of each group is shifted by the difference between the pooled training mean and the
/// group's training mean, so every group has the same mean of every numeric feature. One-hot columns are left
/// as they are; the protected attributes' own columns are dropped unless `keep_protected` (a model that still
/// sees the attribute could undo the shift). The shifts are fitted on the training rows and applied to test rows
/// by their group. It reads no label, so it serves every task: before a classifier, a regression or k-means (the
/// "adjust features" mitigation of a segmentation study).
final class FeatureAdjustment: FairlabMethod {
    static let parameters = [
        Parameter("keep_protected", .boolean, default: "false", description: "keep the protected attributes' own columns as features"),
    ]

    private let keepProtected: Bool
    /// shifts[group][column] for numeric columns, 0 for the others.
    private var shifts: [[Double]] = []
    private var outputColumns: [Int] = []

    init(parameters: ParameterValues) { keepProtected = parameters.number("keep_protected") != 0 }

    func fit(train: DataView, validation: DataView?) throws {
        guard let columns = train.columns else {
            throw PluginError.invalidInput("feature adjustment needs the host to say which columns are numeric (ABI 2)")
        }
        let codes = try train.requireGroupCodes()
        let groups = train.groups.count
        var sums = [[Double]](repeating: [Double](repeating: 0, count: train.cols), count: groups)
        var counts = [Double](repeating: 0, count: groups)
        var pooled = [Double](repeating: 0, count: train.cols)
        for i in 0..<train.rows {
            let g = Int(codes[i])
            counts[g] += 1
            for j in 0..<train.cols where columns[j].kind == FL_COLUMN_NUMERIC {
                let value = train.feature(i, j)
                sums[g][j] += value
                pooled[j] += value
            }
        }
        shifts = (0..<groups).map { g in
            (0..<train.cols).map { j in
                // A group without training rows keeps its values (no mean to move).
                columns[j].kind == FL_COLUMN_NUMERIC && counts[g] > 0 ? pooled[j] / Double(train.rows) - sums[g][j] / counts[g] : 0
            }
        }
        outputColumns = columns.indices.filter { keepProtected || columns[$0].kind != FL_COLUMN_PROTECTED }
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard !shifts.isEmpty else { throw PluginError.invalidInput("transform before fit") }
        let codes = try data.requireGroupCodes()
        if outputColumns.count != data.cols { try output.resizeFeatures(to: outputColumns.count) }
        let features = output.features, rows = data.rows
        for (position, column) in outputColumns.enumerated() {
            for i in 0..<rows { features[i + position * rows] = data.feature(i, column) + shifts[Int(codes[i])][column] }
        }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.feature-adjustment", name: "Feature adjustment", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "feature-adjustment", name: "Feature adjustment (per-group mean shift)", version: "1.0.0",
            description: "Shifts each numeric feature of each group so that every group has the pooled training mean.",
            stage: .preProcessing, needs: [.groupsAtPredict], tasks: [.binary, .regression, .clustering], parameters: FeatureAdjustment.parameters,
            make: { _, parameters in FeatureAdjustment(parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
