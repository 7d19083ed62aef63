/// Minimum-cost flow by successive shortest paths (Ford & Fulkerson; Dijkstra on reduced costs with Johnson's
/// potentials, as in Ahuja, Magnanti & Orlin, *Network Flows*, ch. 9): integer capacities, real costs. An
/// optimal flow of an integral network is integral, which is why assignment problems with count bounds (fair
/// assignment to clusters, fairlet decomposition) are solved exactly by it, with no rounding.
///
/// An edge may have a lower bound: units it must carry when any flow can. Its lower part is priced below every
/// other edge's whole cost put together (a bonus), so a least-cost flow meets every bound it can before anything
/// else; `solve` reports whether it met them all. Costs may be negative; the first potentials come from
/// Bellman–Ford, so the network must have no negative cycle.
public struct MinCostFlow {
    private var heads: [Int] = []
    private var capacities: [Int] = []
    private var costs: [Double] = []
    /// Outgoing edges of each node; edge e's reverse is e ^ 1.
    private var adjacency: [[Int]]
    /// The lower parts of bounded edges, with their bounds.
    private var lowerParts: [(edge: Int, bound: Int)] = []
    /// Set by `solve`, which shifts the bounded edges' costs in place: a second call would shift them again.
    private var solved = false

    /// A network of `nodeCount` nodes and no edges.
    public init(nodeCount: Int) { adjacency = [[Int]](repeating: [], count: nodeCount) }

    /// Adds an edge that carries at most `capacity` units, and when it can at least `lower` of them; returns the
    /// index `flow(on:)` takes (for a bounded edge, its part above the bound).
    @discardableResult
    public mutating func addEdge(from: Int, to: Int, capacity: Int, cost: Double, lower: Int = 0) -> Int {
        precondition(0 <= lower && lower <= capacity, "a lower bound of \(lower) on an edge of capacity \(capacity)")
        if lower > 0 { lowerParts.append((addPart(from: from, to: to, capacity: lower, cost: cost), lower)) }
        return addPart(from: from, to: to, capacity: capacity - lower, cost: cost)
    }

    private mutating func addPart(from: Int, to: Int, capacity: Int, cost: Double) -> Int {
        let index = heads.count
        heads.append(to)
        heads.append(from)
        capacities.append(capacity)
        capacities.append(0)
        costs.append(cost)
        costs.append(-cost)
        adjacency[from].append(index)
        adjacency[to].append(index + 1)
        return index
    }

    /// The flow on edge `index` after `solve`.
    public func flow(on index: Int) -> Int { capacities[index ^ 1] }

    /// Sends one unit from each node of `supplies` to `sink` at least total cost, and returns the units sent (fewer
    /// than the supplies when some cannot reach the sink) and their cost. Each unit takes a shortest path from its
    /// own node, as the Hungarian method adds one row at a time (a unit that finds no path is tried again after the
    /// others, whose paths may open one for it, until a pass places none): a search from one supply node settles the few
    /// nodes near it, where a search from a source joined to every supply would settle all of them for each unit.
    /// The first potentials are distances from the supplies (Bellman–Ford, as costs may be negative). One call per
    /// network. When every supply is sent the flow is a least-cost one; when some cannot be, the units sent are
    /// least-cost for the supplies that were, which need not be the cheapest choice of supplies to send (a source
    /// joined to them all would choose): callers that need every unit placed check the flow and widen the network.
    /// The cost is the edges' own (no bonus); `lowerBoundsMet` says whether every bounded edge carries its bound.
    public mutating func solve(supplies: [Int], to sink: Int) throws -> (flow: Int, cost: Double, lowerBoundsMet: Bool) {
        // The bonus exceeds the cost of every unbounded unit the flow could carry, so no saving elsewhere pays for
        // leaving a bound unmet.
        let bounded = Set(lowerParts.map(\.edge))
        var unbounded = 0.0
        for edge in stride(from: 0, to: heads.count, by: 2) where !bounded.contains(edge) { unbounded += abs(costs[edge]) * Double(capacities[edge]) }
        let bonus = 1 + unbounded
        precondition(!solved, "a MinCostFlow network is solved once")
        solved = true
        guard bonus.isFinite else { throw PluginError.invalidInput("minimum-cost flow: the costs are too large to add up (\(unbounded))") }
        for (edge, _) in lowerParts {
            costs[edge] -= bonus
            costs[edge ^ 1] += bonus
        }
        let nodeCount = adjacency.count
        var potential = initialPotentials(from: supplies)
        var sent = 0, total = 0.0
        var distance = [Double](repeating: .infinity, count: nodeCount)
        var settled = [Bool](repeating: false, count: nodeCount)
        var through = [Int](repeating: -1, count: nodeCount)
        var touched: [Int] = []
        var heap = MinHeap()
        var pending = supplies
        while !pending.isEmpty {
          var unplaced: [Int] = []
          for supply in pending {
            for v in touched { (distance[v], settled[v], through[v]) = (.infinity, false, -1) }
            touched = [supply]
            distance[supply] = 0
            heap.removeAll()
            heap.push(0, supply)
            while let (d, u) = heap.pop() {
                if settled[u] || d > distance[u] { continue }
                settled[u] = true
                // Nodes beyond the sink's distance cannot shorten its path: stop once it is settled.
                if u == sink { break }
                for edge in adjacency[u] where capacities[edge] > 0 {
                    let v = heads[edge]
                    let candidate = d + max(0, costs[edge] + potential[u] - potential[v])
                    if candidate < distance[v] {
                        if distance[v] == .infinity { touched.append(v) }
                        distance[v] = candidate
                        through[v] = edge
                        heap.push(candidate, v)
                    }
                }
            }
            guard settled[sink] else {
                unplaced.append(supply)
                continue
            }
            // Potentials move by min(distance, the sink's): reduced costs stay non-negative on every residual edge.
            // Nodes the search did not reach move by the sink's distance, which `touched` lets us do lazily: it is
            // the same shift for all of them, so shifting only the reached ones by their difference from it keeps
            // every reduced cost (a difference of potentials) unchanged.
            let reach = distance[sink]
            for v in touched where settled[v] || distance[v] < reach { potential[v] += distance[v] - reach }
            var v = sink
            while v != supply {
                let edge = through[v]
                capacities[edge] -= 1
                capacities[edge ^ 1] += 1
                total += costs[edge]
                v = heads[edge ^ 1]
            }
            sent += 1
          }
          if unplaced.count == pending.count { break }
          pending = unplaced
        }
        // The bonus paid through each bounded part is added back: the cost returned is the edges' own.
        var met = true
        for (edge, bound) in lowerParts {
            total += bonus * Double(flow(on: edge))
            met = met && flow(on: edge) == bound
        }
        return (sent, total, met)
    }

    /// Shortest distances from any of `supplies` by Bellman–Ford over edges with capacity (infinite where
    /// unreachable: such a node stays off every path, as only reachable nodes' edges ever carry flow). A network
    /// still relaxing after as many passes as nodes has a negative cycle, which the caller built by mistake.
    private func initialPotentials(from supplies: [Int]) -> [Double] {
        var distance = [Double](repeating: .infinity, count: adjacency.count)
        for supply in supplies { distance[supply] = 0 }
        for _ in 0...adjacency.count {
            var changed = false
            for u in adjacency.indices where distance[u].isFinite {
                for edge in adjacency[u] where capacities[edge] > 0 && distance[u] + costs[edge] < distance[heads[edge]] {
                    distance[heads[edge]] = distance[u] + costs[edge]
                    changed = true
                }
            }
            if !changed { return distance }
        }
        preconditionFailure("a minimum-cost flow network with a negative cycle")
    }
}

/// A binary heap of (key, node) pairs, smallest key first.
private struct MinHeap {
    private var keys: [Double] = []
    private var nodes: [Int] = []

    mutating func push(_ key: Double, _ node: Int) {
        keys.append(key)
        nodes.append(node)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            nodes.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = keys.first else { return nil }
        let node = nodes[0]
        keys[0] = keys[keys.count - 1]
        nodes[0] = nodes[nodes.count - 1]
        keys.removeLast()
        nodes.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < keys.count, keys[left] < keys[smallest] { smallest = left }
            if right < keys.count, keys[right] < keys[smallest] { smallest = right }
            guard smallest != parent else { break }
            keys.swapAt(parent, smallest)
            nodes.swapAt(parent, smallest)
            parent = smallest
        }
        return (top, node)
    }
}
