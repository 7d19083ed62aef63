import CFairlabPlugin
import FairlabCore
@testable import FairlabHost
@testable import FairlabPluginKit
import FairlabTestSupport
import Foundation
import Testing

/// The clustering task against the reference libraries (tools/golden/make_clustering_goldens.py): the host's
/// k-means against scikit-learn's `KMeans` from the same initial centres, the clustering metric plugin (through
/// the ABI) against the definitions computed by NumPy, and the fair assignment and fairlet decomposition against
/// SciPy's exact MILP optimum of the same problems.
@Suite struct ClusteringGoldenTests {
    static let tolerance = 1e-9

    static func golden() throws -> [String: Any] {
        try #require(try TestEnvironment.fixture("clustering_goldens.json") as? [String: Any])
    }

    static func close(_ actual: Double, _ expected: Double) -> Bool { abs(actual - expected) <= tolerance * max(1, abs(expected)) }

    /// Row-major rows as a column-major matrix.
    static func matrix(_ rows: Any?) -> Matrix {
        let values = rows as! [[Double]]
        return Matrix(rows: values.count, cols: values[0].count, rowMajor: values.flatMap { $0 })
    }

    static func points(_ rows: Any?) -> Points {
        let matrix = matrix(rows)
        return Points(rows: matrix.rows, cols: matrix.cols, values: matrix.storage)
    }

    @Test func kMeansEqualsScikitLearnFromTheSameCentres() throws {
        let cases = try #require(Self.golden()["kmeans"] as? [[String: Any]])
        #expect(cases.count == 3)
        for reference in cases {
            let name = reference["name"] as! String
            let k = reference["k"] as! Int
            var random = SeededGenerator(seed: 0)
            let model = try KMeans.fit(
                features: Self.matrix(reference["x"]), clusterCount: k, weights: reference["weights"] as? [Double],
                initialCenters: Self.matrix(reference["init"]), random: &random)
            #expect(Self.close(model.inertia, reference["inertia"] as! Double), "\(name): inertia \(model.inertia), scikit-learn \(reference["inertia"]!)")
            #expect(model.iterations == reference["n_iter"] as! Int, "\(name): \(model.iterations) iterations, scikit-learn \(reference["n_iter"]!)")
            let centers = Self.matrix(reference["centers"])
            for c in 0..<k {
                for j in 0..<centers.cols { #expect(Self.close(model.centers[c, j], centers[c, j]), "\(name): centre \(c), feature \(j)") }
            }
            #expect(model.assign(Self.matrix(reference["x"])).clusters == reference["labels"] as! [Int], "\(name): labels differ")
        }
    }

    /// k-means++ from the seeded stream: the same seed gives the same clustering, the best of ten starts is no worse
    /// than scikit-learn's fit from the given centres, and a cluster count above the rows is refused.
    @Test func kMeansPlusPlusIsSeededAndRefusesMoreClustersThanRows() throws {
        let reference = try #require((Self.golden()["kmeans"] as? [[String: Any]])?.first { $0["name"] as? String == "five" })
        let features = Self.matrix(reference["x"])
        var first = SeededGenerator(seed: 7), second = SeededGenerator(seed: 7)
        let a = try KMeans.fit(features: features, clusterCount: 5, random: &first)
        let b = try KMeans.fit(features: features, clusterCount: 5, random: &second)
        #expect(a == b)
        #expect(a.inertia <= (reference["inertia"] as! Double) * (1 + 1e-9), "k-means++ best of 10: \(a.inertia)")
        var random = SeededGenerator(seed: 0)
        #expect(throws: FairlabError.self) { try KMeans.fit(features: Matrix(rows: 3, cols: 2, repeating: 1), clusterCount: 4, random: &random) }
    }

    /// The learner service on clustering data is the host's k-means with the run's k: `coefficients` gives the
    /// centres, `predict_scores` the nearest centre's id.
    @Test func theLearnerServiceIsKMeansOnClusteringData() throws {
        let reference = try #require((Self.golden()["kmeans"] as? [[String: Any]])?.first { $0["name"] as? String == "plain" })
        let provider = HostServicesProvider(seed: 3, methodID: "k-means-service", learner: .for(.clustering, clusterCount: 3))
        let services = HostServices(provider.host)
        #expect(String(cString: provider.host.pointee.learner.pointee.name) == "k-means")
        let features = Self.matrix(reference["x"])
        let model = try withMatrixView(features.storage, rows: features.rows, cols: features.cols) {
            try services.fitBaseLearner(features: $0, labels: nil, weights: nil)
        }
        let (centers, inertia) = try services.baseLearnerCoefficients(model, features: 3 * features.cols)
        // Three well-separated blobs: k-means++'s best start finds scikit-learn's optimum.
        #expect(Self.close(inertia, reference["inertia"] as! Double), "inertia \(inertia), scikit-learn \(reference["inertia"]!)")
        let ids = try withMatrixView(features.storage, rows: features.rows, cols: features.cols) { try services.baseLearnerScores(model, features: $0) }
        let fitted = Points(rows: 3, cols: features.cols, values: centers)
        let data = Points(rows: features.rows, cols: features.cols, values: features.storage)
        for i in 0..<features.rows {
            let nearest = (0..<3).min { data.squaredDistance(i, to: $0, of: fitted) < data.squaredDistance(i, to: $1, of: fitted) }!
            #expect(ids[i] == Double(nearest))
        }
    }

    @Test func metricsEqualTheirDefinitions() throws {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("ClusteringMetrics"))
        let metric = try #require(try library.methods().first { $0.id == "clustering-metrics" })
        #expect(metric.handles(.clustering) && !metric.handles(.binary) && !metric.handles(.regression))
        let instance = try MethodInstance(
            library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0, learner: .for(.clustering, clusterCount: 4))
        var compared = 0
        for testCase in try #require(Self.golden()["metrics"] as? [[String: Any]]) {
            let name = testCase["name"] as! String
            let codes = (testCase["groups"] as! [Int]).map(Int32.init)
            let groupCount = testCase["group_count"] as! Int
            let clusters = (testCase["clusters"] as! [Int]).map(Double.init)
            let values = try instance.evaluate(EvaluationBuffers(
                labels: [Double](repeating: 0, count: codes.count), predictions: clusters, scores: nil, weights: testCase["weights"] as? [Double],
                groupCodes: codes, groupNames: (0..<groupCount).map { "g\($0)" }, privileged: (0..<groupCount).map { $0 == 0 }, task: .clustering,
                features: Self.matrix(testCase["x"]), clusterCount: testCase["k"] as! Int))
            for (metricName, expected) in testCase["overall"] as! [String: Double] {
                let actual = try #require(values.overall[metricName], "\(name): \(metricName) not reported")
                #expect(Self.close(actual, expected), "\(name): \(metricName) = \(actual), reference \(expected)")
                compared += 1
            }
            for (metricName, expected) in testCase["per_group"] as! [String: [Double]] {
                let actual = try #require(values.perGroup[metricName], "\(name): \(metricName) not reported per group")
                for (group, value) in expected.enumerated() {
                    #expect(Self.close(actual[group], value), "\(name): \(metricName)[\(group)] = \(actual[group]), reference \(value)")
                    compared += 1
                }
            }
        }
        #expect(compared == 55, "\(compared) values compared")
    }

    /// By hand: two clusters, one all group a (weight 2 + 1), one a and b (1 each). Overall shares a 4/5, b 1/5;
    /// cluster 0 has no b, so balance and proportional balance are 0; cluster 1's share of b is 1/2, a gap of
    /// 0.3 (and a's 1/2 − 4/5 = −0.3). Inertia: cluster 0's weighted mean of 0 (w 2) and 3 (w 1) is 1, so
    /// 2·1 + 1·4 = 6; cluster 1's mean of 10 and 12 is 11, so 1 + 1 = 2: 8 in all.
    @Test func metricsByHand() throws {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("ClusteringMetrics"))
        let metric = try #require(try library.methods().first)
        let instance = try MethodInstance(
            library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0, learner: .for(.clustering, clusterCount: 3))
        let values = try instance.evaluate(EvaluationBuffers(
            labels: [0, 0, 0, 0], predictions: [0, 0, 1, 1], scores: nil, weights: [2, 1, 1, 1], groupCodes: [0, 0, 0, 1], groupNames: ["a", "b"],
            privileged: [true, false], task: .clustering, features: Matrix(rows: 4, cols: 1, columnMajor: [0, 3, 10, 12]), clusterCount: 3))
        #expect(values.overall["inertia"] == 8)
        #expect(values.overall["balance"] == 0 && values.overall["proportional_balance"] == 0)
        #expect(abs(values.overall["max_share_gap"]! - 0.3) < 1e-15 && values.overall["clusters"] == 2)
        #expect(values.perGroup["cluster_1_disparate_impact"]![1] == 2.5)
        // Cluster 2 is empty: its shares are undefined.
        let emptyShares = values.perGroup["cluster_2_share"]!
        #expect(emptyShares.count == 2 && emptyShares[0].isNaN && emptyShares[1].isNaN)
    }

    @Test func fairAssignmentReachesTheExactOptimum() throws {
        let cases = try #require(Self.golden()["fair_assignment"] as? [[String: Any]])
        #expect(cases.count == 2)
        for reference in cases {
            let name = reference["name"] as! String
            let groups = (reference["groups"] as! [Int]).map(Int32.init)
            let result = try FairAssignment.assign(
                Self.points(reference["x"]), groups: groups, groupCount: reference["group_count"] as! Int,
                centers: Self.points(reference["centers"]), delta: reference["delta"] as! Double)
            #expect(result.sizes == reference["sizes"] as! [Int], "\(name): sizes \(result.sizes)")
            #expect(result.lower == reference["lower"] as! [[Int]] && result.upper == reference["upper"] as! [[Int]], "\(name): bounds differ")
            // The cost of the assignment returned, recomputed from its clusters, is the MILP's optimum.
            let points = Self.points(reference["x"]), centers = Self.points(reference["centers"])
            let cost = result.clusters.enumerated().reduce(0.0) { $0 + points.squaredDistance($1.offset, to: $1.element, of: centers) }
            #expect(Self.close(cost, reference["cost"] as! Double) && Self.close(result.cost, cost), "\(name): cost \(cost), MILP optimum \(reference["cost"]!)")
            #expect(cost > reference["unconstrained_cost"] as! Double)
            // Every bound holds and every cluster keeps its size.
            for c in result.sizes.indices {
                #expect(result.clusters.filter { $0 == c }.count == result.sizes[c])
                for g in result.lower.indices {
                    let count = zip(result.clusters, groups).filter { $0.0 == c && Int($0.1) == g }.count
                    #expect((result.lower[g][c]...result.upper[g][c]).contains(count), "\(name): group \(g) has \(count) rows in cluster \(c)")
                }
            }
        }
    }

    @Test func fairletDecompositionReachesTheExactOptimum() throws {
        let cases = try #require(Self.golden()["fairlets"] as? [[String: Any]])
        #expect(cases.count == 2)
        for reference in cases {
            let name = reference["name"] as! String
            let groups = (reference["groups"] as! [Int]).map(Int32.init)
            let result = try FairletDecomposition.decompose(Self.points(reference["x"]), groups: groups)
            #expect(result.t == reference["t"] as! Int && Int(result.minority) == reference["minority"] as! Int)
            #expect(result.widened == 0)
            // One fairlet per minority row, covering every row once; its cost recomputed from the fairlets returned.
            let points = Self.points(reference["x"])
            #expect(result.fairlets.count == groups.filter { $0 == result.minority }.count)
            #expect(result.fairlets.flatMap { $0 }.sorted() == Array(0..<groups.count))
            let cost = result.fairlets.reduce(0.0) { total, fairlet in
                total + fairlet.dropFirst().reduce(0.0) { $0 + points.squaredDistance($1, to: fairlet[0], of: points) }
            }
            #expect(Self.close(cost, reference["cost"] as! Double) && Self.close(result.cost, cost), "\(name): cost \(cost), MILP optimum \(reference["cost"]!)")
            for fairlet in result.fairlets {
                let minority = fairlet.filter { groups[$0] == result.minority }.count
                #expect(minority == 1 && (1...result.t).contains(fairlet.count - 1), "\(name): a fairlet of \(minority) and \(fairlet.count - minority)")
            }
        }
    }

    /// Cluster ids are names: the baseline's go by size, a method's follow the baseline's by most rows in common.
    /// The 3 × 3 assignment below is the classic case where taking the cheapest cell first (0 at row 1, column 1)
    /// loses: the optimum, 1 + 2 + 2 = 5, sends row 0 to column 1, row 1 to column 0 and row 2 to column 2.
    @Test func clusterIdsAreAlignedToTheBaseline() {
        #expect(ClusterAlignment.hungarian(cost: [[4, 1, 3], [2, 0, 5], [3, 2, 2]]) == [1, 0, 2])
        #expect(ClusterAlignment.bySize([2, 2, 2, 0, 1, 1], clusterCount: 3) == [0, 0, 0, 2, 1, 1])
        #expect(ClusterAlignment.matching([1, 1, 0, 0, 2, 2], to: [0, 0, 2, 2, 1, 0], clusterCount: 3) == [0, 0, 2, 2, 1, 1])
        // Clusters with rows are named first, by size; the empty ones (here 0 and 2) after them.
        #expect(ClusterAlignment.bySize([3, 3, 1], clusterCount: 4) == [0, 0, 1])
    }

    /// A sparse candidate network that cannot place every point: a dense clump of majority points whose nearest
    /// heads fill up. The leftovers are offered more of their nearest heads and the flow places them; every fairlet keeps one head
    /// and 1 to t majority points.
    @Test func fairletsPlaceEveryPointWhenTheCandidatesRunOut() throws {
        // 4 heads (group 1) at 0, 1, 100, 101; 8 majority points (group 0) at 0.1 … 0.8, all nearest the first two.
        let values: [Double] = [0, 1, 100, 101] + (1...8).map { Double($0) / 10 }
        let groups: [Int32] = [1, 1, 1, 1] + [Int32](repeating: 0, count: 8)
        let result = try FairletDecomposition.decompose(Points(rows: 12, cols: 1, values: values), groups: groups, candidates: 1)
        #expect(result.t == 2)
        #expect(result.widened > 0)
        #expect(Set(result.fairlets.flatMap { $0 }) == Set(0..<12) && result.fairlets.count == 4)
        for fairlet in result.fairlets {
            let minority = fairlet.filter { groups[$0] == 1 }.count
            #expect(minority == 1 && (1...2).contains(fairlet.count - 1), "fairlet \(fairlet)")
        }
    }

    /// The flow's optimum against brute force, on random networks as fairlets build them: 9 supplies, each offered
    /// some of 4 heads whose room is 2 to 4 with a lower bound of 1. Compared where every supply can be placed, the
    /// case fairlets and fair assignment solve (they widen or refuse otherwise): the flow meets as many bounds as any
    /// placement can, and among those placements costs the least.
    @Test func theFlowEqualsBruteForce() throws {
        var random = SeededGenerator(seed: 11)
        var compared = 0
        for _ in 0..<120 {
            let supplies = 9, headCount = 4, sink = supplies + headCount
            let costs = (0..<(supplies * headCount)).map { _ in (random.nextUniform() * 10).rounded() }
            let room = (0..<headCount).map { _ in 2 + Int(random.nextUniform() * 3) }
            let offered = (0..<supplies).map { _ in (0..<headCount).filter { _ in random.nextUniform() < 0.6 } }
            var flow = MinCostFlow(nodeCount: sink + 1)
            for (o, heads) in offered.enumerated() {
                for h in heads { flow.addEdge(from: o, to: supplies + h, capacity: 1, cost: costs[o * headCount + h]) }
            }
            for h in 0..<headCount { flow.addEdge(from: supplies + h, to: sink, capacity: room[h], cost: 0, lower: 1) }
            let solved = try flow.solve(supplies: Array(0..<supplies), to: sink)
            // Brute force: every assignment of every supply to an offered head or to none, within the rooms; the most
            // supplies placed first, then the most heads given one, then the least cost.
            var best = (placed: -1, met: -1, cost: Double.infinity)
            func search(_ o: Int, _ used: [Int], _ placed: Int, _ cost: Double) {
                if o == supplies {
                    let met = used.filter { $0 > 0 }.count
                    if (placed, met, -cost) > (best.placed, best.met, -best.cost) { best = (placed, met, cost) }
                    return
                }
                search(o + 1, used, placed, cost)
                for h in offered[o] where used[h] < room[h] {
                    var next = used
                    next[h] += 1
                    search(o + 1, next, placed + 1, cost + costs[o * headCount + h])
                }
            }
            search(0, [Int](repeating: 0, count: headCount), 0, 0)
            guard best.placed == supplies else { continue }
            #expect(solved.flow == supplies, "placed \(solved.flow) of \(supplies)")
            #expect(solved.lowerBoundsMet == (best.met == headCount))
            #expect(abs(solved.cost - best.cost) < 1e-9, "flow \(solved.cost), brute force \(best.cost)")
            compared += 1
        }
        #expect(compared > 50, "only \(compared) networks could place every supply")
    }

    /// A group's range in a cluster with no whole count in it: one row of 20 in group b (p = 0.05), clusters of 5
    /// and 15 rows; at δ = 0.2 cluster 0 needs between ⌈0.8 · 0.05 · 5⌉ = 1 and ⌊0.05 · 5 / 0.8⌋ = 0 of b's rows.
    /// No assignment meets that: a one-line error, not an assignment that breaks a bound.
    @Test func fairAssignmentRefusesBoundsNoCountMeets() throws {
        let values = (0..<5).map { Double($0) / 10 } + (0..<15).map { 100 + Double($0) / 10 }
        let groups: [Int32] = [1] + [Int32](repeating: 0, count: 19)
        #expect {
            try FairAssignment.assign(
                Points(rows: 20, cols: 1, values: values), groups: groups, groupCount: 2, centers: Points(rows: 2, cols: 1, values: [0.2, 100.7]),
                delta: 0.2)
        } throws: { error in
            (error as? PluginError)?.message.contains("group 1 would need between 1 and 0 of cluster 0's 5 rows") == true
        }
    }

    /// A task bit a plugin's ABI did not have is noise: a version-5 descriptor declaring every bit handles binary and
    /// regression data, never clustering (whose labels would be NULL to it).
    @Test func olderDescriptorsCannotDeclareLaterTasks() {
        #expect(LoadedLibrary.tasks(declared: 0xFFFF_FFFF, atABI: 5) == FL_TASK_BINARY | FL_TASK_REGRESSION)
        #expect(LoadedLibrary.tasks(declared: 0xFFFF_FFFF, atABI: 4) == FL_TASK_BINARY)
        #expect(LoadedLibrary.tasks(declared: 0, atABI: 5) == FL_TASK_BINARY)
        #expect(LoadedLibrary.tasks(declared: FL_TASK_CLUSTERING, atABI: 6) == FL_TASK_CLUSTERING)
        // Clustering alone, declared by a v5 plugin: no task it can mean, so it runs on none (not on binary data).
        #expect(LoadedLibrary.tasks(declared: FL_TASK_CLUSTERING, atABI: 5) == 0)
    }

    /// The metric plugin refuses a prediction that is no cluster id below k, rather than index with it.
    @Test func metricsRefuseIdsOutsideTheClusters() throws {
        let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary("ClusteringMetrics"))
        let metric = try #require(try library.methods().first)
        let instance = try MethodInstance(
            library: library, info: metric, parameters: ResolvedParameters(method: metric, overrides: [:]), seed: 0, learner: .for(.clustering, clusterCount: 2))
        #expect {
            try instance.evaluate(EvaluationBuffers(
                labels: [0, 0], predictions: [0, 2], scores: nil, weights: nil, groupCodes: [0, 1], groupNames: ["a", "b"], privileged: [true, false],
                task: .clustering, features: Matrix(rows: 2, cols: 1, columnMajor: [0, 1]), clusterCount: 2))
        } throws: { error in
            "\(error)".contains("prediction 2.0 is not a cluster id 0 to 1")
        }
    }
}
