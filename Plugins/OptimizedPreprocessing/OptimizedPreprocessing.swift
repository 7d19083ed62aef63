import CFairlabPlugin
import FairlabPluginKit

/// Optimized pre-processing (Calmon et al. 2017) as AIF360's `OptimPreproc`, with the program solved in-house
/// (`OptimizedPreprocessingProgram`, an interior-point linear program; AIF360 hands it to cvxpy). D is the run's
/// groups, X the discrete features named in `columns` (categorical columns' categories, numeric columns' training
/// quantile bins), Y the label. The distortion of mapping (x, y) to (x', y') is the number of bin steps and
/// changed categories, plus 1 for lowering a favourable label (raising one costs nothing, as in AIF360's Adult
/// demo); `clist` and `dlist` bound how much probability may go to each distortion level, `epsilon` how far
/// P(Y' | group) may differ between groups.
///
/// Transform: a training row of group d in cell (x, y) draws its (x', y') from the fitted mapping (AIF360 draws
/// from numpy's stream; fairlab from the host's); a test row draws x' from P(x' | d, x) = Σ_y P(y | d, x) ·
/// Σ_y' P(x', y' | d, x, y) (AIF360's `transform_Y=False` path divides by column sums and is not this), a tuple
/// unseen in training staying as it is. A moved numeric feature takes its new bin's training mean; a moved
/// categorical feature its new category's one-hot values.
final class OptimizedPreprocessing: FairlabMethod {
    static let parameters = [
        Parameter("columns", .text, default: "auto",
                  description: "source columns the mapping may rewrite, comma-separated; auto: the two numeric columns most correlated with the label"),
        Parameter("bins", .integer(minimum: 2, maximum: 20), default: "4", description: "quantile bins of a numeric column"),
        Parameter("epsilon", .real(minimum: 0, maximum: 1), default: "0.05", description: "largest difference of P(Y' = y | group) between groups"),
        Parameter("clist", .text, default: "0.99,1.99,2.99", description: "distortion levels (AIF360's clist)"),
        Parameter("dlist", .text, default: "0.1,0.05,0", description: "largest probability of reaching each level (AIF360's dlist)"),
    ]
    /// More cells or constraints than these make a program too large for the dense normal equations.
    static let largestCellCount = 600
    static let largestConstraintCount = 2_500

    private let host: HostServices
    private let parameters: ParameterValues
    private var coding: CellCoding?
    private var mapping: [[[Double]]] = []
    /// testMapping[d][x]: P(x' | d, x) over tuples, nil where (d, x) had no training rows.
    private var testMapping: [[[Double]?]] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        self.parameters = parameters
    }

    func fit(train: DataView, validation: DataView?) throws {
        let labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        guard train.rows > 0 else { throw PluginError.invalidInput("no training rows") }
        let levels = try parameters.numberList("clist"), limits = try parameters.numberList("dlist")
        guard (levels + limits).allSatisfy({ $0 >= 0 }) else { throw PluginError.invalidInput("clist and dlist must not be negative") }
        guard levels.count == limits.count else { throw PluginError.invalidInput("clist has \(levels.count) levels but dlist \(limits.count) limits") }
        let coding = try CellCoding(train, names: parameters.text("columns"), bins: Int(parameters.number("bins")), labels: labels)
        let groups = train.groups.count
        // The program has about (groups + 1 + levels) · cells constraints, and its normal equations are dense.
        guard let tuples = coding.tupleCount(atMost: Self.largestCellCount / 2), (groups + 1 + levels.count) * 2 * tuples <= Self.largestConstraintCount else {
            throw PluginError.invalidInput("the columns \(coding.features.map(\.name).joined(separator: ", ")) with \(groups) groups make a program of more than \(Self.largestConstraintCount) constraints (\(Self.largestCellCount) (x, y) cells at most): choose fewer columns or bins")
        }
        let cells = 2 * tuples
        var counts = [[Double]](repeating: [Double](repeating: 0, count: cells), count: groups)
        for row in 0..<train.rows { counts[Int(codes[row])][coding.code(train, row) * 2 + Int(labels[row])] += 1 }
        let distortion = (0..<cells).map { i in
            (0..<cells).map { j -> Double in
                let from = coding.levels(of: i / 2), to = coding.levels(of: j / 2)
                let features = coding.features.indices.reduce(0.0) { $0 + coding.features[$1].cost(from[$1], to[$1]) }
                return features + (i % 2 == 1 && j % 2 == 0 ? 1 : 0)
            }
        }
        let program = OptimizedPreprocessingProgram(
            counts: counts, cellLabels: (0..<cells).map { $0 % 2 }, distortion: distortion, epsilon: parameters.number("epsilon"),
            distortionLevels: levels, distortionLimits: limits)
        let solution: OptimizedPreprocessingProgram.Solution
        do { solution = try program.solve() } catch {
            throw PluginError.numerical("\(error) (epsilon=\(parameters.number("epsilon")) may be out of reach within dlist)")
        }
        mapping = solution.mapping
        testMapping = (0..<groups).map { d in
            (0..<tuples).map { x -> [Double]? in
                let rows = counts[d][2 * x] + counts[d][2 * x + 1]
                guard rows > 0 else { return nil }
                var conditional = [Double](repeating: 0, count: tuples)
                for y in 0..<2 where counts[d][2 * x + y] > 0 {
                    for j in 0..<cells { conditional[j / 2] += counts[d][2 * x + y] / rows * mapping[d][2 * x + y][j] }
                }
                return conditional
            }
        }
        self.coding = coding
        host.log(
            "optimized pre-processing over \(coding.features.map { "\($0.name) (\($0.levels))" }.joined(separator: " × ")) × label: distance \(solution.objective), discrimination \(solution.discrimination), \(solution.iterations) interior-point iterations",
            level: FL_LOG_INFO)
    }

    /// Draws an index from a distribution with the host's stream.
    private func draw(_ distribution: [Double]) -> Int {
        var u = host.randomUniform() * distribution.reduce(0, +)
        for (index, p) in distribution.enumerated() where p > 0 {
            u -= p
            if u < 0 { return index }
        }
        return distribution.lastIndex { $0 > 0 } ?? 0
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        guard let coding else { throw PluginError.invalidInput("transform before fit") }
        let widest = coding.features.flatMap(\.columns).max() ?? -1
        guard data.cols > widest else { throw PluginError.invalidInput("transform has \(data.cols) columns; the coding reads column \(widest)") }
        let codes = try data.requireGroupCodes()
        var moved = 0, relabelled = 0
        for row in 0..<data.rows {
            let x = coding.code(data, row), d = Int(codes[row])
            let newTuple: Int
            if let labels = output.labels {
                let y = Int(labels[row])
                let cell = draw(mapping[d][2 * x + y])
                newTuple = cell / 2
                if cell % 2 != y { labels[row] = Double(cell % 2); relabelled += 1 }
            } else {
                newTuple = testMapping[d][x].map(draw) ?? x
            }
            if newTuple != x {
                coding.write(coding.levels(of: newTuple), over: coding.levels(of: x), row: row, into: output)
                moved += 1
            }
        }
        host.log("optimized pre-processing moved \(moved) of \(data.rows) rows' features and relabelled \(relabelled)", level: FL_LOG_INFO)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.optimized-preprocessing", name: "Optimized pre-processing", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "optimized-preprocessing", name: "Optimized pre-processing (Calmon et al. 2017, as AIF360)", version: "1.0.0",
            description: "Draws each row's discrete features and label from a mapping that brings groups' label rates together at bounded distortion.",
            stage: .preProcessing, needs: [.labels, .groupsAtPredict], parameters: OptimizedPreprocessing.parameters,
            make: { host, parameters in OptimizedPreprocessing(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
