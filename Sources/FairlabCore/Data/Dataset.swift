/// A dataset as fairlab holds it in memory: features, a label (binary: 0/1 where 1 is the favourable outcome;
/// regression: a real number), one or more protected attributes, an optional fixed split, and provenance.
public struct Dataset: Sendable {
    /// rows × features, column-major.
    public var features: Matrix
    /// One name per feature column, e.g. "age" or "workclass=Private".
    public var featureNames: [String]
    /// What the label is.
    public var task: TaskKind
    /// One label per row: 1 favourable and 0 unfavourable (binary), or the value to predict (regression); 0 on every
    /// row of a clustering dataset, which has no label (its rows are counted by it all the same).
    public var labels: [Double]
    /// The label column's name in the source, e.g. "income-per-year".
    public var labelName: String
    /// The source value that became label 1, e.g. ">50K"; empty for regression.
    public var favorableValue: String
    /// The protected attributes, in the order the importer was given them; the first is the default.
    public var protected: [ProtectedAttribute]
    /// For a clustering dataset, the number of clusters its runs ask for; 0 otherwise.
    public var clusterCount: Int
    /// An optional fixed split, one entry per row: 0 train, 1 validation, 2 test.
    public var split: [Int8]?
    /// Provenance attributes (source_file, source_sha256, import_command, ...), stored with the file.
    public var provenance: [String: String]

    /// Number of rows.
    public var rows: Int { labels.count }

    /// Creates a dataset; callers are responsible for matching lengths (`DatasetFile.read` checks them).
    public init(
        features: Matrix, featureNames: [String], labels: [Double], labelName: String, favorableValue: String,
        protected: [ProtectedAttribute], split: [Int8]? = nil, provenance: [String: String] = [:], task: TaskKind = .binary,
        clusterCount: Int = 0
    ) {
        self.task = task
        self.clusterCount = clusterCount
        self.features = features
        self.featureNames = featureNames
        self.labels = labels
        self.labelName = labelName
        self.favorableValue = favorableValue
        self.protected = protected
        self.split = split
        self.provenance = provenance
    }

    /// The protected attribute called `name`.
    public func protectedAttribute(named name: String) throws -> ProtectedAttribute {
        guard let attribute = protected.first(where: { $0.name == name }) else {
            let known = protected.map(\.name).joined(separator: ", ")
            throw FairlabError("unknown protected attribute '\(name)' (the dataset has: \(known))")
        }
        return attribute
    }
}
