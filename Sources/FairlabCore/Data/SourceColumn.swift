/// One source column of a dataset, as format version 2 stores it (docs/dataset-format.md): numbers, one feature;
/// or category codes, which expand to one one-hot feature per category (`column=category`).
public enum SourceColumn: Sendable, Equatable {
    case numeric(name: String, values: [Double])
    case categorical(name: String, categories: [String], codes: [Int32])

    /// The features it expands to.
    public var featureCount: Int {
        switch self {
        case .numeric: 1
        case .categorical(_, let categories, _): categories.count
        }
    }

    /// The features' names, as `fairlab import` names them.
    public var featureNames: [String] {
        switch self {
        case .numeric(let name, _): [name]
        case .categorical(let name, let categories, _): categories.map { "\(name)=\($0)" }
        }
    }

    /// Writes its features into `target`, the zero-filled column-major storage of a matrix with `rows` rows, from
    /// column `first` on (a categorical column writes only its ones).
    public func expand(into target: UnsafeMutableBufferPointer<Double>, rows: Int, first: Int) {
        precondition(target.count >= (first + featureCount) * rows)
        let start = target.baseAddress! + first * rows
        switch self {
        case .numeric(_, let values):
            values.withUnsafeBufferPointer { start.update(from: $0.baseAddress!, count: rows) }
        case .categorical(_, _, let codes):
            codes.withUnsafeBufferPointer { codes in for i in 0..<rows { start[Int(codes[i]) * rows + i] = 1 } }
        }
    }

    /// The source columns of a dense feature matrix named as `fairlab import` names features: each run of
    /// `source=value` features of one source with exactly one 1 per row (and 0 elsewhere) becomes a categorical
    /// column; every other feature a numeric one. Expanding them gives `features` back exactly.
    public static func columns(of features: Matrix, names: [String]) -> [SourceColumn] {
        precondition(names.count == features.cols)
        var columns: [SourceColumn] = []
        var j = 0
        while j < names.count {
            var end = j + 1
            if let source = Self.source(of: names[j]) {
                while end < names.count, Self.source(of: names[end]) == source { end += 1 }
                if let codes = oneHotCodes(features, from: j, to: end) {
                    columns.append(.categorical(name: source, categories: names[j..<end].map { String($0.dropFirst(source.count + 1)) }, codes: codes))
                    j = end
                    continue
                }
            }
            // Not a one-hot run: every feature of it is a numeric column of its own.
            for k in j..<end { columns.append(.numeric(name: names[k], values: features.column(k))) }
            j = end
        }
        return columns
    }

    /// The part of a `source=value` feature name before the `=` (nil for any other name).
    private static func source(of name: String) -> String? {
        guard let equals = name.firstIndex(of: "="), equals != name.startIndex else { return nil }
        return String(name[..<equals])
    }

    /// Each row's position of its single 1 among columns `start..<end`, or nil unless every row has exactly one
    /// 1 there and zeros elsewhere.
    private static func oneHotCodes(_ features: Matrix, from start: Int, to end: Int) -> [Int32]? {
        let rows = features.rows
        var codes = [Int32](repeating: -1, count: rows)
        let consistent = features.withUnsafeStorage { values -> Bool in
            for j in start..<end {
                let offset = j * rows
                for i in 0..<rows {
                    let value = values[offset + i]
                    if value == 1 {
                        guard codes[i] < 0 else { return false }
                        codes[i] = Int32(j - start)
                    } else if value != 0 || value.sign == .minus {
                        return false
                    }
                }
            }
            return true
        }
        return consistent && !codes.contains(-1) ? codes : nil
    }
}
