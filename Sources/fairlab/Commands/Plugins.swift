import ArgumentParser
import FairlabCore
import FairlabHost
import Foundation

/// `fairlab plugins`: every method the host can find, with its parameters.
struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List the plugin methods fairlab finds, with their parameters.")

    @Option(name: .customLong("plugins"), help: "A folder of plugin libraries to search (repeatable).")
    var pluginFolders: [String] = []

    @Flag(help: "Load plugin libraries from world-writable folders too (refused by default).")
    var allowWorldWritablePlugins = false

    func run() throws {
        let executable = currentExecutablePath()
        let workFolder = try TemporaryFolder.make(prefix: "fairlab-plugins")
        defer { try? FileManager.default.removeItem(atPath: workFolder) }
        let pool = WorkerPool(executable: executable, parallelism: 2, timeout: 30)
        let (catalog, _) = try PluginCatalog.find(
            executable: executable, pluginFolders: pluginFolders, environment: ProcessInfo.processInfo.environment,
            allowWorldWritable: allowWorldWritablePlugins, pool: pool, workFolder: workFolder)
        for method in catalog.methods {
            print("\(method.id) [\(method.stage.rawValue)] \(method.name) \(method.version) — \(method.libraryPath)")
            print("    tasks: \(method.taskKinds.isEmpty ? "none this host knows" : method.taskKinds.map(\.rawValue).joined(separator: ", "))")
            let needs = method.needsDescription
            if !needs.isEmpty { print("    needs: \(needs.joined(separator: ", "))") }
            for parameter in method.parameters {
                let choices = parameter.choices.isEmpty ? "" : " {\(parameter.choices.joined(separator: ", "))}"
                let bounds = parameter.boundsDescription.map { ", \($0)" } ?? ""
                print("    \(method.id).\(parameter.key) = \(parameter.defaultValue) (\(parameter.type.rawValue)\(choices)\(bounds)): \(parameter.description)")
            }
        }
        for failure in catalog.failures { print("not used: \(failure.path): \(failure.reason)") }
    }
}
