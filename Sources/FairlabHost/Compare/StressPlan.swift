import FairlabCore

/// What makes a run a stress run (`fairlab stress`): a bias injected into every seed's training and validation
/// rows at each of several levels, every method run at every level.
public struct StressPlan: Codable, Sendable, Equatable {
    public var injection: Injection
    /// The levels, ascending, the first 0 (the clean data every recovery is measured against).
    public var levels: [Double]
    /// Stored injected rows to apply instead of drawing them (a replay): one per (seed, level) of the run.
    public var replay: [InjectedRows]?

    public init(injection: Injection, levels: [Double], replay: [InjectedRows]? = nil) throws {
        guard !levels.isEmpty else { throw FairlabError("--levels is empty") }
        for level in levels where !(level >= 0 && level <= 1) {
            throw FairlabError("--levels: \(level) is outside [0, 1]")
        }
        // −0 is 0 (adding +0 turns it so): it would be a second level 0, shown as "-0".
        let levels = levels.map { $0 + 0 }
        guard Set(levels).count == levels.count else { throw FairlabError("--levels names a level twice") }
        guard levels.contains(where: { $0 > 0 }) else { throw FairlabError("--levels: give a level above 0 (level 0, the clean data, always runs)") }
        self.injection = injection
        // Level 0 always runs: recovery is the share of the gap between it and each level that a method closes.
        self.levels = Set(levels + [0]).sorted()
        self.replay = replay
    }

    /// The stored rows for (seed, level) of a replay, or nil when the plan draws them.
    func replayed(seed: UInt64, level: Double) throws -> InjectedRows? {
        guard let replay else { return nil }
        guard let rows = replay.first(where: { $0.seed == seed && $0.level == level }) else {
            throw FairlabError("the replayed run has no injected rows for seed \(seed) at level \(Injection.levelText(level))")
        }
        return rows
    }
}
