import CFairlabPlugin

/// A read-only Swift view of a host `fl_data`, valid for the call that received it.
public struct DataView {
    /// Number of rows.
    public let rows: Int
    /// Number of feature columns.
    public let cols: Int
    /// The features matrix, to hand to BLAS or to the host's base learner.
    public let matrix: UnsafePointer<fl_matrix>
    /// Labels (0/1 for a binary task, real numbers for regression), or nil where hidden (and for clustering).
    public let labels: UnsafeBufferPointer<Double>?
    /// Baseline scores, or nil.
    public let scores: UnsafeBufferPointer<Double>?
    /// Instance weights, or nil meaning all 1.
    public let weights: UnsafeBufferPointer<Double>?
    /// Group codes, or nil where hidden.
    public let groupCodes: UnsafeBufferPointer<Int32>?
    /// The groups.
    public let groups: Groups
    /// What each feature column is, when the host says (ABI 2); nil otherwise.
    public let columns: [Column]?
    /// The data's task (ABI 5; a host of an earlier ABI only ever gives binary data).
    public let task: Tasks
    /// For clustering, the number of clusters k the run asks for (ABI 6); 0 otherwise.
    public let clusterCount: Int

    /// One feature column's description.
    public struct Column: Equatable {
        /// Its name ("age", "workclass=Private", "sex").
        public let name: String
        /// `FL_COLUMN_NUMERIC`, `FL_COLUMN_ONE_HOT` or `FL_COLUMN_PROTECTED`.
        public let kind: Int32
        /// The first column of the same source column (one-hot siblings share it).
        public let source: Int
    }

    init(_ data: fl_data) {
        rows = Int(data.rows)
        matrix = data.features
        cols = Int(data.features.pointee.cols)
        labels = data.labels.map { UnsafeBufferPointer(start: $0, count: Int(data.rows)) }
        scores = data.scores.map { UnsafeBufferPointer(start: $0, count: Int(data.rows)) }
        weights = data.weights.map { UnsafeBufferPointer(start: $0, count: Int(data.rows)) }
        groupCodes = data.group_codes.map { UnsafeBufferPointer(start: $0, count: Int(data.rows)) }
        groups = Groups(data.groups.pointee)
        let hasTask = data.struct_size >= MemoryLayout<fl_data>.offset(of: \.task)! + MemoryLayout<fl_tasks>.size
        task = hasTask && data.task != 0 ? Tasks(rawValue: data.task) : .binary
        let hasClusterCount = data.struct_size >= MemoryLayout<fl_data>.offset(of: \.cluster_count)! + 8
        clusterCount = hasClusterCount ? Int(data.cluster_count) : 0
        let described = data.struct_size >= MemoryLayout<fl_data>.offset(of: \.column_sources)! + 8
        if described, let names = data.column_names, let kinds = data.column_kinds, let sources = data.column_sources {
            columns = (0..<Int(data.features.pointee.cols)).map { j in
                Column(name: String(cString: names[j]!), kind: kinds[j], source: Int(sources[j]))
            }
        } else {
            columns = nil
        }
    }

    /// The features as one column-major buffer (rows × cols), for code that reads them whole; the host hands them
    /// with a leading dimension equal to the rows, and any other view is refused rather than misread.
    public func contiguousFeatures() throws -> UnsafeBufferPointer<Double> {
        // No rows: nothing to read (the host's leading dimension is then 1).
        guard rows == 0 || Int(matrix.pointee.leading_dimension) == rows else { throw PluginError.invalidInput("the features are not contiguous columns") }
        return UnsafeBufferPointer(start: matrix.pointee.data, count: rows * cols)
    }

    /// Feature (row, column).
    public func feature(_ row: Int, _ column: Int) -> Double {
        matrix.pointee.data[row + column * Int(matrix.pointee.leading_dimension)]
    }

    /// Column `column`'s `rows` values, contiguous (the matrix is column-major): the fast way through a whole
    /// column, without re-reading the matrix header per element as `feature(_:_:)` does.
    public func column(_ column: Int) -> UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: matrix.pointee.data + column * Int(matrix.pointee.leading_dimension), count: rows)
    }

    /// The labels, or an error naming what is missing.
    public func requireLabels() throws -> UnsafeBufferPointer<Double> {
        guard let labels else { throw PluginError.invalidInput("labels are required but were not given") }
        return labels
    }

    /// The group codes, or an error naming what is missing.
    public func requireGroupCodes() throws -> UnsafeBufferPointer<Int32> {
        guard let groupCodes else { throw PluginError.invalidInput("group codes are required but were not given") }
        return groupCodes
    }

    /// The scores, or an error naming what is missing.
    public func requireScores() throws -> UnsafeBufferPointer<Double> {
        guard let scores else { throw PluginError.invalidInput("baseline scores are required but were not given") }
        return scores
    }

    /// The weight of `row` (1 when no weights were given).
    public func weight(_ row: Int) -> Double { weights?[row] ?? 1 }
}

/// The groups of a comparison (`fl_groups`).
public struct Groups {
    /// Number of groups.
    public let count: Int
    /// Group names.
    public let names: [String]
    /// Per group: privileged or not.
    public let privileged: [Bool]

    init(_ groups: fl_groups) {
        count = Int(groups.count)
        names = (0..<count).map { String(cString: groups.names[$0]!) }
        privileged = (0..<count).map { groups.privileged[$0] != 0 }
    }
}
