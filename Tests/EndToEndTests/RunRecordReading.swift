import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation

extension RunRecord {
    /// The latest run appended to the results file at `path`.
    static func latest(in path: String) throws -> RunRecord {
        guard let id = try ResultsFile.runIDs(in: path).last else { throw FairlabError(file: path, "holds no run") }
        return try ResultsFile.read(runID: id, from: path)
    }

    /// The mean over seeds of method `id`'s overall `metric`; an error naming what is missing rather than a crash.
    func meanOverSeeds(_ id: String, _ metric: String) throws -> Double {
        guard let method = methods.first(where: { $0.id == id }), !method.outcomes.isEmpty else { throw FairlabError("no outcomes of \(id)") }
        let values = try method.outcomes.map { outcome in
            guard let value = outcome.metrics.overall[metric] else { throw FairlabError("\(id) has no \(metric) on seed \(outcome.seed)") }
            return value
        }
        return values.reduce(0, +) / Double(values.count)
    }
}
