import FairlabTestSupport
import Foundation
import Testing

/// Every `fairlab` command the README's "Using it" section shows runs and succeeds on the shipped data, so an
/// example can never break silently (`compare datasets/compas.h5 --protected race,sex` once failed on every
/// seed). The commands are read from README.md itself.
@Suite struct ReadmeExamplesTests {
    /// The `fairlab ...` lines of the README's "Using it" block, with alternatives (`md|csv`) expanded, optional
    /// parts (`[--run ID]`) left out and comments removed.
    static func commands() throws -> [[String]] {
        let readme = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Using it").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        var commands: [[String]] = []
        for line in block.split(separator: "\n") {
            let text = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
            guard text.hasPrefix("fairlab ") else { continue }
            // Words as a shell splits them here: on spaces, single quotes removed.
            let words = Array(text.replacingOccurrences(of: #"\[[^\]]*\]"#, with: "", options: .regularExpression)
                .split(separator: " ").map { $0.replacingOccurrences(of: "'", with: "") }.dropFirst())
            guard let alternatives = words.firstIndex(where: { $0.contains("|") }) else { commands.append(words); continue }
            for choice in words[alternatives].split(separator: "|") {
                var expanded = words
                expanded[alternatives] = String(choice)
                commands.append(expanded)
            }
        }
        return commands
    }

    @Test func everyReadmeCommandSucceeds() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The import examples' input: 40 rows with a label y, a protected sex column, one feature and a split.
        let parts = ["train", "train", "train", "validation", "test"]
        let rows = (0..<40).map { i in "\(i % 7),\(i % 3 == 0 ? "Male" : "Female"),\(i % 2),\(parts[i % 5])" }
        try (["x,sex,y,part"] + rows).joined(separator: "\n").write(toFile: folder + "/my.csv", atomically: true, encoding: .utf8)
        // The regression import's input: a price by region.
        let prices = (0..<40).map { i in "\(i % 5),\(i % 3 == 0 ? "rural" : "urban"),\(100 + 2.5 * Double(i % 11))" }
        try (["size,region,price"] + prices).joined(separator: "\n").write(toFile: folder + "/prices.csv", atomically: true, encoding: .utf8)
        // The clustering import's input: shops by area, with no label.
        let shops = (0..<40).map { i in "\(Double(i % 9) * 1.5),\(i % 4),\(i % 3 == 0 ? "rural" : "urban")" }
        try (["spend,visits,area"] + shops).joined(separator: "\n").write(toFile: folder + "/shops.csv", atomically: true, encoding: .utf8)
        let commands = try Self.commands()
        #expect(commands.count >= 10, "found \(commands)")
        for command in commands {
            let arguments = command.map { word -> String in
                if word.hasPrefix("datasets/") { return TestEnvironment.packageRoot.appendingPathComponent(word).path }
                return ["results.h5", "my.csv", "my.h5", "shard-1.h5", "shard-2.h5", "merged.h5", "report.html", "stress.h5", "stress.html", "prices.csv", "prices.h5", "shops.csv", "shops.h5", "seg.html"].contains(word) ? "\(folder)/\(word)" : word
            }
            let result = try TestEnvironment.fairlab(arguments)
            #expect(result.status == 0, "fairlab \(command.joined(separator: " ")): \(result.stderr)")
            #expect(!result.stdout.contains("FAILED") && !result.stderr.contains("FAILED"), "fairlab \(command.joined(separator: " ")): \(result.stderr)")
        }
    }
}
