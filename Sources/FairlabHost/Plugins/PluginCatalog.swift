import FairlabCore
import Foundation

/// The methods of every plugin library fairlab can find, described by worker processes so that a library
/// that crashes on load costs only itself.
///
/// Libraries are looked for, in this order, in: the folder of the fairlab executable, each `--plugins`
/// folder, and each folder of `FAIRLAB_PLUGIN_PATH` (colon-separated). Never in the current directory unless
/// it is named. The first library to offer a method id wins; later ones are reported as conflicts.
public struct PluginCatalog: Sendable {
    /// A library that could not be used, and why.
    public struct LibraryFailure: Codable, Sendable, Equatable {
        public let path: String
        public let reason: String
    }

    /// Environment variable listing extra plugin folders.
    public static let pathVariable = "FAIRLAB_PLUGIN_PATH"
    /// File name suffix of plugin libraries on this platform.
    public static let librarySuffix = ".so"

    /// Every method found, metrics included, in discovery order.
    public let methods: [MethodInfo]
    /// Libraries that could not be loaded or described.
    public let failures: [LibraryFailure]

    /// Mitigation methods (pre, in, post).
    public var mitigations: [MethodInfo] { methods.filter { $0.stage != .metric } }
    /// Metric plugins.
    public var metrics: [MethodInfo] { methods.filter { $0.stage == .metric } }

    /// The folders to search, in order, without duplicates.
    public static func searchFolders(executableFolder: String, pluginFolders: [String], environment: [String: String]) -> [String] {
        let fromEnvironment = (environment[pathVariable] ?? "").split(separator: ":").map(String.init)
        var seen = Set<String>()
        return ([executableFolder] + pluginFolders + fromEnvironment).compactMap { folder in
            let resolved = URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
            return seen.insert(resolved).inserted ? resolved : nil
        }
    }

    /// Library files directly inside `folders`, each folder's sorted by name, and the ones refused: a library
    /// that anyone may replace (in a world-writable folder, or itself world-writable) is refused unless
    /// `allowWorldWritable`, since loading it would run whatever another user put there.
    public static func libraries(in folders: [String], allowWorldWritable: Bool = false) -> (paths: [String], refused: [LibraryFailure]) {
        var paths: [String] = [], refused: [LibraryFailure] = []
        for folder in folders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasSuffix(librarySuffix) && $0.hasPrefix("lib") }
                .sorted()
            let folderIsOpen = isWorldWritable(folder)
            for name in names {
                let path = folder + "/" + name
                if !allowWorldWritable, folderIsOpen || isWorldWritable(path) {
                    let what = folderIsOpen ? "its folder \(folder) is world-writable" : "the file is world-writable"
                    refused.append(LibraryFailure(path: path, reason: "refused: \(what), so anyone could have replaced it (--allow-world-writable-plugins loads it anyway)"))
                    continue
                }
                paths.append(path)
            }
        }
        return (paths, refused)
    }

    private static func isWorldWritable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IWOTH != 0
    }

    /// Finds and describes every plugin library the host may load: the one way both `compare` and `plugins`
    /// discover plugins. Returns the catalog and the folders searched.
    public static func find(
        executable: String, pluginFolders: [String], environment: [String: String], allowWorldWritable: Bool,
        pool: WorkerPool, workFolder: String
    ) throws -> (catalog: PluginCatalog, folders: [String]) {
        // A folder the user named must be one: a mistyped one would otherwise just find nothing.
        for folder in pluginFolders {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw FairlabError(file: folder, "no such plugin folder") }
            guard isFolder.boolValue else { throw FairlabError(file: folder, "is not a folder (--plugins names a folder of plugin libraries)") }
        }
        let folders = searchFolders(
            executableFolder: URL(fileURLWithPath: executable).deletingLastPathComponent().path,
            pluginFolders: pluginFolders, environment: environment)
        let libraries = libraries(in: folders, allowWorldWritable: allowWorldWritable)
        let stale = staleBuildLibraries(in: folders[0])
        return (try discover(
            libraries: libraries.paths.filter { path in !stale.contains { $0.path == path } },
            refused: libraries.refused + stale, pool: pool, workFolder: workFolder), folders)
    }

    /// Libraries in a SwiftPM build folder (`PACKAGE/.build/...`) built from a `PACKAGE/Plugins/NAME` folder that
    /// no longer exists: SwiftPM never deletes a product whose target is gone, so without this check a removed
    /// plugin would go on running, unseen. Outside a build tree of a package with a Plugins/ folder, none.
    static func staleBuildLibraries(in folder: String) -> [LibraryFailure] {
        guard let range = folder.range(of: "/.build/") else { return [] }
        let pluginsFolder = String(folder[..<range.lowerBound]) + "/Plugins"
        guard let sources = try? FileManager.default.contentsOfDirectory(atPath: pluginsFolder),
              FileManager.default.fileExists(atPath: String(folder[..<range.lowerBound]) + "/Package.swift") else { return [] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("lib") && $0.hasSuffix(librarySuffix) }
        return names.sorted().compactMap { name in
            let target = String(name.dropFirst(3).dropLast(librarySuffix.count))
            guard !sources.contains(target) else { return nil }
            return LibraryFailure(
                path: folder + "/" + name,
                reason: "not loaded: left in the build folder after \(pluginsFolder)/\(target) was removed (delete the file, or restore the folder)")
        }
    }

    /// Describes every library in worker processes run by `pool`, using `workFolder` for their files.
    ///
    /// One worker first describes them all (a process start per library would cost more than most methods'
    /// fits); only if that worker dies (a library crashed or hung it) is each library described in a worker
    /// of its own, so that the culprit costs only its own entry.
    public static func discover(libraries: [String], refused: [LibraryFailure] = [], pool: WorkerPool, workFolder: String) throws -> PluginCatalog {
        var described = [[MethodInfo]?](repeating: nil, count: libraries.count)
        var failures = refused
        let together = WorkerChannel(.describeAll, folder: workFolder, name: "describe-all")
        try together.writeJob(libraries)
        var togetherFailed = libraries.isEmpty
        try pool.run([together.task(label: "plugin libraries")]) { _, failure in togetherFailed = togetherFailed || failure != nil }
        if !togetherFailed, let descriptions = try? together.readReply([LibraryDescription].self), descriptions.count == libraries.count {
            for (index, description) in descriptions.enumerated() {
                described[index] = description.methods
                if let error = description.error { failures.append(LibraryFailure(path: libraries[index], reason: error)) }
            }
            return catalog(libraries: libraries, described: described, failures: failures)
        }
        let channels = libraries.enumerated().map { index, path in
            WorkerChannel(.describe, folder: workFolder, name: "describe-\(index)", input: path)
        }
        try pool.run(channels.map { $0.task(label: $0.inputPath) }) { index, failure in
            if let failure {
                failures.append(LibraryFailure(path: libraries[index], reason: failure.description))
                return
            }
            do {
                described[index] = try channels[index].readReply([MethodInfo].self)
            } catch {
                failures.append(LibraryFailure(path: libraries[index], reason: "\(error)"))
            }
        }
        return catalog(libraries: libraries, described: described, failures: failures)
    }

    /// The catalog of the libraries' methods; a method id offered twice is kept from the first library only.
    private static func catalog(libraries: [String], described: [[MethodInfo]?], failures: [LibraryFailure]) -> PluginCatalog {
        var failures = failures
        var methods: [MethodInfo] = []
        var owners: [String: String] = [:]
        for (index, list) in described.enumerated() {
            for method in list ?? [] {
                if let owner = owners[method.id] {
                    failures.append(LibraryFailure(
                        path: libraries[index],
                        reason: "method '\(method.id)' skipped: its id is already provided by \(owner) (this library's other methods load)"))
                    continue
                }
                owners[method.id] = libraries[index]
                methods.append(method)
            }
        }
        return PluginCatalog(methods: methods, failures: failures.sorted { $0.path < $1.path })
    }
}

/// One library as the describe-all worker found it: its methods, or why it could not be used.
struct LibraryDescription: Codable {
    var methods: [MethodInfo]?
    var error: String?
}
