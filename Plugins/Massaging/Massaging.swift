import CFairlabPlugin
import FairlabPluginKit

/// Pre-processing by Kamiran & Calders' massaging (2012): relabel the training rows nearest the decision
/// boundary so that the privileged and unprivileged sides have (nearly) equal base rates.
///
/// A ranker (the host's logistic regression on the training rows) scores every row. With disc the difference
/// of base rates (favoured side minus the other), the number of relabelled pairs that equalises them is
/// M* = disc · n_u · n_p / n; M is M* rounded half to even, at most the number of candidates on either side.
/// The M negatives of the disfavoured side with the highest scores are promoted to positive, and the M positives
/// of the favoured side with the lowest scores demoted (ties: the lower row first). Only training labels change;
/// test rows pass through untouched. No reference library has it: `tools/golden/make_preprocessing_goldens.py`
/// checks it against a NumPy + scikit-learn version of the same definition.
final class Massaging: FairlabMethod {
    private let host: HostServices
    /// Rows whose label is flipped, by training row index.
    private(set) var flipped: [Int] = []
    private var fittedRows = 0

    init(host: HostServices) { self.host = host }

    func fit(train: DataView, validation: DataView?) throws {
        let cells = try RankedCells(train, host: host)
        let n = Double(train.rows)
        let sizes = [cells.count(side: 0), cells.count(side: 1)].map(Double.init)
        let positives = [cells.rows(side: 0, label: 1).count, cells.rows(side: 1, label: 1).count].map(Double.init)
        guard sizes[0] > 0, sizes[1] > 0 else { throw PluginError.invalidInput("massaging needs privileged and unprivileged rows") }
        // The favoured side has the higher base rate (the privileged one, unless the data says otherwise).
        let favoured = positives[0] / sizes[0] >= positives[1] / sizes[1] ? 0 : 1, other = 1 - favoured
        let exact = (positives[favoured] * sizes[other] - positives[other] * sizes[favoured]) / n
        // The most borderline first: the disfavoured side's negatives by falling score, the favoured side's
        // positives by rising score.
        let promote = cells.borderlineFirst(side: other, label: 0), demote = cells.borderlineFirst(side: favoured, label: 1)
        let m = min(max(0, roundHalfToEven(exact)), promote.count, demote.count)
        flipped = (Array(promote.prefix(m)) + Array(demote.prefix(m))).sorted()
        fittedRows = train.rows
        host.log("massaging: M* = \(exact), \(m) rows promoted and \(m) demoted", level: FL_LOG_INFO)
    }

    func transform(_ data: DataView, output: TransformOutput) throws {
        // Labels are visible only when the training rows themselves are transformed.
        guard let labels = output.labels else { return }
        guard data.rows == fittedRows else { throw PluginError.invalidInput("massaging relabels the rows it was fitted on; given \(data.rows) rows, fitted on \(fittedRows)") }
        for row in flipped { labels[row] = 1 - labels[row] }
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.massaging", name: "Massaging", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "massaging", name: "Massaging (Kamiran & Calders 2012)", version: "1.0.0",
            description: "Relabels the training rows nearest the boundary, promoting unprivileged negatives and demoting privileged positives, until base rates match.",
            stage: .preProcessing, needs: [.labels, .baseLearner], make: { host, _ in Massaging(host: host) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
