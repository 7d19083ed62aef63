import CFairlabKernels
import Foundation

/// SHA-256 (FIPS 180-4), used to record which exact source and dataset files a result came from.
public enum SHA256 {
    /// The hex digest of `data`.
    public static func hexDigest(_ data: Data) -> String {
        var state = State()
        data.withUnsafeBytes { state.update($0) }
        return state.finish()
    }

    /// The hex digest of the file at `path`, read through a mapping a block at a time (memory stays flat
    /// whatever the file's size).
    public static func hexDigest(ofFile path: String) throws -> String {
        let file = try MappedFile(path: path)
        var state = State()
        let bytes = try file.values(UInt8.self, at: 0, count: file.size)
        let block = 1 << 24
        for start in stride(from: 0, to: file.size, by: block) {
            state.update(UnsafeRawBufferPointer(start: bytes.baseAddress! + start, count: min(block, file.size - start)))
            // Pages already hashed are of no further use to this process.
            madvise(UnsafeMutableRawPointer(mutating: bytes.baseAddress! + start), min(block, file.size - start), MADV_DONTNEED)
        }
        return state.finish()
    }

    /// A digest in progress: the hash words, a partial 64-byte chunk and the message length so far.
    private struct State {
        var hash: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var pending: [UInt8] = []
        var length: UInt64 = 0

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length += UInt64(bytes.count)
            var start = 0
            if !pending.isEmpty {
                let take = min(64 - pending.count, bytes.count)
                pending += bytes[0..<take]
                start = take
                guard pending.count == 64 else { return }
                let chunk = pending
                chunk.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
                pending = []
            }
            let blocks = (bytes.count - start) / 64
            if blocks > 0 { compress(bytes.baseAddress! + start, blocks: blocks) }
            start += 64 * blocks
            pending += bytes[start...]
        }

        mutating func finish() -> String {
            let bitLength = length * 8
            var tail = pending + [0x80]
            while tail.count % 64 != 56 { tail.append(0) }
            for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8((bitLength >> UInt64(shift)) & 0xff)) }
            tail.withUnsafeBytes { bytes in
                compress(bytes.baseAddress!, blocks: bytes.count / 64)
            }
            return hash.map { String(format: "%08x", $0) }.joined()
        }

        /// `blocks` consecutive 64-byte chunks, in compiled C (`fairlab_sha256_compress`).
        mutating func compress(_ chunks: UnsafeRawPointer, blocks: Int) {
            hash.withUnsafeMutableBufferPointer { hash in
                fairlab_sha256_compress(hash.baseAddress!, chunks.assumingMemoryBound(to: UInt8.self), Int64(blocks))
            }
        }
    }
}
