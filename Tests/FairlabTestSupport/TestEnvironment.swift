import CProcessControl
import FairlabCore
import Foundation

/// Paths and helpers the test targets share: the package root, the build products (the `fairlab` executable
/// and the plugin libraries live next to the test bundle), fixtures, and running the CLI.
public enum TestEnvironment {
    /// The package's root folder.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding the build products of this configuration.
    public static let productsFolder: URL = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = String(decoding: buffer.prefix(max(0, length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }()

    /// The built `fairlab` executable.
    public static var fairlab: String { productsFolder.appendingPathComponent("fairlab").path }

    /// A plugin library built from Plugins/<name>.
    public static func pluginLibrary(_ name: String) -> String {
        productsFolder.appendingPathComponent("lib\(name).so").path
    }

    /// A shipped dataset.
    public static func dataset(_ name: String) -> String {
        packageRoot.appendingPathComponent("datasets/\(name).h5").path
    }

    /// The contents of a JSON fixture of the calling test target.
    public static func fixture(_ name: String, filePath: String = #filePath) throws -> Any {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// A fresh temporary folder.
    public static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fairlab-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// What a finished process left.
    public struct ProcessResult {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments` and waits for it.
    ///
    /// Spawned and reaped directly (`posix_spawn`, `waitpid`) rather than through Foundation's `Process`, whose
    /// wait was seen never to return for a script that starts daemons (Slurm's) and exits.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Files rather than pipes, so a chatty process can never block on a full pipe, and a daemon it leaves
        // running holds no pipe of ours open.
        let outPath = folder + "/stdout", errPath = folder + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // None of the test process's other descriptors: a file another test has open would otherwise stay open, and
        // locked by libhdf5, in this child for as long as it runs.
        let closing = fairlab_spawn_close_inherited(&actions, 3)
        guard closing == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: executable]) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // Every signal unblocked and at its default action, whatever the test runner's threads block or ignore:
        // daemons a script starts inherit them, and would otherwise shrug off the TERM that stops them.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        var pid: pid_t = 0
        let spawned = HDF5File.spawning { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard spawned == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: executable]) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return ProcessResult(
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs the built `fairlab` with `arguments`.
    public static func fairlab(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try run(fairlab, arguments, environment: environment)
    }
}
