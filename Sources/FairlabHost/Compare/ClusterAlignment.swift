/// Cluster ids made comparable between methods and seeds. A clustering's ids are arbitrary names, so "cluster 2"
/// of one method need not be "cluster 2" of another, nor of the same method on another seed; tables and plots
/// that average a cluster's make-up over seeds, or set a method's cluster beside the baseline's, need the same
/// name for the same segment. The host renames before any metric is computed: the baseline's clusters by size
/// (largest first), every other method's to match the baseline's on the same test rows.
enum ClusterAlignment {
    /// Whether `value` names one of `count` clusters: a whole number in 0 ..< count (what a prediction must be).
    static func isClusterID(_ value: Double, count: Int) -> Bool { value >= 0 && value < Double(count) && value == value.rounded() }

    /// `ids` renamed by cluster size, largest 0 (ties: the cluster whose first row comes first).
    static func bySize(_ ids: [Double], clusterCount k: Int) -> [Double] {
        var sizes = [Int](repeating: 0, count: k), first = [Int](repeating: Int.max, count: k)
        for (row, id) in ids.enumerated() {
            sizes[Int(id)] += 1
            first[Int(id)] = min(first[Int(id)], row)
        }
        let order = (0..<k).sorted { (-sizes[$0], first[$0]) < (-sizes[$1], first[$1]) }
        var name = [Int](repeating: 0, count: k)
        for (position, cluster) in order.enumerated() { name[cluster] = position }
        return ids.map { Double(name[Int($0)]) }
    }

    /// `ids` renamed so that, over all renamings, the most rows share their cluster's name with `reference` (the
    /// assignment problem on the k × k table of rows in common, by the Hungarian algorithm).
    static func matching(_ ids: [Double], to reference: [Double], clusterCount k: Int) -> [Double] {
        precondition(ids.count == reference.count, "aligning \(ids.count) rows to \(reference.count)")
        var common = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for (id, target) in zip(ids, reference) { common[Int(id)][Int(target)] += 1 }
        let name = hungarian(cost: common.map { $0.map { -$0 } })
        return ids.map { Double(name[Int($0)]) }
    }

    /// For a square cost matrix, the column of each row in an assignment of least total cost (Kuhn 1955; the
    /// O(n³) form with potentials on rows and columns).
    static func hungarian(cost: [[Double]]) -> [Int] {
        let n = cost.count
        guard n > 0 else { return [] }
        // 1-based: column 0 is the virtual start of each augmenting search.
        var rowPotential = [Double](repeating: 0, count: n + 1), columnPotential = [Double](repeating: 0, count: n + 1)
        var rowOfColumn = [Int](repeating: 0, count: n + 1), previous = [Int](repeating: 0, count: n + 1)
        for row in 1...n {
            rowOfColumn[0] = row
            var column = 0
            var slack = [Double](repeating: .infinity, count: n + 1), used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[column] = true
                let current = rowOfColumn[column]
                var delta = Double.infinity, next = 0
                for j in 1...n where !used[j] {
                    let reduced = cost[current - 1][j - 1] - rowPotential[current] - columnPotential[j]
                    if reduced < slack[j] { (slack[j], previous[j]) = (reduced, column) }
                    if slack[j] < delta { (delta, next) = (slack[j], j) }
                }
                for j in 0...n {
                    if used[j] {
                        rowPotential[rowOfColumn[j]] += delta
                        columnPotential[j] -= delta
                    } else {
                        slack[j] -= delta
                    }
                }
                column = next
            } while rowOfColumn[column] != 0
            repeat {
                let before = previous[column]
                rowOfColumn[column] = rowOfColumn[before]
                column = before
            } while column != 0
        }
        var assignment = [Int](repeating: 0, count: n)
        for j in 1...n where rowOfColumn[j] > 0 { assignment[rowOfColumn[j] - 1] = j - 1 }
        return assignment
    }
}
