import CFairlabPlugin
import FairlabPluginKit

/// Post-processing by Pleiss et al.'s calibrated equalized odds (2017), as AIF360 0.6.1's
/// `CalibratedEqOddsPostprocessing` computes it on the baseline's validation scores.
///
/// Each side's cost is its generalized false-negative rate (`fnr`: mean of 1 − s over positives), generalized
/// false-positive rate (`fpr`: mean of s over negatives), or their base-rate-weighted mix (`weighted`:
/// ½·GFPR·(1 − br) + ½·GFNR·br). The side with the lower cost is moved towards the other's by giving a share
/// of its rows the trivial score, its base rate: share = (other cost − own cost) / (trivial cost − own cost),
/// unclipped as in AIF360. A test row of the mixed side is predicted favourable with probability
/// r·[br ≥ ½] + (1 − r)·[s ≥ ½], r the share clipped to [0, 1] (AIF360 thresholds with ≥ here), drawn from the
/// host's stream; the probabilities are reported, and the expected calibrated score is the method's score.
final class CalibratedEqualizedOdds: FairlabMethod {
    static let parameters = [
        Parameter("cost_constraint", .choice(["weighted", "fnr", "fpr"]), default: "weighted",
                  description: "which generalized error rate to equalise: fnr, fpr, or their base-rate-weighted mix"),
    ]

    private let host: HostServices
    private let constraint: String
    /// Per side (privileged, unprivileged): the share of rows given the trivial score, and that score.
    private(set) var mixRates: [Double] = []
    private(set) var baseRates: [Double] = []

    init(host: HostServices, parameters: ParameterValues) {
        self.host = host
        constraint = parameters.text("cost_constraint")
    }

    func fit(train: DataView, validation: DataView?) throws {
        let scores = try train.requireScores(), labels = try train.requireLabels(), codes = try train.requireGroupCodes()
        let side = PrivilegedSides(train.groups, host: host)
        var positives = [0.0, 0.0], negatives = [0.0, 0.0], falsePositiveMass = [0.0, 0.0], falseNegativeMass = [0.0, 0.0]
        for i in 0..<train.rows {
            let s = side.index(codes[i]), w = train.weight(i)
            if labels[i] == 1 {
                positives[s] += w
                falseNegativeMass[s] += w * (1 - scores[i])
            } else {
                negatives[s] += w
                falsePositiveMass[s] += w * scores[i]
            }
        }
        for (index, name) in ["privileged", "unprivileged"].enumerated() where positives[index] == 0 || negatives[index] == 0 {
            throw PluginError.invalidInput("the \(name) groups need positive and negative labels among the rows to fit on")
        }
        baseRates = (0..<2).map { positives[$0] / (positives[$0] + negatives[$0]) }
        func cost(_ s: Int) -> Double {
            let generalizedFPR = falsePositiveMass[s] / negatives[s], generalizedFNR = falseNegativeMass[s] / positives[s]
            switch constraint {
            case "fnr": return generalizedFNR
            case "fpr": return generalizedFPR
            default: return 0.5 * generalizedFPR * (1 - baseRates[s]) + 0.5 * generalizedFNR * baseRates[s]
            }
        }
        // The trivial classifier scores every row of a side with its base rate.
        func trivialCost(_ s: Int) -> Double {
            let br = baseRates[s]
            switch constraint {
            case "fnr": return 1 - br
            case "fpr": return br
            default: return 0.5 * br * (1 - br) + 0.5 * (1 - br) * br
            }
        }
        let (privileged, unprivileged) = (cost(0), cost(1))
        mixRates = unprivileged > privileged
            ? [(unprivileged - privileged) / (trivialCost(0) - privileged), 0]
            : [0, (privileged - unprivileged) / (trivialCost(1) - unprivileged)]
        host.log("mix rates: privileged \(mixRates[0]), unprivileged \(mixRates[1])", level: FL_LOG_DEBUG)
    }

    func predict(_ data: DataView, output: PredictionOutput) throws {
        let scores = try data.requireScores(), codes = try data.requireGroupCodes()
        guard mixRates.count == 2 else { throw PluginError.invalidInput("predict before fit") }
        let side = PrivilegedSides(data.groups, host: nil)
        var probabilities = [Double](repeating: 0, count: data.rows), calibrated = probabilities
        for i in 0..<data.rows {
            let s = side.index(codes[i])
            let share = min(1, max(0, mixRates[s]))
            probabilities[i] = share * (baseRates[s] >= 0.5 ? 1 : 0) + (1 - share) * (scores[i] >= 0.5 ? 1 : 0)
            calibrated[i] = share * baseRates[s] + (1 - share) * scores[i]
        }
        output.setScores(calibrated)
        output.draw(probabilities, host: host)
    }
}

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.calibrated-eq-odds", name: "Calibrated equalized odds", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "calibrated-eq-odds", name: "Calibrated equalized odds (Pleiss et al.; AIF360's CalibratedEqOddsPostprocessing)",
            version: "1.0.0",
            description: "Gives a share of the lower-cost side's rows their base rate as score, equalising a generalized error rate while keeping calibration.",
            stage: .postProcessing, needs: [.labels, .scores, .groupsAtPredict], parameters: CalibratedEqualizedOdds.parameters,
            make: { host, parameters in CalibratedEqualizedOdds(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
