import ArgumentParser
import FairlabCore
import FairlabHost

/// The options that pick a method from a comparison (`compare`, `export`, `report`).
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("select"), help: ArgumentHelp(
        "A constraint a chosen method must meet, METRIC>=VALUE (or <=, >, <; METRIC may be abs:NAME or distance:NAME), e.g. 'accuracy>=0.80' (repeatable: all must hold).",
        valueName: "constraint"))
    var constraints: [String] = []

    @Option(help: ArgumentHelp("Choose the method with the smallest value of this metric among those meeting --select, e.g. abs:statistical_parity_difference.", valueName: "metric"))
    var minimize: String?

    @Option(help: ArgumentHelp("Choose the method with the largest value of this metric among those meeting --select.", valueName: "metric"))
    var maximize: String?

    func validate() throws {
        if minimize != nil, maximize != nil { throw ValidationError("give --minimize or --maximize, not both") }
        if !constraints.isEmpty, minimize == nil, maximize == nil {
            throw ValidationError("--select needs --minimize or --maximize to say which of the methods meeting it to choose")
        }
        _ = try rule()
    }

    /// The rule, or nil when no selection was asked for.
    func rule() throws -> SelectionRule? {
        guard let objective = minimize ?? maximize else { return nil }
        do {
            return SelectionRule(
                constraints: try constraints.map(SelectionRule.Constraint.init(parsing:)), objective: try SelectionRule.Term(parsing: objective),
                minimize: minimize != nil)
        } catch let error as FairlabError {
            throw ValidationError(error.message)
        }
    }
}
