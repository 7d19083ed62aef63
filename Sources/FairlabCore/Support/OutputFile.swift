import Foundation

/// The checks a command makes, before any work, on a file it will write: a mistyped or clashing path then costs a
/// one-line error at the start, never the run's time, and never a file the user had (a report written over the
/// results it reports, an import over the CSV it reads).
public enum OutputFile {
    /// The first bytes of an HDF5 file whose superblock is at its start, as every file fairlab writes is.
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// Throws unless a file can be written at `path`: a path is given, it is not a folder, and its folder exists
    /// and is writable.
    public static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw FairlabError("an output file's path is empty") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw FairlabError(file: path, "is a folder, not a file to write")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw FairlabError(file: path, "its folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw FairlabError(file: path, "its folder \(folder) is not writable") }
    }

    /// Throws if `path` names the same file as one of `others` (what each is, and its path; nil paths are not
    /// given): the same inode when both exist, else the same absolute path once symbolic links are resolved.
    public static func checkDistinct(_ path: String, from others: [(role: String, path: String?)]) throws {
        for (role, other) in others {
            guard let other, sameFile(path, other) else { continue }
            throw FairlabError(file: path, "is \(role): it would be overwritten")
        }
    }

    /// Throws if `path` is an existing HDF5 file, which a `what` (a report, a table) is never written over: a dataset
    /// or a results file given by mistake would be lost.
    public static func checkNotHDF5(_ path: String, writing what: String) throws {
        guard isHDF5(path) else { return }
        throw FairlabError(file: path, "is an HDF5 file (a dataset or results?): \(what) is not written over one")
    }

    /// Whether `path` is a regular file that starts with the HDF5 signature (a pipe is not opened: that would wait).
    public static func isHDF5(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: hdf5Signature.count)).map { Array($0) == hdf5Signature } ?? false
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        if stat(a, &first) == 0, stat(b, &second) == 0 { return first.st_dev == second.st_dev && first.st_ino == second.st_ino }
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        return resolved(a) == resolved(b)
    }
}
