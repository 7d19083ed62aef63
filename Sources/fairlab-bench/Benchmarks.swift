import Dispatch
import FairlabCore
import FairlabHost
import FairlabPluginKit
import Foundation

/// fairlab's own benchmarks (run a release build: `swift run -c release fairlab-bench`):
///
/// - `learner`: the base learner's fit on Adult's 18,098 training rows (rows with index % 5 in {0, 1, 2}, the
///   split tools/bench/sklearn_learner.py uses for scikit-learn), median of several runs, with the log-loss it
///   reaches;
/// - `metrics`: the standard metric plugin's throughput through the ABI at 10⁶ and 10⁷ rows, median of several
///   runs, single-threaded;
/// - `learner-file PATH [--runs=N] [--cg-width=W]`: the base learner's fit on every row of a dataset file,
///   standardised as `compare` does, median of N runs (default 5), with the log-loss and the Newton iterations
///   it took; `--cg-width` moves the width from which truncated Newton is used (to measure the crossover). Used
///   by tools/bench/wide_fit.py to time wide one-hot data against scikit-learn;
/// - `postprocess FILE.json [--runs=N]`: fit + predict of every post-processing plugin on the validation and
///   test scores in FILE (written by tools/bench/postprocessing.py, which times the Python peers on the same
///   scores), median of N runs (default 5), through the ABI as `compare` calls them;
/// - `optimpreproc PROGRAMS.json [--runs=N]`: each optimized pre-processing program in PROGRAMS (the fixture
///   tools/golden/make_optimpreproc_goldens.py writes, with AIF360's cvxpy solve time beside it) solved in-house,
///   median of N runs (default 5), with its optimum;
/// - `append RESULTS.h5 [--count=N]`: the first run of RESULTS appended N times (default 100) to a new results
///   file, each append timed: the median of the first five and of the last five, to show that an append's cost
///   does not grow with the runs already in the file.
/// - `kmeans-file PATH [--runs=N] [--clusters=K]`: the clustering baseline's k-means (10 k-means++ starts) on
///   every row of a dataset file, standardised as `compare` does by default (numeric columns), median of N runs
///   (default 5), with its inertia and iterations; tools/bench/clustering.py times scikit-learn's on a run's rows;
/// - `report RESULTS.h5 [--runs=N]`: `fairlab report`'s work on the latest run of RESULTS (read it, summarise it
///   with its bootstrap intervals, write the HTML), median of N runs (default 5).
///
/// Output is one JSON object per line, so tools/bench/run.sh can set it beside the Python peers'.
@main
struct Benchmarks {
    /// Runs the benchmarks the arguments name; a usage or input error is one line on stderr and exit status 1,
    /// not a trap with a backtrace.
    static func main() {
        do {
            try run()
        } catch {
            FileHandle.standardError.write(Data("fairlab-bench: error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() throws {
        #if DEBUG
        FileHandle.standardError.write(Data("fairlab-bench: warning: this is a debug build; use `swift run -c release fairlab-bench`\n".utf8))
        #endif
        BLAS.setThreadCount(1)
        let arguments = Array(CommandLine.arguments.dropFirst())
        let which = Set(arguments.filter { !$0.hasPrefix("--") })
        let root = arguments.first { $0.hasPrefix("--root=") }.map { String($0.dropFirst(7)) } ?? FileManager.default.currentDirectoryPath
        if arguments.first == "postprocess" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench postprocess SCORES.json [--runs=N]") }
            let runs = arguments.first { $0.hasPrefix("--runs=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
            return try postprocess(arguments[1], runs: runs)
        }
        if arguments.first == "optimpreproc" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench optimpreproc PROGRAMS.json [--runs=N]") }
            let runs = arguments.first { $0.hasPrefix("--runs=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
            return try optimizedPreprocessing(arguments[1], runs: runs)
        }
        if arguments.first == "append" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench append RESULTS.h5 [--count=N]") }
            let count = arguments.first { $0.hasPrefix("--count=") }.flatMap { Int($0.dropFirst(8)) } ?? 100
            return try append(from: arguments[1], count: max(count, 10))
        }
        if arguments.first == "report" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench report RESULTS.h5 [--runs=N]") }
            let runs = arguments.first { $0.hasPrefix("--runs=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
            return try report(arguments[1], runs: runs)
        }
        if arguments.first == "kmeans-file" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench kmeans-file DATASET.h5 [--runs=N] [--clusters=K]") }
            let runs = arguments.first { $0.hasPrefix("--runs=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
            let clusters = arguments.first { $0.hasPrefix("--clusters=") }.flatMap { Int($0.dropFirst(11)) }
            return try kMeansOnFile(arguments[1], runs: runs, clusters: clusters)
        }
        if arguments.first == "learner-file" {
            guard arguments.count >= 2 else { throw FairlabError("usage: fairlab-bench learner-file DATASET.h5 [--runs=N]") }
            var options = LogisticRegression.Options()
            if let width = arguments.first(where: { $0.hasPrefix("--cg-width=") }).flatMap({ Int($0.dropFirst(11)) }) {
                options.conjugateGradientWidth = width
            }
            let runs = arguments.first { $0.hasPrefix("--runs=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
            return try learnerOnFile(arguments[1], runs: runs, options: options)
        }
        if which.isEmpty || which.contains("learner") { try learner(root: root) }
        if which.isEmpty || which.contains("metrics") { try metrics() }
    }

    static func optimizedPreprocessing(_ path: String, runs: Int) throws {
        guard let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any],
              let problems = golden["problems"] as? [[String: Any]] else { throw FairlabError(file: path, "not an optimized pre-processing fixture") }
        for problem in problems {
            guard let rowGroup = problem["row_group"] as? [Int], let rowCell = problem["row_xy"] as? [Int], let rowCounts = problem["counts"] as? [Double],
                  let cellLabels = problem["y_of_column"] as? [Int], let distortion = problem["distortion"] as? [[Double]],
                  let options = problem["options"] as? [String: Any], let epsilon = options["epsilon"] as? Double,
                  let levels = options["clist"] as? [Double], let limits = options["dlist"] as? [Double] else {
                throw FairlabError(file: path, "a problem lacks counts, cells, distortion or options")
            }
            var counts = [[Double]](repeating: [Double](repeating: 0, count: cellLabels.count), count: (rowGroup.max() ?? 0) + 1)
            for (r, count) in rowCounts.enumerated() { counts[rowGroup[r]][rowCell[r]] += count }
            let program = OptimizedPreprocessingProgram(
                counts: counts, cellLabels: cellLabels, distortion: distortion, epsilon: epsilon, distortionLevels: levels, distortionLimits: limits)
            var objective = 0.0, iterations = 0
            let times = try (0..<runs).map { _ in
                try seconds {
                    let solution = try program.solve()
                    (objective, iterations) = (solution.objective, solution.iterations)
                }
            }
            emit(["benchmark": "optimpreproc", "problem": problem["name"] as? String ?? "", "median_seconds": median(times), "runs": runs,
                  "objective": objective, "iterations": iterations])
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func emit(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    static func report(_ path: String, runs: Int) throws {
        guard let id = try ResultsFile.runIDs(in: path).last else { throw FairlabError(file: path, "holds no run") }
        var bytes = 0, shape = (methods: 0, seeds: 0, resamples: 0)
        let times = try (0..<max(runs, 1)).map { _ in
            try seconds {
                let run = try ResultsFile.read(runID: id, from: path, predictions: false)
                let html = HTMLReport.document([try ComparisonSummary(run)], resultsPath: path)
                bytes = html.utf8.count
                shape = (run.methods.count, run.seeds.count, run.bootstrapResamples)
            }
        }
        emit([
            "benchmark": "report", "implementation": "fairlab", "methods": shape.methods, "seeds": shape.seeds,
            "bootstrap_resamples": shape.resamples, "median_seconds": median(times), "html_bytes": bytes,
        ])
    }

    static func append(from source: String, count: Int) throws {
        guard let id = try ResultsFile.runIDs(in: source).first else { throw FairlabError(file: source, "holds no run") }
        var run = try ResultsFile.read(runID: id, from: source)
        let folder = try TemporaryFolder.make(prefix: "fairlab-bench-append")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/results.h5"
        let times = try (1...count).map { index in
            run.id = "run-\(index)"
            return try seconds { try ResultsFile.append(run, to: path) }
        }
        let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        emit([
            "benchmark": "results_append", "implementation": "fairlab", "runs": count,
            "predictions_per_run": run.methods.map { $0.outcomes.map(\.predictions.count).reduce(0, +) }.reduce(0, +),
            "first_five_median_seconds": median(Array(times.prefix(5))), "last_five_median_seconds": median(Array(times.suffix(5))),
            "index_bytes": size(path), "run_file_bytes": size("\(folder)/results.h5.runs/run-1.h5"),
        ])
    }

    static func learner(root: String) throws {
        let dataset = try DatasetFile.read(root + "/datasets/adult.h5")
        let train = (0..<dataset.rows).filter { $0 % 5 <= 2 }
        let features = dataset.features.selectingRows(train)
        let x = Standardizer(fitting: features).transform(features)
        let y = train.map { dataset.labels[$0] }
        var model = try LogisticRegression.fit(features: x, labels: y)  // warm-up
        let times = try (0..<15).map { _ in try seconds { model = try LogisticRegression.fit(features: x, labels: y) } }
        emit([
            "benchmark": "learner_fit", "implementation": "fairlab", "rows": x.rows, "features": x.cols,
            "median_seconds": median(times), "runs": times.count, "newton_iterations": model.iterations,
            "train_log_loss": model.logLoss(x, labels: y),
        ])
    }

    static func learnerOnFile(_ path: String, runs: Int, options: LogisticRegression.Options) throws {
        let dataset = try DatasetFile.read(path)
        let x = Standardizer(fitting: dataset.features).transform(dataset.features)
        let y = dataset.labels
        var model = try LogisticRegression.fit(features: x, labels: y, options: options)  // warm-up
        let times = try (0..<runs).map { _ in try seconds { model = try LogisticRegression.fit(features: x, labels: y, options: options) } }
        emit([
            "benchmark": "learner_fit_file", "implementation": "fairlab", "dataset": path, "rows": x.rows, "features": x.cols,
            "median_seconds": median(times), "runs": times.count, "newton_iterations": model.iterations,
            "solver": x.cols >= options.conjugateGradientWidth ? "truncated-newton" : "newton-cholesky",
            "train_log_loss": model.logLoss(x, labels: y),
            // The objective both libraries minimise (C = 1): Σ log-loss + ½‖β‖².
            "objective": model.logLoss(x, labels: y) * Double(x.rows) + model.coefficients.reduce(0) { $0 + $1 * $1 } / 2,
        ])
    }

    static func kMeansOnFile(_ path: String, runs: Int, clusters: Int?) throws {
        let dataset = try DatasetFile.read(path)
        let k = clusters ?? dataset.clusterCount
        guard k >= 2 else { throw FairlabError(file: path, "not a clustering dataset: give --clusters=K") }
        let numeric = Standardization.numeric.mask(FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name)))
        let x = Standardizer(fitting: dataset.features, only: numeric).transform(dataset.features)
        var random = SeededGenerator(seed: 0)
        var model = try KMeans.fit(features: x, clusterCount: k, random: &random)  // warm-up
        let times = try (0..<runs).map { _ in try seconds { model = try KMeans.fit(features: x, clusterCount: k, random: &random) } }
        emit([
            "benchmark": "kmeans_fit_file", "implementation": "fairlab", "dataset": path, "rows": x.rows, "features": x.cols, "clusters": k,
            "median_seconds": median(times), "runs": times.count, "iterations": model.iterations, "inertia": model.inertia,
        ])
    }

    /// The post-processing methods timed by `postprocess`, with their parameters.
    static let postprocessors: [(plugin: String, method: String, parameters: [String: String])] = [
        ("ThresholdOptimizer", "threshold-optimizer", ["constraints": "demographic_parity"]),
        ("ThresholdOptimizer", "threshold-optimizer", ["constraints": "equalized_odds"]),
        ("EqualizedOddsPostprocessing", "eq-odds", [:]),
        ("CalibratedEqualizedOdds", "calibrated-eq-odds", ["cost_constraint": "weighted"]),
        ("RejectOption", "reject-option", ["metric": "statistical_parity_difference"]),
        ("GroupThresholds", "group-thresholds", [:]),
    ]

    static func postprocess(_ path: String, runs: Int) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let file = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let validation = file["validation"] as? [String: [NSNumber]], let test = file["test"] as? [String: [NSNumber]],
              let names = file["group_names"] as? [String], let privileged = file["privileged"] as? [Bool]
        else { throw FairlabError(file: path, "expected {group_names, privileged, validation: {score, label, group}, test: {score, group}}") }
        let groups = GroupsTable(names: names, privileged: privileged)
        func column(_ split: [String: [NSNumber]], _ key: String) -> [Double] { (split[key] ?? []).map(\.doubleValue) }
        let validationTable = DataTable(
            features: Matrix(rows: column(validation, "score").count, cols: 1), labels: column(validation, "label"),
            scores: column(validation, "score"), weights: nil, groupCodes: column(validation, "group").map { Int32($0) }, groups: groups)
        let testScores = column(test, "score")
        let testTable = DataTable(
            features: Matrix(rows: testScores.count, cols: 1), labels: nil, scores: testScores, weights: nil,
            groupCodes: column(test, "group").map { Int32($0) }, groups: groups)
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for (plugin, method, overrides) in postprocessors {
            let library = try LoadedLibrary(path: folder.appendingPathComponent("lib\(plugin).so").path)
            let info = try library.methods().first { $0.id == method }!
            let parameters = try ResolvedParameters(method: info, overrides: overrides)
            func fitAndPredict() throws {
                let instance = try MethodInstance(library: library, info: info, parameters: parameters, seed: 0)
                try instance.fit(train: validationTable, validation: nil)
                _ = try instance.predict(testTable, rows: testScores.count)
            }
            try fitAndPredict()  // warm-up
            let times = try (0..<runs).map { _ in try seconds(fitAndPredict) }
            emit([
                "benchmark": "postprocess", "implementation": "fairlab", "method": method, "parameters": parameters.summary,
                "median_seconds": median(times), "runs": runs, "validation_rows": column(validation, "score").count, "test_rows": testScores.count,
            ])
        }
    }

    static func metrics() throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let library = try LoadedLibrary(path: executable.appendingPathComponent("libStandardMetrics.so").path)
        let method = try library.methods().first { $0.id == "standard-metrics" }!
        let instance = try MethodInstance(library: library, info: method, parameters: ResolvedParameters(method: method, overrides: [:]), seed: 0)
        var generator = SeededGenerator(seed: 1)
        for rows in [1_000_000, 10_000_000] {
            var labels = [Double](repeating: 0, count: rows), predictions = labels
            var codes = [Int32](repeating: 0, count: rows)
            for i in 0..<rows {
                let bits = generator.next()
                codes[i] = Int32(bits % 2)
                labels[i] = Double((bits >> 8) % 2)
                predictions[i] = (bits >> 16) % 4 == 0 ? 1 - labels[i] : labels[i]
            }
            let buffers = EvaluationBuffers(
                labels: labels, predictions: predictions, scores: nil, weights: nil, groupCodes: codes,
                groupNames: ["unprivileged", "privileged"], privileged: [false, true])
            var values = try instance.evaluate(buffers)  // warm-up
            let times = try (0..<11).map { _ in try seconds { values = try instance.evaluate(buffers) } }
            emit([
                "benchmark": "metrics", "implementation": "fairlab", "rows": rows, "median_seconds": median(times),
                "rows_per_second": Double(rows) / median(times), "runs": times.count, "metrics_reported": values.overall.count + values.perGroup.count,
            ])
        }
    }
}
