import Foundation

/// Fair assignment of points to fixed centres (Bera, Chakrabarty, Flores & Negahbani, "Fair algorithms for
/// clustering", NeurIPS 2019): every cluster must hold each group g in a share between (1 − δ)·p_g and p_g / (1 − δ),
/// p_g being g's share of all the points, at the least total squared distance to the assigned centres.
///
/// Bera et al. solve the assignment as a linear program and round it, which may break a bound by a few points.
/// Here each cluster keeps the size it has unconstrained (every point at its nearest centre), which turns the
/// bounds into counts, ⌈(1 − δ)·p_g·n_c⌉ ≤ n_gc ≤ ⌊p_g·n_c / (1 − δ)⌋, and the problem into a minimum-cost flow
/// (points → (cluster, group) → cluster → sink) whose optimum is integral: the bounds hold exactly, with no
/// rounding, at the optimal cost among assignments that keep the sizes.
public enum FairAssignment {
    /// An assignment and what it met.
    public struct Result: Sendable {
        /// Each point's cluster.
        public let clusters: [Int]
        /// Σ ‖x_i − c_{cluster(i)}‖².
        public let cost: Double
        /// Each cluster's size (kept from the nearest-centre assignment).
        public let sizes: [Int]
        /// The least count of each group in each cluster, [group][cluster].
        public let lower: [[Int]]
        /// The largest count of each group in each cluster, [group][cluster].
        public let upper: [[Int]]
    }

    /// Assigns `points` (with `groups` codes 0 ..< `groupCount`) to `centers` under slack `delta` in [0, 1).
    public static func assign(_ points: Points, groups: [Int32], groupCount: Int, centers: Points, delta: Double) throws -> Result {
        let n = points.rows, k = centers.rows
        guard groups.count == n else { throw PluginError.invalidInput("fair assignment: \(groups.count) group codes for \(n) points") }
        guard (0.0..<1.0).contains(delta) else { throw PluginError.invalidInput("fair assignment: δ = \(delta) is outside [0, 1)") }
        guard k > 0, centers.cols == points.cols else { throw PluginError.invalidInput("fair assignment: centres do not match the points") }
        let none = [[Int]](repeating: [Int](repeating: 0, count: k), count: groupCount)
        guard n > 0 else { return Result(clusters: [], cost: 0, sizes: [Int](repeating: 0, count: k), lower: none, upper: none) }
        var distances = [Double](repeating: 0, count: n * k)
        var nearest = [Int](repeating: 0, count: n)
        var sizes = [Int](repeating: 0, count: k), counts = [Int](repeating: 0, count: groupCount)
        for i in 0..<n {
            for c in 0..<k {
                distances[i * k + c] = points.squaredDistance(i, to: c, of: centers)
                if distances[i * k + c] < distances[i * k + nearest[i]] { nearest[i] = c }
            }
            sizes[nearest[i]] += 1
            guard (0..<groupCount).contains(Int(groups[i])) else {
                throw PluginError.invalidInput("fair assignment: row \(i)'s group code \(groups[i]) is not one of the \(groupCount) groups")
            }
            counts[Int(groups[i])] += 1
        }
        let shares = counts.map { Double($0) / Double(n) }
        // A tolerance against shares that land on an integer only up to rounding.
        let lower = shares.map { p in sizes.map { Int(((1 - delta) * p * Double($0) - 1e-9).rounded(.up)) } }
        let upper = shares.map { p in sizes.map { Int((p * Double($0) / (1 - delta) + 1e-9).rounded(.down)) } }
        // A range holding no whole count (a small group in a small cluster) cannot be met by any assignment.
        for g in 0..<groupCount {
            if let c = (0..<k).first(where: { lower[g][$0] > upper[g][$0] }) {
                throw PluginError.invalidInput(
                    "fair assignment: group \(g) would need between \(lower[g][c]) and \(upper[g][c]) of cluster \(c)'s \(sizes[c]) rows (δ = \(delta)); raise delta")
            }
        }

        // Nodes: n points (a unit of supply each), k × G (cluster, group) nodes, k clusters, sink.
        let firstPoint = 0, firstCell = n, firstCluster = firstCell + k * groupCount, sink = firstCluster + k
        var network = MinCostFlow(nodeCount: sink + 1)
        var pointEdges = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            for c in 0..<k {
                pointEdges[i].append(network.addEdge(from: firstPoint + i, to: firstCell + c * groupCount + Int(groups[i]), capacity: 1, cost: distances[i * k + c]))
            }
        }
        for c in 0..<k {
            for g in 0..<groupCount {
                let cell = firstCell + c * groupCount + g
                network.addEdge(from: cell, to: firstCluster + c, capacity: upper[g][c], cost: 0, lower: lower[g][c])
            }
            network.addEdge(from: firstCluster + c, to: sink, capacity: sizes[c], cost: 0)
        }
        let solved = try network.solve(supplies: Array(firstPoint..<(firstPoint + n)), to: sink)
        guard solved.flow == n, solved.lowerBoundsMet else {
            throw PluginError.invalidInput(
                "fair assignment: no assignment keeps the clusters' sizes \(sizes) and every group's share within δ = \(delta) of its overall share; raise delta")
        }
        var clusters = [Int](repeating: 0, count: n), cost = 0.0
        for i in 0..<n {
            let c = pointEdges[i].firstIndex { network.flow(on: $0) == 1 }!
            clusters[i] = c
            cost += distances[i * k + c]
        }
        return Result(clusters: clusters, cost: cost, sizes: sizes, lower: lower, upper: upper)
    }
}
