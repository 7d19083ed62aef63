import Foundation

/// Writes a binary file sequentially with plain `write` calls, straight from the caller's memory (no staging
/// copy, whatever the size), keeping track of the offset so that arrays can be placed and aligned.
public final class RawFileWriter {
    public let path: String
    /// Bytes written so far: the offset of the next byte.
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
        var done = 0
        while done < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw FairlabError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
            done += written
        }
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

    /// Appends zero bytes up to `offset` (which must not be behind the current one): places the next array where a
    /// header said it would be.
    public func zeroFill(to offset: Int) throws {
        precondition(offset >= self.offset, "zero-fill to \(offset) from \(self.offset)")
        try write([UInt8](repeating: 0, count: offset - self.offset))
    }

    /// Closes the file (it is for a run's own working files: not flushed to disk).
    public func close() throws {
        let result = Foundation.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw FairlabError(file: path, "cannot write: \(String(cString: strerror(errno)))") }
    }
}
