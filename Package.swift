// swift-tools-version: 6.0
//
// fairlab: a fairness mitigation lab. The host (`fairlab`) loads mitigation and metric plugins through the C ABI
// in Sources/CFairlabPlugin/include/fairlab_plugin.h.
//
// Every folder under Plugins/ becomes a dynamic-library product on its own: a folder holding any `.c` file is a
// plain C plugin that sees only the public header; any other folder is a Swift plugin that may also use
// FairlabPluginKit. Adding a plugin touches no other file.

import Foundation
import PackageDescription

let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

/// The plugin folders under Plugins/, sorted so that the manifest is deterministic.
let pluginFolders: [String] = {
    let pluginsURL = packageDirectory.appendingPathComponent("Plugins")
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: pluginsURL.path)) ?? []
    return entries.filter { name in
        var isDirectory: ObjCBool = false
        return !name.hasPrefix(".")
            && FileManager.default.fileExists(atPath: pluginsURL.appendingPathComponent(name).path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }.sorted()
}()

func isCPlugin(_ folder: String) -> Bool {
    let folderURL = packageDirectory.appendingPathComponent("Plugins").appendingPathComponent(folder)
    let files = FileManager.default.enumerator(atPath: folderURL.path)?.compactMap { $0 as? String } ?? []
    return files.contains { $0.hasSuffix(".c") }
}

// Each plugin target's path is Plugins/ itself (its sources being its own folder), so that SwiftPM watches the
// Plugins/ listing and replans when a plugin folder is added or removed.
let pluginTargets: [Target] = pluginFolders.map { folder in
    if isCPlugin(folder) {
        return .target(
            name: folder,
            dependencies: ["CFairlabPlugin"],
            path: "Plugins",
            exclude: pluginFolders.filter { $0 != folder },
            sources: [folder],
            // A plugin's own headers are private to it; this keeps SwiftPM from requiring an include/ folder.
            publicHeadersPath: folder,
            cSettings: [.unsafeFlags(["-Wall", "-Wextra"])]
        )
    }
    return .target(
        name: folder,
        dependencies: ["CFairlabPlugin", "FairlabPluginKit"],
        path: "Plugins",
        exclude: pluginFolders.filter { $0 != folder },
        sources: [folder],
        // Methods are numerical loops: optimised in debug builds too, so the end-to-end tests, which run every
        // method on Adult, take seconds rather than minutes (the last -O flag given to swiftc wins).
        swiftSettings: [.unsafeFlags(["-O"])]
    )
}

let pluginProducts: [Product] = pluginFolders.map { folder in
    .library(name: folder, type: .dynamic, targets: [folder])
}

let package = Package(
    name: "fairlab",
    products: [
        .executable(name: "fairlab", targets: ["fairlab"]),
        .executable(name: "fairlab-bench", targets: ["fairlab-bench"]),
        .executable(name: "fairlab-fuzz", targets: ["fairlab-fuzz"]),
    ] + pluginProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C: the plugin ABI, a process-control shim, vectorised loops, libhdf5 (opened on first use: see Sources/CHDF5/include/CHDF5.h) and
        // OpenBLAS, a system library found through pkg-config.
        .target(name: "CFairlabPlugin", path: "Sources/CFairlabPlugin"),
        .target(name: "CProcessControl", path: "Sources/CProcessControl"),
        .target(name: "CHDF5", path: "Sources/CHDF5", linkerSettings: [.linkedLibrary("dl")]),
        // Optimised in debug builds too, as FairlabCore is; never a fused multiply-add the source did not write, so
        // every processor's clone of a kernel (see kernels.c) rounds alike.
        // sqrt without errno (it is exactly rounded either way): with errno every square root is a scalar call.
        .target(name: "CFairlabKernels", path: "Sources/CFairlabKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off", "-fno-math-errno"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),

        // Swift: numerical core, host (plugins, workers, compare, results), plugin kit, command line.
        // Optimised in debug builds too: the host's own loops (the baseline's fit, preparing splits, resampling test
        // rows for bootstrap intervals) run in every end-to-end test.
        .target(name: "FairlabCore", dependencies: ["CHDF5", "COpenBLAS", "CFairlabKernels"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(
            name: "FairlabHost", dependencies: ["FairlabCore", "CFairlabPlugin", "COpenBLAS", "CProcessControl"],
            swiftSettings: [.unsafeFlags(["-O"])]),
        // Optimised in debug builds too, like the plugins whose numerical kernels (L-BFGS, linear programs) it holds.
        .target(name: "FairlabPluginKit", dependencies: ["CFairlabPlugin", "CFairlabKernels"], swiftSettings: [.unsafeFlags(["-O"])]),
        .executableTarget(
            name: "fairlab",
            dependencies: ["FairlabHost", "FairlabCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "fairlab-bench", dependencies: ["FairlabHost", "FairlabCore", "FairlabPluginKit"]),
        .executableTarget(name: "fairlab-fuzz", dependencies: ["FairlabCore"]),

        // Tests: unit tests per module, then end-to-end tests of the built executable and plugins.
        .target(name: "FairlabTestSupport", dependencies: ["CProcessControl", "FairlabCore"], path: "Tests/FairlabTestSupport"),
        .testTarget(name: "FairlabCoreTests", dependencies: ["FairlabCore", "CHDF5", "CFairlabKernels", "FairlabTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "FairlabHostTests", dependencies: ["FairlabHost", "FairlabCore", "CFairlabPlugin", "FairlabPluginKit", "FairlabTestSupport"],
            exclude: ["Fixtures"]),
        // The adversarial network's hand-written backward pass, checked inside its plugin module.
        .testTarget(name: "AdversarialDebiasingTests", dependencies: ["AdversarialDebiasing", "FairlabHost", "CFairlabPlugin"]),
        // LFR's hand-written gradient. Its objective's source is compiled into the test (a link to the plugin's file):
        // a second plugin module linked into the one test binary would define the plugin entry point twice.
        .testTarget(name: "LFRTests", dependencies: ["FairlabHost", "FairlabCore", "FairlabPluginKit", "CFairlabPlugin", "CFairlabKernels", "FairlabTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FairlabHost", "FairlabCore", "FairlabTestSupport"], exclude: ["Fixtures"]),
    ] + pluginTargets
)
