import Foundation

/// Writes a binary file with plain `pwrite` calls, straight from the caller's memory (no staging copy, whatever the
/// size): appended in order (`write(_:)`, keeping track of the offset so that arrays can be placed and aligned), or
/// at places a header has fixed (`write(_:at:)`).
public final class RawFileWriter {
    public let path: String
    /// Bytes appended so far: the offset of the next appended byte.
    public private(set) var offset = 0
    private var descriptor: Int32

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FairlabError(file: path, "cannot create: \(String(cString: strerror(errno)))") }
    }

    deinit {
        if descriptor >= 0 { Foundation.close(descriptor) }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try write(bytes, at: offset)
        offset += bytes.count
    }

    /// Writes `bytes` at `position`, which may be anywhere (a gap left before it reads as zeros), leaving the
    /// sequential offset where it was: for arrays whose places a header has fixed, filled in any order.
    public func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw FairlabError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
            done += written
        }
    }

    /// Appends the values' bytes.
    public func write<T>(_ values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    /// Closes the file (it is for a run's own working files: not flushed to disk).
    public func close() throws {
        let result = Foundation.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw FairlabError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
    }
}
