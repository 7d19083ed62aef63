import Foundation

/// A whole file mapped read-only into memory: its pages are shared with every other process mapping it and read
/// from the page cache on first touch, so several workers reading one prepared split hold one copy of it between
/// them. A write through the mapping faults, which keeps foreign code from changing what the others read.
public final class MappedFile: @unchecked Sendable {
    /// The file's first byte (nil for an empty file).
    public let base: UnsafeRawPointer?
    /// The file's size in bytes.
    public let size: Int
    public let path: String

    /// Maps the file at `path`.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FairlabError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FairlabError(file: path, "cannot read its size: \(String(cString: strerror(errno)))") }
        size = Int(status.st_size)
        guard size > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw FairlabError(file: path, "cannot map: \(String(cString: strerror(errno)))") }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// `count` values of `type` at byte `offset`, after checking that they lie inside the file and are aligned.
    public func values<T>(_ type: T.Type, at offset: Int, count: Int) throws -> UnsafeBufferPointer<T> {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, offset >= 0, !overflow, offset <= size, bytes <= size - offset, offset % MemoryLayout<T>.alignment == 0 else {
            throw FairlabError(file: path, "holds no \(count) values at byte \(offset) (the file has \(size) bytes)")
        }
        guard count > 0, let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: T.self), count: count)
    }
}
