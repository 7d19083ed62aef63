import CFairlabPlugin
import FairlabPluginKit

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.fair-regression", name: "Fair regression", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "group-balance", name: "Group-balanced weights (regression; oversampling before k-means)", version: "1.0.0",
            description: "Weights each training row by n / (G · n_g), so every group carries the same total weight in the ridge or k-means fit.",
            stage: .preProcessing, needs: [], tasks: [.regression, .clustering], make: { _, _ in GroupBalance() }),
        MethodDefinition(
            id: "fair-ridge", name: "Ridge with a group mean-prediction gap penalty (fair pricing)", version: "1.0.0",
            description: "Squared error + α‖β‖² + λ · (group mean-prediction gap)², solved exactly.",
            stage: .inProcessing, needs: [.labels], tasks: .regression, parameters: FairRidgeMethod.parameters,
            make: { host, parameters in FairRidgeMethod(host: host, parameters: parameters) }),
        MethodDefinition(
            id: "bounded-group-loss", name: "Exponentiated gradient with bounded group loss (Fairlearn's, over ridge fits)", version: "1.0.0",
            description: "A distribution over ridge fits whose every group's mean squared training error is at most the bound, at the least overall error.",
            stage: .inProcessing, needs: [.labels], tasks: .regression, parameters: BoundedGroupLossMethod.parameters,
            make: { host, parameters in BoundedGroupLossMethod(host: host, parameters: parameters) }),
        MethodDefinition(
            id: "group-mean-shift", name: "Group mean-prediction equaliser (post-processing)", version: "1.0.0",
            description: "Shifts each group's baseline predictions so its validation mean equals the overall validation mean.",
            stage: .postProcessing, needs: [.scores, .groupsAtPredict], tasks: .regression, make: { _, _ in GroupMeanShift() }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
