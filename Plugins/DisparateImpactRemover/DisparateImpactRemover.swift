import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing by Feldman et al.'s disparate impact remover (2015): every feature column except the
/// protected attributes' own is moved, by `repair_level` λ, towards a distribution the privileged and
/// unprivileged sides share, so that a column no longer tells the sides apart. Fitted on the training rows;
/// the same repair is applied to test rows (AIF360 can only repair the data it is given).
///
/// - `mode=aif360` (default): AIF360 0.6.1's repair (BlackBoxAuditing's), on ranks of *distinct* values. Per
///   column, each side's sorted distinct values are cut into m buckets (m the smaller side's count of distinct
///   values; bucket k spans positions round(a·N) ..< round((a + 1/m)·N) with a accumulated in steps of 1/m,
///   halves to even); a bucket's median is the lower median of its values, the target the lower median of the
///   sides' medians; a value of rank r moves to the value of rank r + round((t − r)·λ) among the column's distinct
///   values. Outputs are values the column already has; a 0/1 column that both sides use both values of stays.
///   On training rows this equals AIF360 exactly. A test value takes the repair of the same value on its side in
///   training, or the shift of the nearest training value below it (the lowest if none is below).
/// - `mode=quantile`: the paper's repair of rows: a value y of a side with training distribution F gets
///   u = (#below + ½·#equal)/n on that side, and moves to (1 − λ)·y + λ·median over sides of Q_side(u), where
///   Q(u) is the side's sorted training value at ⌊u·n⌋. It moves one-hot columns too; a column with few
///   distinct values cannot be fully aligned, since tied rows move together.
///
/// The protected columns are those the host describes as such (ABI 2). They are not repaired, and are dropped
/// from the output unless `keep_protected` (AIF360's demo deletes them before training its classifier; a
/// repaired model that still sees the attribute undoes the repair). Every unprivileged group is pooled against
/// every privileged one, as AIF360 groups a binary protected column.
final class DisparateImpactRemover: FairlabMethod {
    static let parameters = [
        Parameter("repair_level", .real(minimum: 0, maximum: 1), default: "1", description: "how far to move each column (0: not at all, 1: fully)"),
        Parameter("mode", .choice(["aif360", "quantile"]), default: "aif360",
                  description: "aif360: AIF360's repair of distinct values' ranks; quantile: the paper's repair of rows"),
        Parameter("keep_protected", .boolean, default: "false",
                  description: "keep the protected attributes' own columns as features (AIF360's demo drops them before training)"),
    ]

    private let host: HostServices
    private let level: Double
    private let quantileMode: Bool
    private let keepProtected: Bool
    /// The protected attributes' own columns (dropped from the output unless kept).
    private var protectedColumns: [Int] = []
    /// Per repaired column: for each side, its sorted training values and what each becomes (aif360 mode), or its
    /// sorted training rows (quantile mode).
    private var repairs: [(column: Int, sides: [SideRepair])] = []

    /// One side's repair of one column.
    struct SideRepair {
        /// Sorted values (distinct in aif360 mode, every row's in quantile mode).
        var values: [Double]
        /// aif360 mode: the repaired value of each of `values`.
        var repaired: [Double]
    }

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        level = parameters.number("repair_level")
        quantileMode = parameters.text("mode") == "quantile"
        keepProtected = parameters.number("keep_protected") != 0
    }

    func fit(train: DataView, validation: DataView?) throws {
        guard let columns = train.columns else {
            throw PluginError.invalidInput("the disparate impact remover needs the host to say which columns are protected (ABI 2)")
        }
        let codes = try train.requireGroupCodes()
        let sides = PrivilegedSides(train.groups, host: host)
        let side = (0..<train.rows).map { sides.index(codes[$0]) }
        guard side.contains(0), side.contains(1) else { throw PluginError.invalidInput("both a privileged and an unprivileged group need training rows") }
        protectedColumns = columns.indices.filter { columns[$0].kind == FL_COLUMN_PROTECTED }
        guard protectedColumns.count < columns.count else { throw PluginError.invalidInput("there is no feature column to repair besides the protected ones") }
        repairs = columns.indices.filter { columns[$0].kind != FL_COLUMN_PROTECTED }.map { column in
            let values = (0..<train.rows).map { train.feature($0, column) }
            let bySide = (0..<2).map { s in values.indices.filter { side[$0] == s }.map { values[$0] } }
            return (column, quantileMode ? bySide.map { SideRepair(values: $0.sorted(), repaired: []) } : Self.rankRepair(values, bySide, level: level))
        }
    }

    /// AIF360's (BlackBoxAuditing's) repair of one column: the repaired value of each side's distinct values.
    static func rankRepair(_ all: [Double], _ bySide: [[Double]], level: Double) -> [SideRepair] {
        let distinct = Array(Set(all)).sorted()
        let rank = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let sideValues = bySide.map { Array(Set($0)).sorted() }
        var repaired = sideValues.map { $0 }
        let buckets = sideValues.map(\.count).min()!
        let step = 1.0 / Double(buckets)
        var position = [Double](repeating: 0, count: sideValues.count)
        func round(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }
        for _ in 0..<buckets {
            var ranges: [Range<Int>] = []
            for (s, values) in sideValues.enumerated() {
                let n = Double(values.count)
                let start = round(position[s] * n), end = round((position[s] + step) * n)
                position[s] += step
                ranges.append(start..<max(start, min(end, values.count)))
            }
            // Lower medians: of each bucket's values, then of the sides' medians.
            let medians = zip(sideValues, ranges).compactMap { values, range in range.isEmpty ? nil : values[range.lowerBound + (range.count - 1) / 2] }
            guard !medians.isEmpty else { continue }
            let target = medians.sorted()[(medians.count - 1) / 2]
            let t = rank[target]!
            for (s, range) in ranges.enumerated() {
                for index in range {
                    let r = rank[sideValues[s][index]]!
                    repaired[s][index] = distinct[r + round(Double(t - r) * level)]
                }
            }
        }
        return zip(sideValues, repaired).map { SideRepair(values: $0, repaired: $1) }
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard !repairs.isEmpty else { throw PluginError.invalidInput("transform before fit") }
        let codes = try data.requireGroupCodes()
        let sides = PrivilegedSides(data.groups, host: nil)
        let rows = data.rows
        // Output columns: the repaired ones in order, with the protected ones where they were if kept.
        let outputColumns = (0..<data.cols).filter { keepProtected || !protectedColumns.contains($0) }
        if outputColumns.count != data.cols { try output.resizeFeatures(to: outputColumns.count) }
        let features = output.features
        let repairOf = Dictionary(uniqueKeysWithValues: repairs.map { ($0.column, $0.sides) })
        for (position, column) in outputColumns.enumerated() {
            for i in 0..<rows {
                let value = data.feature(i, column)
                guard let repair = repairOf[column] else { features[i + position * rows] = value; continue }
                let side = sides.index(codes[i])
                features[i + position * rows] = quantileMode ? quantileRepair(value, side: side, repair) : Self.lookup(value, repair[side])
            }
        }
    }

    /// The repair of `value` on a side: the shift the same training value gets, or the nearest one below it
    /// (the lowest if none is below), so an unseen value moves with its neighbours and level 0 changes nothing.
    static func lookup(_ value: Double, _ side: SideRepair) -> Double {
        let k = max(0, SortedSearch.countAtMost(value, in: side.values) - 1)
        return side.values[k] == value ? side.repaired[k] : value + (side.repaired[k] - side.values[k])
    }

    /// The paper's repair of a row's value: its quantile on its side, the median of the sides' values there.
    private func quantileRepair(_ value: Double, side: Int, _ repair: [SideRepair]) -> Double {
        let own = repair[side].values
        let below = Double(SortedSearch.countBelow(value, in: own))
        let equal = Double(SortedSearch.countAtMost(value, in: own)) - below
        let u = (below + equal / 2) / Double(own.count)
        let quantiles = repair.map { side in side.values[min(side.values.count - 1, Int(u * Double(side.values.count)))] }.sorted()
        let median = quantiles.count % 2 == 1 ? quantiles[quantiles.count / 2] : (quantiles[quantiles.count / 2 - 1] + quantiles[quantiles.count / 2]) / 2
        return (1 - level) * value + level * median
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.disparate-impact-remover", name: "Disparate impact remover", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "disparate-impact-remover", name: "Disparate impact remover (Feldman et al.; AIF360's DisparateImpactRemover)",
            version: "1.0.0",
            description: "Moves every non-protected feature towards a distribution shared by the privileged and unprivileged sides.",
            stage: .preProcessing, needs: [.groupsAtPredict], parameters: DisparateImpactRemover.parameters,
            make: { host, parameters in DisparateImpactRemover(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
