import CFairlabPlugin
import FairlabPluginKit

/// How optimized pre-processing sees a row: a tuple of discrete features (a categorical source column's
/// category, or a numeric column's quantile bin on the training rows) coded as one number, and how a new value
/// of a feature is written back into the row.
struct CellCoding {
    /// One discrete feature.
    struct Feature {
        let name: String
        /// The feature columns it reads: one numeric column, or a categorical column's one-hot block.
        let columns: [Int]
        let isNumeric: Bool
        /// Numeric: the training quantile cut points (a value's bin is the number of cut points below it).
        var cuts: [Double] = []
        /// Numeric: each bin's training mean, the value a row moved into that bin takes.
        var binMeans: [Double] = []
        /// Categorical: each one-hot column's value when its category is on, and when it is off.
        var onValues: [Double] = []
        var offValues: [Double] = []

        var levels: Int { isNumeric ? binMeans.count : columns.count }

        func level(_ data: DataView, _ row: Int) -> Int {
            if isNumeric {
                let value = data.feature(row, columns[0])
                return cuts.reduce(0) { $0 + (value > $1 ? 1 : 0) }
            }
            // The category whose column is on (the largest value, also when standardised).
            return columns.indices.max { data.feature(row, columns[$0]) < data.feature(row, columns[$1]) } ?? 0
        }

        /// The distortion of moving from level a to level b: bin steps, or 1 for another category.
        func cost(_ a: Int, _ b: Int) -> Double { isNumeric ? Double(abs(a - b)) : (a == b ? 0 : 1) }
    }

    var features: [Feature]

    /// Number of feature tuples (|X|), or nil if above `limit` (the product can overflow for many columns).
    func tupleCount(atMost limit: Int) -> Int? {
        var product = 1
        for feature in features {
            product *= feature.levels
            if product > limit { return nil }
        }
        return product
    }

    /// The mixed-radix code of a row's tuple.
    func code(_ data: DataView, _ row: Int) -> Int {
        features.reduce(0) { $0 * $1.levels + $1.level(data, row) }
    }

    /// The levels of the tuple with code `code`.
    func levels(of code: Int) -> [Int] {
        var rest = code
        var result = [Int](repeating: 0, count: features.count)
        for f in features.indices.reversed() {
            result[f] = rest % features[f].levels
            rest /= features[f].levels
        }
        return result
    }

    /// Fits the features named in `names` ("auto": the two numeric columns most correlated with the label) on the
    /// training rows, numeric ones cut into `bins` quantile bins.
    init(_ train: DataView, names: String, bins: Int, labels: UnsafeBufferPointer<Double>) throws {
        guard let columns = train.columns else {
            throw PluginError.invalidInput("optimized pre-processing needs the host to describe the feature columns (ABI 2)")
        }
        // Source columns: numeric columns by name, one-hot blocks by the part of their name before "=".
        var sources: [(name: String, columns: [Int], numeric: Bool)] = []
        for (j, column) in columns.enumerated() where column.kind != FL_COLUMN_PROTECTED {
            if column.kind == FL_COLUMN_NUMERIC {
                sources.append((column.name, [j], true))
            } else if let last = sources.last, !last.numeric, columns[last.columns[0]].source == column.source {
                sources[sources.count - 1].columns.append(j)
            } else {
                sources.append((String(column.name.split(separator: "=", maxSplits: 1).first ?? ""), [j], false))
            }
        }
        var chosen: [(name: String, columns: [Int], numeric: Bool)]
        if names == "auto" {
            chosen = Array(sources.filter(\.numeric).map { source in
                (source, abs(Self.correlation(train, column: source.columns[0], labels: labels)))
            }.sorted { $0.1 > $1.1 }.prefix(2).map(\.0))
            guard !chosen.isEmpty else { throw PluginError.invalidInput("columns=auto needs numeric columns; name the categorical ones to use with columns=") }
        } else {
            chosen = try names.split(separator: ",").map { raw in
                let name = String(raw.filter { $0 != " " })
                guard let source = sources.first(where: { $0.name == name }) else {
                    throw PluginError.invalidInput("columns: no feature column \(name) (the protected attributes cannot be rewritten); known: \(sources.map(\.name).joined(separator: ", "))")
                }
                return source
            }
        }
        features = chosen.map { source in
            var feature = Feature(name: source.name, columns: source.columns, isNumeric: source.numeric)
            if source.numeric {
                let values = (0..<train.rows).map { train.feature($0, source.columns[0]) }.sorted()
                feature.cuts = Array(Set((1..<bins).map { values[min(values.count - 1, $0 * values.count / bins)] })).sorted()
                // A cut at the largest value would leave an empty top bin.
                feature.cuts.removeAll { $0 >= (values.last ?? 0) }
                var sums = [Double](repeating: 0, count: feature.cuts.count + 1), counts = sums
                for row in 0..<train.rows {
                    let bin = feature.level(train, row)
                    sums[bin] += train.feature(row, source.columns[0])
                    counts[bin] += 1
                }
                feature.binMeans = zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
            } else {
                feature.onValues = source.columns.map { j in (0..<train.rows).map { train.feature($0, j) }.max() ?? 1 }
                feature.offValues = source.columns.map { j in (0..<train.rows).map { train.feature($0, j) }.min() ?? 0 }
            }
            return feature
        }
    }

    private static func correlation(_ train: DataView, column: Int, labels: UnsafeBufferPointer<Double>) -> Double {
        let n = Double(train.rows)
        let x = (0..<train.rows).map { train.feature($0, column) }
        let mx = x.reduce(0, +) / n, my = labels.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<train.rows { sxy += (x[i] - mx) * (labels[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (labels[i] - my) * (labels[i] - my) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// Writes the tuple `levels` into row `row` of `output` where it differs from `current`.
    func write(_ levels: [Int], over current: [Int], row: Int, into output: TransformOutput) {
        let features = output.features, rows = output.rows
        for (f, feature) in self.features.enumerated() where levels[f] != current[f] {
            if feature.isNumeric {
                features[row + feature.columns[0] * rows] = feature.binMeans[levels[f]]
            } else {
                for (position, column) in feature.columns.enumerated() {
                    features[row + column * rows] = position == levels[f] ? feature.onValues[position] : feature.offValues[position]
                }
            }
        }
    }
}
