import Foundation

/// SHA-256 (FIPS 180-4), used to record which exact source and dataset files a result came from.
public enum SHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

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
        var schedule = [UInt32](repeating: 0, count: 64)

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length += UInt64(bytes.count)
            var start = 0
            if !pending.isEmpty {
                let take = min(64 - pending.count, bytes.count)
                pending += bytes[0..<take]
                start = take
                guard pending.count == 64 else { return }
                let chunk = pending
                chunk.withUnsafeBytes { compress($0.baseAddress!) }
                pending = []
            }
            while start + 64 <= bytes.count {
                compress(bytes.baseAddress! + start)
                start += 64
            }
            pending += bytes[start...]
        }

        mutating func finish() -> String {
            let bitLength = length * 8
            var tail = pending + [0x80]
            while tail.count % 64 != 56 { tail.append(0) }
            for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8((bitLength >> UInt64(shift)) & 0xff)) }
            tail.withUnsafeBytes { bytes in
                for chunk in stride(from: 0, to: bytes.count, by: 64) { compress(bytes.baseAddress! + chunk) }
            }
            return hash.map { String(format: "%08x", $0) }.joined()
        }

        /// One 64-byte chunk.
        mutating func compress(_ chunk: UnsafeRawPointer) {
            for t in 0..<16 {
                let b = chunk + 4 * t
                schedule[t] = UInt32(b.load(as: UInt8.self)) << 24 | UInt32(b.load(fromByteOffset: 1, as: UInt8.self)) << 16
                    | UInt32(b.load(fromByteOffset: 2, as: UInt8.self)) << 8 | UInt32(b.load(fromByteOffset: 3, as: UInt8.self))
            }
            for t in 16..<64 {
                let s0 = SHA256.rotr(schedule[t - 15], 7) ^ SHA256.rotr(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3)
                let s1 = SHA256.rotr(schedule[t - 2], 17) ^ SHA256.rotr(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10)
                schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7])
            for t in 0..<64 {
                let s1 = SHA256.rotr(e, 6) ^ SHA256.rotr(e, 11) ^ SHA256.rotr(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ s1 &+ choice &+ SHA256.roundConstants[t] &+ schedule[t]
                let s0 = SHA256.rotr(a, 2) ^ SHA256.rotr(a, 13) ^ SHA256.rotr(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temp2 = s0 &+ majority
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
            }
            hash[0] = hash[0] &+ a
            hash[1] = hash[1] &+ b
            hash[2] = hash[2] &+ c
            hash[3] = hash[3] &+ d
            hash[4] = hash[4] &+ e
            hash[5] = hash[5] &+ f
            hash[6] = hash[6] &+ g
            hash[7] = hash[7] &+ h
        }
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
