import FairlabCore
import Foundation

/// A seeded mutation fuzzer for fairlab's two readers of untrusted files: the HDF5 dataset reader
/// (`DatasetFile.read`) and the CSV importer (`CSVTable` + `DatasetImporter`).
///
///     swift run -c release fairlab-fuzz hdf5|csv [--executions N] [--seed S] [--corpus DIR]
///
/// Each execution takes a file from the seed corpus (tools/fuzz/corpus/<target>), applies 1–8 random
/// mutations (bit flips, interesting bytes, truncation, duplicated or deleted ranges, inserted bytes), and reads
/// the result. A clean error is the expected outcome; a crash is a bug. Executions run in batches in child
/// processes, so a crash is recorded (its input saved under tools/fuzz/crashes/) and fuzzing goes on.
/// Writing each input to a file (for the HDF5 reader, which reads files) bounds the rate.
@main
struct Fuzzer {
    static let batchSize = 20_000
    static let hangSeconds = 5.0

    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = arguments.first, ["hdf5", "csv"].contains(target) else {
            FileHandle.standardError.write(Data("usage: fairlab-fuzz hdf5|csv [--executions N] [--seed S] [--corpus DIR]\n".utf8))
            exit(2)
        }
        arguments.removeFirst()
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let executions = option("--executions").flatMap(Int.init) ?? 100_000
        let seed = option("--seed").flatMap(UInt64.init) ?? 1
        let corpus = option("--corpus") ?? "tools/fuzz/corpus/\(target)"
        if let first = option("--first").flatMap(Int.init), let input = option("--input"), let progress = option("--progress") {
            try runBatch(target: target, corpus: corpus, seed: seed, first: first, count: Int(option("--count") ?? "0") ?? 0,
                         inputPath: input, progressPath: progress)
            return
        }
        try drive(target: target, corpus: corpus, seed: seed, executions: executions)
    }

    /// Runs executions in child processes, a batch at a time; after a crash the next child resumes just past
    /// the crashing execution, so every execution runs exactly once and each crash is counted once.
    static func drive(target: String, corpus: String, seed: UInt64, executions: Int) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let crashes = "tools/fuzz/crashes"
        let scratch = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let input = "\(scratch)/fairlab-fuzz-\(getpid())-\(target).input"
        let progress = "\(scratch)/fairlab-fuzz-\(getpid())-\(target).index"
        defer { [input, progress].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        var crashCount = 0, hangCount = 0, next = 0
        let start = Date()
        while next < executions {
            let count = min(batchSize, executions - next)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [target, "--corpus", corpus, "--seed", String(seed), "--first", String(next), "--count", String(count),
                                 "--input", input, "--progress", progress]
            process.standardError = FileHandle.nullDevice
            process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
            try process.run()
            // An execution that makes no progress for `hangSeconds` is a hang: kill it and record it.
            var lastIndex = "", lastChange = Date(), hung = false
            while process.isRunning {
                usleep(100_000)
                let index = String(decoding: FileManager.default.contents(atPath: progress) ?? Data(), as: UTF8.self)
                if index != lastIndex { lastIndex = index; lastChange = Date() }
                if Date().timeIntervalSince(lastChange) > hangSeconds {
                    hung = true
                    kill(process.processIdentifier, SIGKILL)
                }
            }
            process.waitUntilExit()
            guard hung || process.terminationReason == .uncaughtSignal || process.terminationStatus != 0 else {
                next += count
                continue
            }
            let failed = Int(String(decoding: FileManager.default.contents(atPath: progress) ?? Data(), as: UTF8.self)) ?? next
            let kind = hung ? "hang" : "crash"
            if hung { hangCount += 1 } else { crashCount += 1 }
            try FileManager.default.createDirectory(atPath: crashes, withIntermediateDirectories: true)
            let saved = "\(crashes)/\(target)-\(kind)-seed\(seed)-execution\(failed)"
            try? FileManager.default.removeItem(atPath: saved)
            try? FileManager.default.copyItem(atPath: input, toPath: saved)
            print("\(kind) at execution \(failed) (status \(process.terminationStatus)); input saved to \(saved)")
            next = failed + 1
        }
        let seconds = Date().timeIntervalSince(start)
        print("fairlab-fuzz \(target): \(executions) executions, \(crashCount) crashes, \(hangCount) hangs, \(String(format: "%.0f", Double(executions) / seconds)) executions/s, \(String(format: "%.1f", seconds)) s")
        if crashCount + hangCount > 0 { exit(1) }
    }

    /// Executions `first ..< first + count`. Each execution's input depends only on the seed and its index;
    /// the input and the index are written out before it runs, so a crash leaves both behind.
    static func runBatch(target: String, corpus: String, seed: UInt64, first: Int, count: Int, inputPath path: String, progressPath: String) throws {
        let seeds = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted().map { name in
            [UInt8](FileManager.default.contents(atPath: "\(corpus)/\(name)") ?? Data())
        }
        guard !seeds.isEmpty else { throw FairlabError("no seed files in \(corpus)") }
        let rules = [try ProtectedColumnRule(parsing: "g=a"), try ProtectedColumnRule(parsing: "x>1")]
        var options = DatasetImporter.Options(labelColumn: "y", favorableValues: ["1"], protected: rules)
        options.categorical = ["c"]
        let importer = DatasetImporter(options: options)
        for execution in first..<(first + count) {
            var generator = SeededGenerator(seed: seed, stream: "fuzz-\(target)-\(execution)")
            var input = seeds[Int(generator.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(generator.next() % 8)) { mutate(&input, &generator) }
            FileManager.default.createFile(atPath: progressPath, contents: Data(String(execution).utf8))
            FileManager.default.createFile(atPath: path, contents: Data(input))
            switch target {
            case "hdf5": _ = try? DatasetFile.read(path)
            default:
                if let table = try? CSVTable(data: Data(input), name: "fuzz.csv") {
                    _ = try? importer.importTable(table, name: "fuzz.csv")
                }
            }
        }
    }

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x22, 0x2C, 0x0A, 0x0D, 0x3F, 0xEF]

    static func mutate(_ input: inout [UInt8], _ generator: inout SeededGenerator) {
        func position(_ extra: Int = 0) -> Int { input.isEmpty ? 0 : Int(generator.next() % UInt64(input.count + extra)) }
        switch generator.next() % 7 {
        case 0 where !input.isEmpty:
            input[position()] ^= UInt8(1 << (generator.next() % 8))
        case 1 where !input.isEmpty:
            input[position()] = interestingBytes[Int(generator.next() % UInt64(interestingBytes.count))]
        case 2 where !input.isEmpty:
            input.removeSubrange(position()...)
        case 3 where input.count > 1:
            let start = position(), length = min(input.count - start, 1 + Int(generator.next() % 64))
            input.insert(contentsOf: input[start..<(start + length)], at: position(1))
        case 4 where input.count > 1:
            let start = position(), length = min(input.count - start, 1 + Int(generator.next() % 64))
            input.removeSubrange(start..<(start + length))
        case 5:
            let bytes = (0..<(1 + generator.next() % 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            input.insert(contentsOf: bytes, at: position(1))
        default:
            // Overwrite 8 bytes with a little-endian "huge" or negative number: sizes and offsets in headers.
            guard input.count >= 8 else { return }
            let value: UInt64 = [0xFFFF_FFFF_FFFF_FFFF, 1 << 40, 0x7FFF_FFFF, 0][Int(generator.next() % 4)]
            let start = Int(generator.next() % UInt64(input.count - 7))
            for k in 0..<8 { input[start + k] = UInt8((value >> (8 * UInt64(k))) & 0xFF) }
        }
    }
}
