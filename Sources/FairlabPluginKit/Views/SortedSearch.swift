/// Counts in an ascending array by binary search: the rows of a sorted column below or at a cut, as rank-
/// and threshold-based methods need them for every candidate cut.
public enum SortedSearch {
    /// How many of the ascending `values` are below `value`.
    public static func countBelow(_ value: Double, in values: [Double]) -> Int {
        firstIndex(in: values) { $0 >= value }
    }

    /// How many of the ascending `values` are at most `value`.
    public static func countAtMost(_ value: Double, in values: [Double]) -> Int {
        firstIndex(in: values) { $0 > value }
    }

    /// The first index whose value satisfies `isPast` (which must be false, then true, along the array).
    private static func firstIndex(in values: [Double], where isPast: (Double) -> Bool) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(values[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
