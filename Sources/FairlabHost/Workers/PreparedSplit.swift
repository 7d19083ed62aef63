import FairlabCore

/// One seed's split of a dataset, ready for methods: features standardised with the training rows' mean and
/// standard deviation (every column, numeric ones only, or none: `Standardization`), labels, and group codes
/// for each part.
struct PreparedSplit {
    let train: Part
    let validation: Part
    let test: Part
    let partition: GroupPartition
    /// What each feature column is, for plugins (`fl_data.column_*`).
    let columns: FeatureColumns

    /// The rows of one part.
    struct Part {
        let features: Matrix
        let labels: [Double]
        let groupCodes: [Int32]
    }

    init(
        dataset: Dataset, protectedAttributes: [String], train: [Int], validation: [Int], test: [Int],
        standardization: Standardization = .all
    ) throws {
        let rows = dataset.rows
        for (name, indices) in [("train", train), ("validation", validation), ("test", test)] {
            guard indices.allSatisfy({ $0 >= 0 && $0 < rows }) else { throw FairlabError("the \(name) split has rows outside the dataset") }
        }
        guard !train.isEmpty, !test.isEmpty else { throw FairlabError("the split has no training or no test rows") }
        let partition = try GroupPartition(dataset: dataset, attributes: protectedAttributes)
        self.partition = partition
        // The run's protected attributes, as a reference library is told its sensitive features; the dataset's
        // other protected attributes are ordinary 0/1 columns in this run.
        columns = FeatureColumns(names: dataset.featureNames, protectedAttributes: partition.attributeNames)
        let trainFeatures = dataset.features.selectingRows(train)
        // Every protected attribute's own column is a 0/1 indicator, whichever of them form this run's groups.
        let indicators = FeatureColumns(names: dataset.featureNames, protectedAttributes: dataset.protected.map(\.name))
        let standardizer = Standardizer(fitting: trainFeatures, only: standardization.mask(indicators))
        func part(_ indices: [Int], _ features: Matrix? = nil) -> Part {
            Part(
                features: standardizer.transform(features ?? dataset.features.selectingRows(indices)),
                labels: indices.map { dataset.labels[$0] }, groupCodes: indices.map { partition.codes[$0] })
        }
        self.train = part(train, trainFeatures)
        self.validation = part(validation)
        self.test = part(test)
    }
}
