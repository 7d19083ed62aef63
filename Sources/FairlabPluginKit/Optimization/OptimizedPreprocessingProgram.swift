/// The convex program of optimized pre-processing (Calmon et al. 2017) as AIF360's `OptTools` states it, solved
/// as a linear program (`LinearProgram`). Rows are (group d, cell i) with cell i = (x, y); the variable is the
/// randomised mapping P[(d, i)][j] = P(x', y' = cell j | d, x, y). It minimises the total-variation distance
/// ½ Σ_j |Σ_r p_r P[r][j] − p_xy(j)| between the transformed and the original (X, Y) distribution, subject to:
///
/// - discrimination: |P(Y' = y' | d) − P(Y' = y' | d₂)| ≤ ε for every pair of groups and every y';
/// - excess distortion: for each limit c_k and each cell i, Σ_d w(d, i) Σ_{j : δ(i, j) ≥ c_k} P[(d, i)][j] ≤
///   dlist_k, with AIF360's weights w(d, i) = (p(d, i) + 10⁻¹⁰) / (p_xy(i) + 10⁻¹⁰) (≈ P(d | x, y));
/// - every row a distribution.
///
/// Exact reductions before solving (the optimum is unchanged): a limit of 0 forces every entry at or beyond its
/// distortion to 0; a row without data affects neither objective nor constraints and is set to the identity.
/// The remaining entries are scaled to Q = p_r · P, which keeps the interior-point iterations well conditioned.
public struct OptimizedPreprocessingProgram {
    /// The solved mapping and what it achieves.
    public struct Solution {
        /// mapping[d][i]: the distribution over cells j of a row of group d in cell i (entries below 10⁻⁸ are
        /// dropped and the rest renormalised, as AIF360 does before drawing).
        public var mapping: [[[Double]]]
        /// ½ Σ_j |transformed − original| of the (X, Y) distribution, at the solver's solution.
        public var objective: Double
        /// max over pairs of groups and labels of |P(Y' = y' | d) − P(Y' = y' | d₂)|.
        public var discrimination: Double
        /// Interior-point iterations.
        public var iterations: Int
    }

    /// counts[d][i]: training rows of group d in cell i.
    public let counts: [[Double]]
    /// The label of each cell (for the discrimination constraint).
    public let cellLabels: [Int]
    /// distortion[i][j]: the cost of mapping cell i to cell j.
    public let distortion: [[Double]]
    public let epsilon: Double
    public let distortionLevels: [Double]
    public let distortionLimits: [Double]

    /// The program for these counts, cell labels, distortions and options (AIF360's epsilon, clist, dlist).
    public init(counts: [[Double]], cellLabels: [Int], distortion: [[Double]], epsilon: Double, distortionLevels: [Double], distortionLimits: [Double]) {
        self.counts = counts
        self.cellLabels = cellLabels
        self.distortion = distortion
        self.epsilon = epsilon
        self.distortionLevels = distortionLevels
        self.distortionLimits = distortionLimits
    }

    /// Solves the program; throws `LinearProgram.Failure` if it cannot (for instance an ε no mapping within the
    /// distortion limits reaches).
    public func solve() throws -> Solution {
        let groups = counts.count, cells = cellLabels.count
        let total = counts.joined().reduce(0, +)
        guard total > 0, counts.joined().allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw LinearProgram.Failure(description: "optimized pre-processing needs non-negative counts with at least one row")
        }
        let p = counts.map { $0.map { $0 / total } }
        let pxy = (0..<cells).map { i in (0..<groups).reduce(0) { $0 + p[$1][i] } }
        let pd = p.map { $0.reduce(0, +) }
        // Entries at or beyond a zero-limit level are forced to zero.
        let forbidden = zip(distortionLevels, distortionLimits).filter { $0.1 == 0 }.map(\.0).min() ?? .infinity
        // Variables: the allowed Q entries of rows with data, then s⁺ and s⁻ per cell.
        var index: [Int: Int] = [:]  // (d · cells + i) · cells + j → variable
        var entries: [(d: Int, i: Int, j: Int)] = []
        for d in 0..<groups {
            for i in 0..<cells where p[d][i] > 0 {
                for j in 0..<cells where distortion[i][j] < forbidden {
                    index[(d * cells + i) * cells + j] = entries.count
                    entries.append((d, i, j))
                }
            }
        }
        let positive = entries.count, negative = entries.count + cells
        var program = LinearProgram(variables: entries.count + 2 * cells)
        for j in 0..<cells { program.cost[positive + j] = 0.5; program.cost[negative + j] = 0.5 }
        var rowTerms: [Int: [(column: Int, value: Double)]] = [:], cellTerms = [[(column: Int, value: Double)]](repeating: [], count: cells)
        for (v, entry) in entries.enumerated() {
            rowTerms[entry.d * cells + entry.i, default: []].append((v, 1))
            cellTerms[entry.j].append((v, 1))
        }
        for d in 0..<groups { for i in 0..<cells where p[d][i] > 0 { program.addEquality(rowTerms[d * cells + i] ?? [], equals: p[d][i]) } }
        for j in 0..<cells { program.addEquality(cellTerms[j] + [(positive + j, -1), (negative + j, 1)], equals: pxy[j]) }
        for (level, limit) in zip(distortionLevels, distortionLimits) where limit > 0 {
            for i in 0..<cells {
                var terms: [(column: Int, value: Double)] = []
                for d in 0..<groups where p[d][i] > 0 {
                    let weight = (p[d][i] + 1e-10) / (pxy[i] + 1e-10) / p[d][i]
                    for j in 0..<cells where distortion[i][j] >= level { if let v = index[(d * cells + i) * cells + j] { terms.append((v, weight)) } }
                }
                if !terms.isEmpty { program.addInequality(terms, atMost: limit) }
            }
        }
        let labels = Array(Set(cellLabels)).sorted()
        for d in 0..<groups where pd[d] > 0 {
            for e in (d + 1)..<groups where pd[e] > 0 {
                for label in labels {
                    var terms: [(column: Int, value: Double)] = []
                    for (v, entry) in entries.enumerated() where cellLabels[entry.j] == label && (entry.d == d || entry.d == e) {
                        terms.append((v, entry.d == d ? 1 / pd[d] : -1 / pd[e]))
                    }
                    program.addInequality(terms, atMost: epsilon)
                    program.addInequality(terms.map { ($0.column, -$0.value) }, atMost: epsilon)
                }
            }
        }
        let solution = try program.solve()

        var mapping = (0..<groups).map { _ in (0..<cells).map { i in (0..<cells).map { $0 == i ? 1.0 : 0.0 } } }
        for d in 0..<groups {
            for i in 0..<cells where p[d][i] > 0 {
                var row = (0..<cells).map { j in index[(d * cells + i) * cells + j].map { max(solution.values[$0], 0) / p[d][i] } ?? 0 }
                row = row.map { $0 < 1e-8 ? 0 : $0 }
                let sum = row.reduce(0, +)
                mapping[d][i] = row.map { $0 / sum }
            }
        }
        var discrimination = 0.0
        let rates = (0..<groups).map { d in
            labels.map { label in
                (0..<cells).reduce(0.0) { acc, i in acc + p[d][i] * (0..<cells).filter { cellLabels[$0] == label }.reduce(0) { $0 + mapping[d][i][$1] } } / max(pd[d], 1e-300)
            }
        }
        for d in 0..<groups where pd[d] > 0 {
            for e in 0..<groups where pd[e] > 0 { for l in labels.indices { discrimination = max(discrimination, abs(rates[d][l] - rates[e][l])) } }
        }
        return Solution(mapping: mapping, objective: solution.objective, discrimination: discrimination, iterations: solution.iterations)
    }
}
