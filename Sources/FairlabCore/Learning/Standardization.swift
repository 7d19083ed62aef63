/// Which feature columns are standardised with the training rows' mean and standard deviation before methods
/// see them: `numeric` (the default: scikit-learn's canonical pipeline as AIF360 and Fairlearn users write it,
/// `StandardScaler` on numeric columns, one-hot and protected 0/1 columns left as they are), `all` (fairlab's
/// default before, and what runs that do not record the choice used), or `none`.
public enum Standardization: String, Sendable, Codable, CaseIterable {
    case all, numeric, none

    /// Per column of `columns`, whether it is standardised.
    public func mask(_ columns: FeatureColumns) -> [Bool] {
        switch self {
        case .all: return columns.kinds.map { _ in true }
        case .numeric: return columns.kinds.map { $0 == .numeric }
        case .none: return columns.kinds.map { _ in false }
        }
    }
}
