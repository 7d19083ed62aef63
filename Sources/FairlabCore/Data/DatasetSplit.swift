/// A train / validation / test split of a dataset's rows, shared by every method of a run.
public struct DatasetSplit: Sendable, Equatable {
    /// Row indices of each part, ascending.
    public let train: [Int]
    public let validation: [Int]
    public let test: [Int]

    /// A split from explicit index lists.
    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The split a dataset fixes with its `/split` vector (0 train, 1 validation, 2 test).
    public init(fixed assignment: [Int8]) {
        var parts: [[Int]] = [[], [], []]
        for (row, part) in assignment.enumerated() { parts[Int(part)].append(row) }
        self.init(train: parts[0], validation: parts[1], test: parts[2])
    }

    /// A seeded split stratified by label × group: every (label, group) cell is shuffled and divided in the
    /// given proportions, so each part keeps the cell frequencies of the whole dataset.
    public init(stratifiedBy labels: [Double], groups: [Int32], seed: UInt64, trainFraction: Double = 0.6, validationFraction: Double = 0.2) {
        precondition(labels.count == groups.count)
        var cells: [Int64: [Int]] = [:]
        for row in 0..<labels.count {
            cells[Int64(groups[row]) * 2 + (labels[row] == 1 ? 1 : 0), default: []].append(row)
        }
        var generator = SeededGenerator(seed: seed, stream: "split")
        var train: [Int] = [], validation: [Int] = [], test: [Int] = []
        for key in cells.keys.sorted() {
            var rows = cells[key]!
            // Fisher–Yates with fairlab's own generator, so the split is the same on every platform.
            if rows.count > 1 {
                for i in stride(from: rows.count - 1, to: 0, by: -1) {
                    let j = Int(generator.next() % UInt64(i + 1))
                    rows.swapAt(i, j)
                }
            }
            let trainCount = Int((Double(rows.count) * trainFraction).rounded())
            let validationCount = min(rows.count - trainCount, Int((Double(rows.count) * validationFraction).rounded()))
            train += rows[..<trainCount]
            validation += rows[trainCount..<(trainCount + validationCount)]
            test += rows[(trainCount + validationCount)...]
        }
        self.init(train: Self.ascending(train, below: labels.count), validation: Self.ascending(validation, below: labels.count),
                  test: Self.ascending(test, below: labels.count))
    }

    /// `rows`, distinct and below `count`, in ascending order: marked and collected in one pass each, where a
    /// comparison sort took a tenth of Adult's prepare step.
    private static func ascending(_ rows: [Int], below count: Int) -> [Int] {
        var marked = [Bool](repeating: false, count: count)
        for row in rows { marked[row] = true }
        var result: [Int] = []
        result.reserveCapacity(rows.count)
        for row in 0..<count where marked[row] { result.append(row) }
        return result
    }
}
