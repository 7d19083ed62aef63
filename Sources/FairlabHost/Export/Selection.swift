/// What a selection rule picked from a comparison.
public struct Selection: Codable, Sendable, Equatable {
    /// The rule, as written.
    public let rule: String
    /// The chosen method's id; nil when no method meets the constraints.
    public let chosen: String?
    /// The chosen method's objective value.
    public let objectiveValue: Double?
    /// The methods that met every constraint, in table order.
    public let eligible: [String]
    /// Rows considered (every row of the table).
    public let considered: Int

    /// Applies `rule` to `summary`'s rows.
    init(rule: SelectionRule, summary: ComparisonSummary) {
        self.rule = rule.description
        considered = summary.rows.count
        var eligible: [String] = []
        var best: (id: String, value: Double)?
        for row in summary.rows {
            let meets = rule.constraints.allSatisfy { constraint in
                constraint.term.value(of: row, in: summary).map { constraint.comparison.holds($0, constraint.bound) } ?? false
            }
            guard meets else { continue }
            eligible.append(row.id)
            guard let value = rule.objective.value(of: row, in: summary) else { continue }
            if best == nil || (rule.minimize ? value < best!.value : value > best!.value) { best = (row.id, value) }
        }
        self.eligible = eligible
        chosen = best?.id
        objectiveValue = best?.value
    }

    /// One line saying what was chosen, or that nothing met the rule.
    public var summaryLine: String {
        guard let chosen else {
            return eligible.isEmpty
                ? "Selection (\(rule)): no method meets the constraints (\(considered) considered)."
                : "Selection (\(rule)): \(eligible.count) methods meet the constraints, but none has a value of the objective."
        }
        return "Selection (\(rule)): \(chosen), objective \(String(format: "%.4f", objectiveValue ?? .nan)); \(eligible.count) of \(considered) methods meet the constraints."
    }
}
