import FairlabCore
import Foundation

/// Private scratch folders for worker jobs and replies: created with `mkdtemp` (unpredictable name, mode
/// 0700), removed by the caller when done.
public enum TemporaryFolder {
    /// Creates a new folder `<tmp>/<prefix>-XXXXXX`.
    public static func make(prefix: String) throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw FairlabError("cannot create a temporary folder in \(base)") }
        return String(cString: created)
    }
}
