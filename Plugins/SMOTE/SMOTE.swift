import CFairlabPlugin
import FairlabPluginKit

/// SMOTE (Chawla et al. 2002) as a pre-processing plugin that adds synthetic training rows (ABI 3's
/// `append_rows`); test rows pass through.
///
/// - `smote`: imbalanced-learn's `SMOTE` on the label. The minority label's rows are raised to `ratio` × the
///   majority's count (imbalanced-learn's float `sampling_strategy`: int(ratio · n_majority − n_minority) new
///   rows). Each new row draws one of the n_minority · k (row, neighbour) pairs uniformly and a gap uniformly in
///   [0, 1) from the host's seeded stream, and lies at row + gap · (neighbour − row), the neighbours being each
///   row's k nearest minority rows. Its group is the nearer parent's.
/// - `group-smote`: every (group, label) cell is raised to the size of the largest cell, the cell sizes of
///   Fair-SMOTE (Chakraborty, Majumder & Menzies 2021), each cell interpolating within itself (k nearest
///   neighbours within the cell), so a synthetic row's group and label are its parents'. An empty cell has
///   nothing to interpolate and stays empty, with a warning in the method's row.
///
/// With `categorical=nearest`, the one-hot and protected columns of a synthetic row are copied from the nearer
/// parent instead of interpolated, so every row keeps one category per categorical column.
final class SMOTE: FairlabMethod {
    enum Cells { case label(ratio: Double), groupAndLabel }

    static let parameters = [
        Parameter("k_neighbors", .integer(minimum: 1, maximum: 1000), default: "5", description: "nearest neighbours each row interpolates towards"),
        Parameter("categorical", .choice(["interpolate", "nearest"]), default: "interpolate",
                  description: "one-hot and protected columns: interpolated (as imbalanced-learn) or the nearer parent's"),
    ]
    static let ratioParameter = Parameter(
        "ratio", .real(minimum: 0.001, maximum: 1), default: "1", description: "minority rows after resampling, as a share of the majority's")

    private let host: HostServices
    private let cells: Cells
    private let k: Int
    private let copiesCategories: Bool
    private var synthetic = SyntheticRows()
    private var fittedRows = -1
    /// The most columns any of the fit's neighbour searches took in single precision (for the log).
    private var singlePrecisionColumns = 0

    init(host: HostServices, cells: Cells, parameters: ParameterValues) {
        self.host = host
        self.cells = cells
        k = Int(parameters.number("k_neighbors"))
        copiesCategories = parameters.text("categorical") == "nearest"
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        if copiesCategories && train.columns == nil {
            throw PluginError.invalidInput("categorical=nearest needs the host to say which columns are one-hot (ABI 2)")
        }
        synthetic = SyntheticRows()
        singlePrecisionColumns = 0
        fittedRows = train.rows
        switch cells {
        case .label(let ratio):
            let positives = (0..<train.rows).filter { labels[$0] == 1 }, negatives = (0..<train.rows).filter { labels[$0] == 0 }
            let (minority, majority) = positives.count <= negatives.count ? (positives, negatives) : (negatives, positives)
            let wanted = Int(ratio * Double(majority.count) - Double(minority.count))
            guard !minority.isEmpty else { throw PluginError.invalidInput("the training rows have one label only: there is no minority to over-sample") }
            guard wanted > 0 else {
                host.log("the minority label already has \(minority.count) rows for \(majority.count): ratio=\(ratio) adds none", level: FL_LOG_WARNING)
                return
            }
            synthesise(wanted, from: minority, label: labels[minority[0]], train, codes: codes)
        case .groupAndLabel:
            var members = [[Int]](repeating: [], count: train.groups.count * 2)
            for i in 0..<train.rows { members[Int(codes[i]) * 2 + Int(labels[i])].append(i) }
            let largest = members.map(\.count).max() ?? 0
            for (cell, rows) in members.enumerated() where rows.count < largest {
                let group = train.groups.names[cell / 2], label = cell % 2 == 1 ? "favourable" : "unfavourable"
                guard !rows.isEmpty else {
                    host.log("group \(group) has no \(label) training rows to synthesise from: that cell stays empty", level: FL_LOG_WARNING)
                    continue
                }
                synthesise(largest - rows.count, from: rows, label: Double(cell % 2), train, codes: codes)
            }
        }
        host.log(
            "SMOTE adds \(synthetic.count) synthetic rows to \(train.rows); the neighbour search took the products of \(singlePrecisionColumns) of \(train.cols) columns (0/1 ones) in single precision",
            level: FL_LOG_INFO)
    }

    /// Adds `count` rows of `label` interpolated between rows of `members` (all of that label) and their k nearest
    /// neighbours within it.
    private func synthesise(_ count: Int, from members: [Int], label: Double, _ train: DataView, codes: UnsafeBufferPointer<Int32>) {
        let n = members.count, cols = train.cols
        var points = [Double](repeating: 0, count: n * cols)
        points.withUnsafeMutableBufferPointer { points in
            members.withUnsafeBufferPointer { members in
                for j in 0..<cols {
                    let column = train.column(j)
                    for position in 0..<n { points[position + j * n] = column[members[position]] }
                }
            }
        }
        let neighbourCount = NearestNeighbours.count(requested: k, rows: n)
        if neighbourCount < k {
            host.log(neighbourCount == 0 ? "a cell of one row: its synthetic rows copy it" : "k_neighbors=\(k) but a cell has \(n) rows: \(neighbourCount) neighbours used", level: FL_LOG_WARNING)
        }
        // One draw for the (row, neighbour) pair among the n · k, then one for the gap (imbalanced-learn draws
        // every pair first, then every gap: the same distribution, another order). All draws come first, so that
        // only the rows drawn as a base need their neighbours searched.
        let slots = max(neighbourCount, 1), pairs = n * slots
        var draws: [(base: Int, slot: Int, gap: Double)] = []
        draws.reserveCapacity(count)
        var drawn = [Bool](repeating: false, count: n)
        for _ in 0..<count {
            let draw = min(pairs - 1, Int(host.randomUniform() * Double(pairs)))
            draws.append((draw / slots, draw % slots, host.randomUniform()))
            drawn[draw / slots] = true
        }
        let neighbours = NearestNeighbours(points: points, rows: n, cols: cols, k: k, queries: (0..<n).filter { drawn[$0] }, blas: host.blas)
        singlePrecisionColumns = max(singlePrecisionColumns, neighbours.singlePrecisionColumns)
        for (base, slot, gap) in draws {
            let partner = neighbourCount == 0 ? base : neighbours.neighbours[base * neighbourCount + slot]
            synthetic.bases.append(members[base])
            synthetic.partners.append(members[partner])
            synthetic.gaps.append(gap)
            synthetic.labels.append(label)
            synthetic.groupCodes.append(codes[members[gap < 0.5 ? base : partner]])
        }
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard output.labels != nil else { return }  // test rows: unchanged
        guard data.rows == fittedRows else {
            throw PluginError.invalidInput("SMOTE adds rows to the training rows it was fitted on; given \(data.rows), fitted on \(fittedRows)")
        }
        guard synthetic.count > 0 else { return }
        let original = data.rows, cols = data.cols
        try output.appendRows(synthetic.count)
        let rows = output.rows, features = output.features
        guard let labels = output.labels, let codes = output.groupCodes else {
            throw PluginError(FL_ERROR_INTERNAL, "the host added rows but gave no labels or group codes for them")
        }
        let categoryColumns = (0..<cols).map { j in data.columns.map { $0[j].kind != FL_COLUMN_NUMERIC } ?? false }
        // Column by column: the writes are contiguous, and each column's reads stay within one column of the data.
        for j in 0..<cols {
            let column = data.column(j)
            let target = UnsafeMutableBufferPointer(rebasing: features[(j * rows + original)..<(j * rows + original + synthetic.count)])
            if copiesCategories && categoryColumns[j] {
                for r in 0..<synthetic.count { target[r] = column[synthetic.nearer(r)] }
            } else {
                for r in 0..<synthetic.count {
                    let from = column[synthetic.bases[r]], to = column[synthetic.partners[r]]
                    target[r] = from + synthetic.gaps[r] * (to - from)
                }
            }
        }
        for r in 0..<synthetic.count {
            labels[original + r] = synthetic.labels[r]
            codes[original + r] = synthetic.groupCodes[r]
        }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.smote", name: "SMOTE", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "smote", name: "SMOTE on the label (Chawla et al. 2002, as imbalanced-learn)", version: "1.0.0",
            description: "Adds minority-label rows interpolated between each minority row and one of its k nearest minority neighbours.",
            stage: .preProcessing, needs: [.labels], parameters: SMOTE.parameters + [SMOTE.ratioParameter],
            make: { host, parameters in SMOTE(host: host, cells: .label(ratio: parameters.number("ratio")), parameters: parameters) }),
        MethodDefinition(
            id: "group-smote", name: "Group-aware SMOTE (cells sized as Fair-SMOTE)", version: "1.0.0",
            description: "Raises every (group, label) cell to the largest cell's size with rows interpolated within the cell.",
            stage: .preProcessing, needs: [.labels], parameters: SMOTE.parameters,
            make: { host, parameters in SMOTE(host: host, cells: .groupAndLabel, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
