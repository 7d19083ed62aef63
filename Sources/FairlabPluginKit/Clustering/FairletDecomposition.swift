import CFairlabPlugin

/// Fairlet decomposition for two groups (Chierichetti, Kumar, Lattanzi & Vassilvitskii, "Fair clustering through
/// fairlets", NIPS 2017): the points are split into small sets, fairlets, each with one point of the smaller
/// (minority) group and between 1 and t points of the other, t = ⌈n_majority / n_minority⌉, so that every union
/// of fairlets, and so every cluster of them, has balance at least 1/t. Clustering the fairlets' centres then
/// gives a fair clustering whose cost is the fairlets' plus the centres'.
///
/// Each minority point heads a fairlet; the majority points are assigned to heads at the least total squared
/// distance, each head taking 1 to t of them: a minimum-cost flow (Chierichetti et al. find (1, t)-fairlets by
/// a flow too), exact over the candidate pairs considered. Those are every pair for small inputs; above that each
/// majority point's `candidates` nearest heads and each head's `candidates` nearest majority points, which keeps
/// the network linear in the points. Where the groups' densities differ, the nearest heads of a dense region's
/// majority points may fill before all of them are placed: those left over (`widened`) are then offered twice as
/// many of their nearest heads, and again, solving afresh each time, until the flow places them all (the heads'
/// room, t · n_minority, covers every majority point; the last step offers every head), at the least cost over
/// the pairs offered. A head the flow leaves without a
/// majority point takes the nearest one of a fairlet that has two or more, so every fairlet has one minority
/// point and 1 to t majority points.
public enum FairletDecomposition {
    /// A decomposition.
    public struct Result: Sendable {
        /// The fairlets, in head order: each its head (a minority point) and then its 1 to t majority points.
        public let fairlets: [[Int]]
        /// Σ over majority points of ‖x − head‖².
        public let cost: Double
        /// The balance bound t (each fairlet has at most t majority points).
        public let t: Int
        /// The minority group's code.
        public let minority: Int32
        /// Majority points the flow over the candidate pairs could not place, which were then offered more of their
        /// nearest heads until it did.
        public let widened: Int
    }

    /// Decomposes `points` with two-valued `groups` (codes 0 and 1, both present).
    public static func decompose(_ points: Points, groups: [Int32], candidates: Int = 24) throws -> Result {
        let n = points.rows
        guard groups.count == n else { throw PluginError.invalidInput("fairlets: \(groups.count) group codes for \(n) points") }
        let ones = groups.filter { $0 == 1 }.count
        guard groups.allSatisfy({ $0 == 0 || $0 == 1 }), ones > 0, ones < n else {
            throw PluginError.invalidInput("fairlets need two groups, both present among the \(n) rows")
        }
        // The smaller group heads the fairlets (group 1 when they are equal).
        let minority: Int32 = ones <= n - ones ? 1 : 0
        let heads = (0..<n).filter { groups[$0] == minority }, others = (0..<n).filter { groups[$0] != minority }
        let t = (others.count + heads.count - 1) / heads.count
        func distance(_ a: Int, _ b: Int) -> Double { points.squaredDistance(a, to: b, of: points) }

        // Candidate pairs: for each majority point, its offered head positions with their distances, computed once.
        var offered = [[Int: Double]](repeating: [:], count: others.count)
        let perOther = min(candidates, heads.count), perHead = min(candidates, others.count)
        for (o, row) in others.enumerated() {
            for (h, d) in nearest(perOther, of: row, among: heads, distance) { offered[o][h] = d }
        }
        if perOther < heads.count {
            for (h, row) in heads.enumerated() {
                for (o, d) in nearest(perHead, of: row, among: others, distance) { offered[o][h] = d }
            }
        }
        var (assignment, placed) = try Self.assign(offered, heads: heads.count, t: t)
        var leftover = others.indices.filter { assignment[$0] < 0 }
        let widened = leftover.count
        var width = perOther
        while !leftover.isEmpty, width < heads.count {
            width = min(2 * width, heads.count)
            for o in leftover {
                for (h, d) in nearest(width, of: others[o], among: heads, distance) { offered[o][h] = d }
            }
            (assignment, placed) = try Self.assign(offered, heads: heads.count, t: t)
            leftover = others.indices.filter { assignment[$0] < 0 }
        }
        guard placed == others.count else {
            throw PluginError(FL_ERROR_INTERNAL, "fairlets: the flow placed \(placed) of \(others.count) majority points")
        }
        var fairlets = heads.map { [$0] }, cost = 0.0
        for (o, h) in assignment.enumerated() {
            fairlets[h].append(others[o])
            cost += offered[o][h]!
        }
        // A head still alone (its candidates went elsewhere) takes the nearest majority point of a fairlet that has
        // two or more: there is one, as the majority points are at least as many as the heads, and every fairlet
        // keeps one head and 1 to t majority points.
        for h in heads.indices where fairlets[h].count == 1 {
            var best: (fairlet: Int, position: Int, distance: Double)?
            for (f, members) in fairlets.enumerated() where members.count > 2 {
                for position in 1..<members.count {
                    let d = distance(heads[h], members[position])
                    if best == nil || d < best!.distance { best = (f, position, d) }
                }
            }
            guard let best else { break }
            let row = fairlets[best.fairlet].remove(at: best.position)
            cost += best.distance - distance(row, heads[best.fairlet])
            fairlets[h].append(row)
        }
        return Result(fairlets: fairlets, cost: cost, t: t, minority: minority, widened: widened)
    }

    /// The least-cost assignment of the majority points to heads over the `offered` pairs (head position → distance,
    /// per point), each of the `heads` taking 1 to t points (at least 1 where it can): each point's head position, or
    /// −1 for a point the pairs leave unplaced, and how many were placed.
    private static func assign(_ offered: [[Int: Double]], heads: Int, t: Int) throws -> (assignment: [Int], placed: Int) {
        // Nodes: the majority points, a unit of supply each; the heads; the sink.
        let firstHead = offered.count, sink = firstHead + heads
        var network = MinCostFlow(nodeCount: sink + 1)
        var edges: [(edge: Int, other: Int, head: Int)] = []
        for (o, candidates) in offered.enumerated() {
            for (h, d) in candidates.sorted(by: { $0.key < $1.key }) {
                edges.append((network.addEdge(from: o, to: firstHead + h, capacity: 1, cost: d), o, h))
            }
        }
        for h in 0..<heads { network.addEdge(from: firstHead + h, to: sink, capacity: t, cost: 0, lower: 1) }
        let placed = try network.solve(supplies: Array(offered.indices), to: sink).flow
        var assignment = [Int](repeating: -1, count: offered.count)
        for edge in edges where network.flow(on: edge.edge) == 1 { assignment[edge.other] = edge.head }
        return (assignment, placed)
    }

    /// Positions in `among` of the `count` rows nearest `row`, with their squared distances.
    private static func nearest(_ count: Int, of row: Int, among: [Int], _ distance: (Int, Int) -> Double) -> [(Int, Double)] {
        let scored = among.indices.map { ($0, distance(row, among[$0])) }
        guard count < scored.count else { return scored }
        return Array(scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(count))
    }
}
