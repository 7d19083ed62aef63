import CFairlabPlugin
import FairlabPluginKit

/// Metrics of a clustering (ABI 6's clustering task): how each cluster's make-up by group compares with the
/// groups' shares overall, and what the clustering costs. With W the total weight, W_g a group's, W_c a
/// cluster's, W_gc their intersection's and p_g = W_g / W:
/// - `inertia`: Σ w_i ‖x_i − μ_c(i)‖², μ_c the weighted mean of cluster c's rows: the k-means cost of the partition
///   on the evaluated rows' features (as the prepared split holds them, so every method is costed alike);
/// - `balance` (Chierichetti et al. 2017, for G groups): the least over clusters of min_g W_gc / max_g W_gc, over
///   the groups the rows have;
/// - `proportional_balance` (Bera et al. 2019): the least over clusters and groups of min(DI_gc, 1 / DI_gc), with
///   the disparate impact DI_gc = (W_gc / W_c) / p_g (0 when a group is missing from a cluster);
/// - `max_share_gap`: the largest |W_gc / W_c − p_g|;
/// - `clusters`: the clusters that have rows.
/// Per group: `share` (p_g) and, for every cluster c below the run's k, `cluster_<c>_share` (W_gc / W_c) and
/// `cluster_<c>_disparate_impact` (NaN for an empty cluster). Empty clusters take no part in the overall values.
final class ClusteringMetrics: FairlabMethod {
    func evaluate(_ input: EvaluationInput, sink: MetricSink) throws {
        guard input.task == .clustering else { throw PluginError.invalidInput("these metrics are for cluster assignments") }
        guard let features = input.features else {
            throw PluginError.invalidInput("the clustering's cost needs the evaluated rows' features (a host of ABI 6 gives them on FL_NEEDS_FEATURES)")
        }
        let rows = input.rows, groupCount = input.groups.count
        guard rows > 0, groupCount > 0 else { throw PluginError.invalidInput("no rows or no groups") }
        guard Int(features.pointee.rows) == rows, Int(features.pointee.leading_dimension) >= rows else {
            throw PluginError.invalidInput("the features have \(features.pointee.rows) rows for \(rows) predictions")
        }
        let k = input.clusterCount
        guard k > 0 else { throw PluginError.invalidInput("the host gave no number of clusters (ABI 6's cluster_count)") }
        if let bad = input.predictions.firstIndex(where: { !($0 >= 0 && $0 < Double(k) && $0 == $0.rounded()) }) {
            throw PluginError.invalidInput("row \(bad)'s prediction \(input.predictions[bad]) is not a cluster id 0 to \(k - 1)")
        }
        if let bad = input.groupCodes.firstIndex(where: { $0 < 0 || Int($0) >= groupCount }) {
            throw PluginError.invalidInput("row \(bad)'s group code \(input.groupCodes[bad]) is not one of the \(groupCount) groups")
        }
        let weight = input.weight
        var cell = [[Double]](repeating: [Double](repeating: 0, count: k), count: groupCount)
        var clusterWeight = [Double](repeating: 0, count: k), groupWeight = [Double](repeating: 0, count: groupCount)
        for i in 0..<rows {
            let c = Int(input.predictions[i]), g = Int(input.groupCodes[i])
            cell[g][c] += weight(i)
            clusterWeight[c] += weight(i)
            groupWeight[g] += weight(i)
        }
        let total = groupWeight.reduce(0, +)
        guard total > 0 else { throw PluginError.invalidInput("the rows' weights sum to 0") }
        let shares = groupWeight.map { $0 / total }
        let filled = (0..<k).filter { clusterWeight[$0] > 0 }
        // Only the groups the evaluated rows have: a group no row belongs to (a resample that missed it) would make
        // every cluster's balance 0.
        let present = (0..<groupCount).filter { groupWeight[$0] > 0 }

        var balance = Double.infinity, proportional = Double.infinity, gap = 0.0
        for c in filled {
            let counts = present.map { cell[$0][c] }
            balance = min(balance, counts.max()! > 0 ? counts.min()! / counts.max()! : 0)
            for g in present {
                let share = cell[g][c] / clusterWeight[c]
                let impact = share / shares[g]
                proportional = min(proportional, impact > 0 ? min(impact, 1 / impact) : 0)
                gap = max(gap, abs(share - shares[g]))
            }
        }
        sink.report("inertia", displayName: "Inertia", kind: .other, ideal: 0, Self.inertia(input, features: features.pointee, clusterWeights: clusterWeight))
        sink.report("balance", displayName: "Balance", kind: .ratio, ideal: 1, balance)
        sink.report("proportional_balance", displayName: "Prop. balance", kind: .ratio, ideal: 1, proportional)
        sink.report("max_share_gap", displayName: "Max share gap", kind: .difference, ideal: 0, gap)
        sink.report("clusters", displayName: "Clusters", kind: .other, ideal: .nan, Double(filled.count))
        for g in 0..<groupCount {
            sink.perGroup("share", group: g, shares[g])
            for c in 0..<k {
                let share = clusterWeight[c] > 0 ? cell[g][c] / clusterWeight[c] : .nan
                sink.perGroup("cluster_\(c)_share", group: g, share)
                sink.perGroup("cluster_\(c)_disparate_impact", group: g, shares[g] > 0 ? share / shares[g] : .nan)
            }
        }
    }

    /// Σ w_i ‖x_i − μ_c(i)‖²: the clusters' weighted means first, then the distances to them (Σ w‖x‖² − ‖Σ w x‖² / Σ w
    /// would cancel badly), a column at a time, as the features are stored.
    private static func inertia(_ input: EvaluationInput, features: fl_matrix, clusterWeights mass: [Double]) -> Double {
        let rows = input.rows, cols = Int(features.cols), ld = Int(features.leading_dimension), k = mass.count
        let cluster = input.predictions.map { Int($0) }, weight = (0..<rows).map(input.weight)
        var total = 0.0, sums = [Double](repeating: 0, count: k)
        for j in 0..<cols {
            let column = features.data + j * ld
            for c in 0..<k { sums[c] = 0 }
            for i in 0..<rows { sums[cluster[i]] += weight[i] * column[i] }
            for i in 0..<rows {
                let delta = column[i] - sums[cluster[i]] / mass[cluster[i]]
                total += weight[i] * delta * delta
            }
        }
        return total
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.clustering-metrics", name: "fairlab clustering metrics", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "clustering-metrics", name: "Clustering fairness metrics (balance, disparate impact per cluster, inertia)",
            version: "1.0.0",
            description: "Inertia; balance (Chierichetti et al. 2017) and proportional balance (Bera et al. 2019); the largest gap between a group's share of a cluster and overall; per group its share of each cluster and the disparate impact there.",
            stage: .metric, needs: [.features], tasks: .clustering, make: { _, _ in ClusteringMetrics() }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
