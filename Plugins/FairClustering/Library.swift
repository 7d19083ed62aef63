import CFairlabPlugin
import FairlabPluginKit

nonisolated(unsafe) let library = makeLibrary(
    id: "org.fairlab.fair-clustering", name: "Fair clustering", vendor: "fairlab", version: "1.0.0",
    methods: [
        MethodDefinition(
            id: "fair-assignment", name: "Fair assignment to k-means centres (Bera et al. 2019)", version: "1.0.0",
            description: "Assigns rows to the training k-means centres at least cost with every group's share of every cluster within a factor 1 − δ of its share overall (a minimum-cost flow keeping cluster sizes).",
            stage: .inProcessing, needs: [.groupsAtPredict, .baseLearner], tasks: .clustering, parameters: FairAssignmentMethod.parameters,
            make: { host, parameters in FairAssignmentMethod(host: host, parameters: parameters) }),
        MethodDefinition(
            id: "fairlets", name: "Fairlets (Chierichetti et al. 2017)", version: "1.0.0",
            description: "Decomposes the rows of two groups into fairlets of balance ≥ 1/t by a minimum-cost flow, clusters the fairlets' centres with k-means, and gives each row its fairlet's cluster.",
            stage: .inProcessing, needs: [.groupsAtPredict, .baseLearner], tasks: .clustering, parameters: FairletsMethod.parameters,
            make: { host, parameters in FairletsMethod(host: host, parameters: parameters) }),
    ])

@_cdecl("fairlab_plugin_entry")
public func fairlabPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<fl_library>? {
    hostABIVersion >= FAIRLAB_ABI_VERSION ? library : nil
}
