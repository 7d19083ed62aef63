import FairlabCore

/// Feature columns like standardised one-hot data, column-major, for the tests of the products over rows stored
/// less each column's most common value: a standardised indicator (−0.4 in three rows of four, 2.5 in the fourth),
/// a continuous column (uniform in [−2, 2) from `seed`, no value held by more than one row), a raw indicator (1 in
/// one row of five) and a second standardised indicator (1.5 in five rows of eight, −0.9 in the rest).
public func centredTestColumns(rows n: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<n).map { $0 % 4 == 1 ? 2.5 : -0.4 }
        + (0..<n).map { _ in generator.nextUniform() * 4 - 2 }
        + (0..<n).map { $0 % 5 == 3 ? 1 : 0 }
        + (0..<n).map { $0 % 8 < 5 ? 1.5 : -0.9 }
}
