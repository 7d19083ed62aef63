import Foundation

/// What `--inject KIND[:group=NAME]` asks for: a kind of bias and the group it is planted in (by default the
/// first unprivileged group).
public struct Injection: Sendable, Codable, Equatable, CustomStringConvertible {
    public var kind: InjectionKind
    /// The target group's name (nil: the first unprivileged group of the run's partition).
    public var group: String?

    public init(kind: InjectionKind, group: String? = nil) {
        self.kind = kind
        self.group = group
    }

    /// Parses `KIND` or `KIND:group=NAME`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let known = InjectionKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let first = parts.first, let kind = InjectionKind(rawValue: first) else {
            throw FairlabError("--inject \(text): unknown kind (use \(known))")
        }
        self.kind = kind
        guard parts.count == 2 else { return }
        for option in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
            let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0] == "group", !pair[1].isEmpty, group == nil else {
                throw FairlabError("--inject \(text): expected KIND or KIND:group=NAME")
            }
            group = pair[1]
        }
    }

    /// `KIND` or `KIND:group=NAME`, as parsed.
    public var description: String { kind.rawValue + (group.map { ":group=\($0)" } ?? "") }

    /// A level as every message and table writes it: the shortest decimal that reads back as the same number (0.1,
    /// not 0.10000000000000001; 0.1000001 apart from 0.1), whole numbers without a point.
    public static func levelText(_ level: Double) -> String {
        level == level.rounded() && abs(level) < 1e15 ? String(Int(level)) : "\(level)"
    }

    /// What the injection does at `level` to the group named `group`, for a table's description of that level.
    public func levelDescription(_ level: Double, group: String) -> String {
        let text = "level \(Self.levelText(level)) of \(kind.rawValue)"
        switch kind {
        case .proxy:
            return level == 0
                ? text + ": the proxy column as pure noise, uncorrelated with group \(group) (the clean labels)"
                : text + ": a feature correlated \(Self.levelText(level)) with membership of group \(group), in every row (test labels clean)"
        default:
            return level == 0
                ? text + ": nothing injected (the clean data)"
                : text + " in group \(group)'s training and validation rows (test labels clean)"
        }
    }

    /// The name of the target group among groups `names` (privileged as `privileged` says): the named one, or the
    /// first unprivileged group's ("" if none is).
    public func groupName(names: [String], privileged: [Bool]) -> String {
        group ?? zip(names, privileged).first { !$0.1 }?.0 ?? ""
    }

    /// The code of the target group in `partition`: the named one, or the first unprivileged group.
    public func targetGroup(in partition: GroupPartition) throws -> Int32 {
        guard let group else {
            guard let first = partition.privileged.firstIndex(of: false) else {
                throw FairlabError("--inject \(self): every group is privileged, so there is no default target: name one with :group=NAME")
            }
            return Int32(first)
        }
        guard let index = partition.names.firstIndex(of: group) else {
            throw FairlabError("--inject \(self): unknown group '\(group)' (the groups are \(partition.names.joined(separator: ", ")))")
        }
        return Int32(index)
    }

    /// Draws the rows the injection touches at `level` on one seed's `split`, from the seed's `stress` stream.
    ///
    /// Every dataset row gets one uniform draw u, the same at every level and for every kind: a label is flipped
    /// when u < p, and a dropped fraction takes the rows of smallest u. So the rows touched at a level include
    /// those touched at every lower level, and the curves of a stress run move by the injection, not by new noise.
    /// The proxy feature is p·z + √(1 − p²)·ε, with z the group indicator standardised over all rows and ε a
    /// standard normal drawn per row from the seed's `stress-proxy` stream (Box–Muller), so its correlation with
    /// membership is p.
    public func draw(level: Double, seed: UInt64, labels: [Double], groups: [Int32], target: Int32, split: DatasetSplit) -> InjectedRows {
        var generator = SeededGenerator(seed: seed, stream: "stress")
        let rows = labels.count
        let uniforms = (0..<rows).map { _ in generator.nextUniform() }
        func eligible(_ part: [Int]) -> [Int] {
            part.filter { groups[$0] == target && (kind == .groupSize || kind == .labelNoise || labels[$0] == 1) }
        }
        switch kind {
        case .labelBias, .labelNoise:
            let flipped = (eligible(split.train) + eligible(split.validation)).filter { uniforms[$0] < level }
            return InjectedRows(level: level, seed: seed, rows: flipped.sorted(), proxy: [])
        case .underSample, .groupSize:
            // Per part, so training and validation rows shrink alike.
            let dropped = [split.train, split.validation].flatMap { part -> [Int] in
                let candidates = eligible(part).sorted { (uniforms[$0], $0) < (uniforms[$1], $1) }
                return Array(candidates.prefix(Int((level * Double(candidates.count)).rounded())))
            }
            return InjectedRows(level: level, seed: seed, rows: dropped.sorted(), proxy: [])
        case .proxy:
            let indicator = groups.map { $0 == target ? 1.0 : 0.0 }
            let mean = indicator.reduce(0, +) / Double(rows)
            let deviation = (indicator.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)).squareRoot()
            let noiseWeight = (1 - level * level).squareRoot()
            var noise = SeededGenerator(seed: seed, stream: "stress-proxy")
            let proxy = (0..<rows).map { row -> Double in
                let u1 = 1 - noise.nextUniform(), u2 = noise.nextUniform()
                let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
                return level * (indicator[row] - mean) / deviation + noiseWeight * normal
            }
            return InjectedRows(level: level, seed: seed, rows: [], proxy: proxy)
        }
    }
}
