/// Minimum-cost flow by successive shortest paths (Ford & Fulkerson; Dijkstra on reduced costs with Johnson's
/// potentials, as in Ahuja, Magnanti & Orlin, *Network Flows*, ch. 9): integer capacities, real costs. An
/// optimal flow of an integral network is integral, which is why assignment problems with count bounds (fair
/// assignment to clusters, fairlet decomposition) are solved exactly by it, with no rounding.
///
/// Costs may be negative on the network as built (a lower bound is modelled as a negative-cost edge); the first
/// potentials come from Bellman–Ford, so the network must have no negative cycle.
public struct MinCostFlow {
    private var heads: [Int] = []
    private var capacities: [Int] = []
    private var costs: [Double] = []
    /// Outgoing edges of each node; edge e's reverse is e ^ 1.
    private var adjacency: [[Int]]

    /// A network of `nodeCount` nodes and no edges.
    public init(nodeCount: Int) { adjacency = [[Int]](repeating: [], count: nodeCount) }

    /// Adds an edge and returns its index, for `flow(on:)`.
    @discardableResult
    public mutating func addEdge(from: Int, to: Int, capacity: Int, cost: Double) -> Int {
        let index = heads.count
        heads += [to, from]
        capacities += [capacity, 0]
        costs += [cost, -cost]
        adjacency[from].append(index)
        adjacency[to].append(index + 1)
        return index
    }

    /// The flow on edge `index` after `solve`.
    public func flow(on index: Int) -> Int { capacities[index ^ 1] }

    /// Sends up to `limit` units from `source` to `sink` at minimum cost; returns the units sent and their cost.
    public mutating func solve(from source: Int, to sink: Int, limit: Int) -> (flow: Int, cost: Double) {
        let nodeCount = adjacency.count
        var potential = initialPotentials(from: source)
        var sent = 0, total = 0.0
        var distance = [Double](repeating: .infinity, count: nodeCount)
        var settled = [Bool](repeating: false, count: nodeCount)
        var through = [Int](repeating: -1, count: nodeCount)
        while sent < limit {
            for v in 0..<nodeCount { (distance[v], settled[v], through[v]) = (.infinity, false, -1) }
            distance[source] = 0
            var heap = MinHeap()
            heap.push(0, source)
            while let (d, u) = heap.pop() {
                if settled[u] || d > distance[u] { continue }
                settled[u] = true
                // Nodes beyond the sink's distance cannot shorten its path: stop once it is settled.
                if u == sink { break }
                for edge in adjacency[u] where capacities[edge] > 0 {
                    let v = heads[edge]
                    let reduced = costs[edge] + potential[u] - potential[v]
                    let candidate = d + max(0, reduced)
                    if candidate < distance[v] {
                        distance[v] = candidate
                        through[v] = edge
                        heap.push(candidate, v)
                    }
                }
            }
            guard settled[sink] else { break }
            // Potentials move by min(distance, the sink's): reduced costs stay non-negative on every residual edge.
            let reach = distance[sink]
            for v in 0..<nodeCount where potential[v].isFinite { potential[v] += min(distance[v], reach) }
            var bottleneck = limit - sent
            var v = sink
            while v != source {
                let edge = through[v]
                bottleneck = min(bottleneck, capacities[edge])
                v = heads[edge ^ 1]
            }
            v = sink
            while v != source {
                let edge = through[v]
                capacities[edge] -= bottleneck
                capacities[edge ^ 1] += bottleneck
                total += Double(bottleneck) * costs[edge]
                v = heads[edge ^ 1]
            }
            sent += bottleneck
        }
        return (sent, total)
    }

    /// Shortest distances from `source` by Bellman–Ford over edges with capacity (infinite where unreachable, so
    /// such a node stays out of every path until an edge into it opens: it cannot, as only reachable nodes'
    /// edges carry flow).
    private func initialPotentials(from source: Int) -> [Double] {
        var distance = [Double](repeating: .infinity, count: adjacency.count)
        distance[source] = 0
        for _ in 0..<adjacency.count {
            var changed = false
            for u in adjacency.indices where distance[u].isFinite {
                for edge in adjacency[u] where capacities[edge] > 0 && distance[u] + costs[edge] < distance[heads[edge]] {
                    distance[heads[edge]] = distance[u] + costs[edge]
                    changed = true
                }
            }
            if !changed { break }
        }
        return distance
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
