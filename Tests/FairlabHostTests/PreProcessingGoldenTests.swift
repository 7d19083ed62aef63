import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// Massaging and resampling, called through the ABI as `compare` calls them, against the definitions of Kamiran
/// & Calders (2012) computed with NumPy and scikit-learn on the same rows
/// (tools/golden/make_preprocessing_goldens.py; its ranker is scikit-learn's logistic regression at C = 1,
/// which the host's learner matches to 1e-7, far inside the score gaps at the cut-offs, 0.009 and 0.017).
@Suite struct PreProcessingGoldenTests {
    struct Training {
        private(set) var features: Matrix
        let labels: [Double], codes: [Int32], groups: GroupsTable
        private(set) var testFeatures: Matrix
        let testCodes: [Int32]
        /// x0, x1, x2 numeric, s the protected attribute's own column, c0…c2 one categorical's one-hot block.
        let columns: FeatureColumns

        init() throws {
            let golden = try #require(try TestEnvironment.fixture("preprocessing_goldens.json") as? [String: Any])
            let inputs = golden["inputs"] as! [String: Any], train = inputs["train"] as! [String: Any], test = inputs["test"] as! [String: Any]
            func matrix(_ split: [String: Any]) -> Matrix {
                let rows = (split["features"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
                return Matrix(rows: rows.count, cols: rows[0].count, rowMajor: rows.flatMap { $0 })
            }
            features = matrix(train)
            testFeatures = matrix(test)
            labels = (train["labels"] as! [NSNumber]).map(\.doubleValue)
            codes = (train["groups"] as! [Int]).map(Int32.init)
            testCodes = (test["groups"] as! [Int]).map(Int32.init)
            let groupList = inputs["groups"] as! [[String: Any]]
            groups = GroupsTable(names: groupList.map { $0["name"] as! String }, privileged: groupList.map { $0["privileged"] as! Bool })
            columns = FeatureColumns(names: ["x0", "x1", "x2", "s", "c=0", "c=1", "c=2"], protectedAttributes: ["s"])
        }

        /// The same rows with the protected column s and the one-hot block c=0…c=2 as 0/1 indicators, as
        /// `--standardize numeric` leaves them (each standardised column has two values, the larger being 1).
        func withIndicatorColumns() -> Training {
            var copy = self
            for j in 3..<7 {
                for i in 0..<features.rows { copy.features[i, j] = features[i, j] > 0 ? 1 : 0 }
                for i in 0..<testFeatures.rows { copy.testFeatures[i, j] = testFeatures[i, j] > 0 ? 1 : 0 }
            }
            return copy
        }

        /// The training rows as a method sees them at fit: features, labels, groups and column kinds.
        var trainTable: DataTable {
            DataTable(features: features, labels: labels, scores: nil, weights: nil, groupCodes: codes, groups: groups, columns: columns)
        }

        /// The test rows as a method sees them at predict or transform: no labels; groups only where shown.
        func testTable(showingGroups: Bool = true) -> DataTable {
            DataTable(
                features: testFeatures, labels: nil, scores: nil, weights: nil, groupCodes: showingGroups ? testCodes : nil, groups: groups,
                columns: columns)
        }

        /// `method` of the plugin library `plugin`, created with `overrides` and `seed` and fitted on the training rows.
        func fitted(_ plugin: String, _ method: String, _ overrides: [String: String] = [:], seed: UInt64 = 1) throws -> MethodInstance {
            let library = try LoadedLibrary(path: TestEnvironment.pluginLibrary(plugin))
            let info = try #require(try library.methods().first { $0.id == method })
            let instance = try MethodInstance(library: library, info: info, parameters: ResolvedParameters(method: info, overrides: overrides), seed: seed)
            try instance.fit(train: trainTable, validation: nil)
            return instance
        }

        /// The training and the test rows transformed by a fitted pre-processing `instance`, as `compare` does.
        func transformed(by instance: MethodInstance) throws -> (train: TransformedData, test: TransformedData) {
            let train = try instance.transform(
                trainTable, features: features, labels: labels, weights: [Double](repeating: 1, count: labels.count), groupCodes: codes,
                trainingRows: true)
            let test = try instance.transform(testTable(), features: testFeatures, labels: nil, weights: [Double](repeating: 1, count: testCodes.count))
            return (train, test)
        }

        /// Fits `method` on the training rows, then transforms them and the test rows as `compare` does:
        /// the training rows' features, labels and weights afterwards, and the test rows' features.
        func transform(_ plugin: String, _ method: String, _ overrides: [String: String] = [:]) throws
            -> (labels: [Double], weights: [Double], features: Matrix, testFeatures: Matrix) {
            let (trained, tested) = try transformed(by: fitted(plugin, method, overrides))
            return (try #require(trained.labels), trained.weights, trained.features, tested.features)
        }
    }

    static func golden(_ key: String) throws -> [String: Any] {
        let golden = try #require(try TestEnvironment.fixture("preprocessing_goldens.json") as? [String: Any])
        return try #require(golden[key] as? [String: Any])
    }

    @Test func massagingFlipsTheRowsTheDefinitionNames() throws {
        let training = try Training()
        let massaging = try Self.golden("massaging")
        let (labels, weights, _, _) = try training.transform("Massaging", "massaging")
        #expect(labels == (massaging["massaged_labels"] as! [NSNumber]).map(\.doubleValue))
        #expect(weights.allSatisfy { $0 == 1 })
        let flipped = labels.indices.filter { labels[$0] != training.labels[$0] }
        #expect(flipped == (massaging["flipped_rows"] as! [Int]))
        #expect(flipped.count == 2 * (massaging["m"] as! Int))
    }

    @Test func preferentialSamplingWeighsTheBorderlineRows() throws {
        let training = try Training()
        let sampling = try Self.golden("sampling")
        let (labels, weights, _, _) = try training.transform("Resampling", "preferential-sampling")
        #expect(labels == training.labels)
        #expect(weights == (sampling["preferential_weights"] as! [NSNumber]).map(\.doubleValue))
    }

    /// Uniform sampling draws its rows at random, so only the cell sizes are fixed: each is the size independence
    /// of side and label gives.
    @Test func uniformSamplingReachesTheIndependentCellSizes() throws {
        let training = try Training()
        let (_, weights, _, _) = try training.transform("Resampling", "uniform-sampling")
        for cell in try Self.golden("sampling")["cells"] as! [[String: Any]] {
            let group = Int32(cell["group"] as! Int), label = (cell["label"] as! NSNumber).doubleValue
            let rows = training.labels.indices.filter { training.codes[$0] == group && training.labels[$0] == label }
            #expect(rows.reduce(0) { $0 + weights[$1] } == (cell["expected"] as! NSNumber).doubleValue, "cell \(cell)")
            #expect(rows.allSatisfy { weights[$0] == weights[$0].rounded() })
        }
    }

    /// Up-sampling makes the unprivileged base rate `ratio` times the privileged one, by weighting only the
    /// unprivileged favourable rows.
    @Test(arguments: [1.0, 0.8]) func groupUpsamplingReachesItsRatio(_ ratio: Double) throws {
        let training = try Training()
        let (_, weights, _, _) = try training.transform("Resampling", "group-upsampling", ["ratio": "\(ratio)"])
        func rate(_ group: Int32) -> Double {
            let rows = training.labels.indices.filter { training.codes[$0] == group }
            return rows.reduce(0) { $0 + weights[$1] * training.labels[$1] } / rows.reduce(0) { $0 + weights[$1] }
        }
        #expect(abs(rate(0) - ratio * rate(1)) < 1e-12)
        #expect(training.labels.indices.allSatisfy { weights[$0] == 1 || (training.codes[$0] == 0 && training.labels[$0] == 1) })
    }

    /// Fairlearn's CorrelationRemover on the same rows: the protected column regressed out of the others and
    /// dropped, fitted on the training rows and applied to the test rows, at α = 1 and α = 0.5.
    @Test func correlationRemoverEqualsFairlearn() throws {
        let training = try Training()
        for testCase in try Self.golden("correlation_remover")["cases"] as! [[String: Any]] {
            let alpha = (testCase["alpha"] as! NSNumber).doubleValue
            let (_, _, features, testFeatures) = try training.transform("CorrelationRemover", "correlation-remover", ["alpha": "\(alpha)"])
            for (name, actual) in [("train", features), ("test", testFeatures)] {
                let rows = (testCase[name] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
                let expected = Matrix(rows: rows.count, cols: rows[0].count, rowMajor: rows.flatMap { $0 })
                #expect(actual.cols == 6 && actual.rows == expected.rows, "alpha \(alpha) \(name): \(actual.rows)×\(actual.cols)")
                let worst = zip(actual.storage, expected.storage).map { abs($0 - $1) }.max()!
                #expect(worst < 1e-12, "alpha \(alpha) \(name): differs by \(worst)")
            }
        }
    }

    /// AIF360's DisparateImpactRemover on the same training rows at repair levels 0, 0.5 and 1: every value
    /// equal (its repair works on ranks of distinct values, so outputs are values the column already had).
    @Test func disparateImpactRemoverEqualsAIF360OnTrainingRows() throws {
        let training = try Training()
        for level in try Self.golden("disparate_impact_remover")["levels"] as! [[String: Any]] {
            let repairLevel = (level["repair_level"] as! NSNumber).doubleValue
            let (_, _, features, testFeatures) = try training.transform(
                "DisparateImpactRemover", "disparate-impact-remover", ["repair_level": "\(repairLevel)", "keep_protected": "true"])
            let rows = (level["train"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let expected = Matrix(rows: rows.count, cols: rows[0].count, rowMajor: rows.flatMap { $0 })
            #expect(features == expected, "level \(repairLevel): \(zip(features.storage, expected.storage).filter { $0 != $1 }.count) values differ")
            // Test rows take the training repair of their value on their side (the protected column untouched).
            #expect(testFeatures.column(3) == training.testFeatures.column(3))
            if repairLevel == 0 { #expect(testFeatures == training.testFeatures) }
        }
    }

    /// The paper's row-quantile repair at level 1 nearly removes the difference between the sides' means of the
    /// continuous columns x0 and x2 (x1 has 7 values, and tied rows move together); at level 0 it changes nothing.
    @Test func quantileRepairAlignsTheSides() throws {
        let training = try Training()
        let (_, _, repaired, _) = try training.transform("DisparateImpactRemover", "disparate-impact-remover", ["mode": "quantile", "repair_level": "1"])
        func gap(_ matrix: Matrix, _ column: Int) -> Double {
            let values = matrix.column(column)
            func mean(_ group: Int32) -> Double {
                let rows = values.indices.filter { training.codes[$0] == group }
                return rows.reduce(0) { $0 + values[$1] } / Double(rows.count)
            }
            return abs(mean(0) - mean(1))
        }
        for column in [0, 2] {
            #expect(gap(repaired, column) < 0.1 * gap(training.features, column), "x\(column): \(gap(training.features, column)) → \(gap(repaired, column))")
        }
        let (_, _, unchanged, _) = try training.transform(
            "DisparateImpactRemover", "disparate-impact-remover", ["mode": "quantile", "repair_level": "0", "keep_protected": "true"])
        #expect(unchanged == training.features)
        // By default the protected column (s, column 3) is dropped, the others kept in order.
        let (_, _, dropped, droppedTest) = try training.transform("DisparateImpactRemover", "disparate-impact-remover", ["repair_level": "0"])
        #expect(dropped.cols == 6 && droppedTest.cols == 6 && dropped.column(3) == training.features.column(4))
    }

    /// Feature adjustment gives every group the pooled training mean of every numeric column (x0, x1, x2), leaves
    /// the one-hot block alone, drops the protected column, and shifts test rows by their group's training shift.
    @Test func featureAdjustmentEqualisesGroupMeans() throws {
        let training = try Training()
        let (_, _, adjusted, adjustedTest) = try training.transform("FeatureAdjustment", "feature-adjustment")
        #expect(adjusted.cols == 6)
        for column in 0..<3 {
            let values = adjusted.column(column), pooled = training.features.column(column).reduce(0, +) / Double(training.features.rows)
            for group: Int32 in [0, 1] {
                let rows = values.indices.filter { training.codes[$0] == group }
                #expect(abs(rows.reduce(0) { $0 + values[$1] } / Double(rows.count) - pooled) < 1e-12)
            }
            // A test row moves by its group's training shift: the same as a training row of its group.
            let trainShift = adjusted[0, column] - training.features[0, column]
            let sameGroup = try #require(training.testCodes.firstIndex(of: training.codes[0]))
            #expect(abs(adjustedTest[sameGroup, column] - training.testFeatures[sameGroup, column] - trainShift) < 1e-12)
        }
        for column in 3..<6 { #expect(adjusted.column(column) == training.features.column(column + 1)) }
    }
}
