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
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Files rather than pipes, so a chatty process can never block on a full pipe.
        let outPath = folder + "/stdout", errPath = folder + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs the built `fairlab` with `arguments`.
    public static func fairlab(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try run(fairlab, arguments, environment: environment)
    }
}
