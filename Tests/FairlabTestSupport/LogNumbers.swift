/// Numbers read off the lines a plugin logs, which the plugin tests compare with golden values.
public enum LogNumbers {
    /// Every number in `line`, in order, its words split at spaces and `separators`.
    public static func all(in line: String, separators: String = "(),:") -> [Double] {
        line.split(whereSeparator: { $0 == " " || separators.contains($0) }).compactMap { Double($0) }
    }

    /// The number right after `marker` in `line` (nil when the marker or the number is missing).
    public static func after(_ marker: String, in line: String) -> Double? {
        guard let start = line.range(of: marker)?.upperBound else { return nil }
        return Double(line[start...].prefix { "0123456789.e-+".contains($0) })
    }
}
