import FairlabCore
import FairlabTestSupport
import Testing

@Suite struct MatrixTests {
    @Test func rowMajorValuesBecomeColumnMajorStorage() {
        let matrix = Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        #expect(matrix.storage == [1, 4, 2, 5, 3, 6])
        #expect(matrix[1, 2] == 6)
        #expect(matrix.rowMajorValues() == [1, 2, 3, 4, 5, 6])
    }

    @Test func productsMatchHandComputedValues() {
        // [[1 2 3], [4 5 6]] · [1, 0, -1] = [-2, -2]; transpose · [1, 1] = [5, 7, 9]
        let matrix = Matrix(rows: 2, cols: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        #expect(matrix.multiplied(by: [1, 0, -1]) == [-2, -2])
        #expect(matrix.transposeMultiplied(by: [1, 1]) == [5, 7, 9])
    }

    @Test func selectingRowsKeepsOrder() {
        let matrix = Matrix(rows: 3, cols: 2, rowMajor: [1, 2, 3, 4, 5, 6])
        #expect(matrix.selectingRows([2, 0]).rowMajorValues() == [5, 6, 1, 2])
    }

    @Test func emptyMatricesMultiplyToZeros() {
        #expect(Matrix(rows: 2, cols: 0).multiplied(by: []) == [0, 0])
    }
}

@Suite struct StandardizerTests {
    @Test func centresAndScalesWithPopulationStandardDeviation() {
        // Column 0: mean 2, population std sqrt(2/3); column 1 is constant and keeps scale 1.
        let matrix = Matrix(rows: 3, cols: 2, rowMajor: [1, 5, 2, 5, 3, 5])
        let standardizer = Standardizer(fitting: matrix)
        #expect(standardizer.means == [2, 5])
        #expect(abs(standardizer.scales[0] - (2.0 / 3.0).squareRoot()) < 1e-15)
        #expect(standardizer.scales[1] == 1)
        let transformed = standardizer.transform(matrix)
        #expect(abs(transformed[0, 0] + 1 / (2.0 / 3.0).squareRoot()) < 1e-12)
        #expect(transformed[2, 1] == 0)
    }
}

@Suite struct SHA256Tests {
    @Test func matchesTheStandardTestVectors() {
        #expect(SHA256.hexDigest(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hexDigest(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// A file is hashed through a mapping in 16 MiB blocks: a size past a block boundary and not a multiple of a
    /// 64-byte chunk digests as Python's hashlib computed it (2²⁴ + 77 bytes of "a"), and as the whole in one piece.
    @Test func filesHashInBlocksAsTheWholeDoes() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = Data(repeating: UInt8(ascii: "a"), count: (1 << 24) + 77)
        try bytes.write(to: URL(fileURLWithPath: folder + "/a"))
        #expect(try SHA256.hexDigest(ofFile: folder + "/a") == "44797d0a376c002a9b08d0c8818f0264997131c080740789aa6fabd2f0a4608e")
        #expect(SHA256.hexDigest(bytes) == "44797d0a376c002a9b08d0c8818f0264997131c080740789aa6fabd2f0a4608e")
    }
}

@Suite struct MatrixStorageTests {
    /// A view reads memory another object owns without copying it, and is copied, privately, on its first write:
    /// the memory it viewed (a worker's read-only mapping, a plugin's buffer) is never written.
    @Test func viewsAreCopiedOnWriteAndNeverWrittenThrough() {
        let owner = [1.0, 2, 3, 4, 5, 6]
        owner.withUnsafeBufferPointer { values in
            var view = Matrix(rows: 3, cols: 2, viewing: values.baseAddress!, owner: nil)
            #expect(view.retainedStorage.pointer == values.baseAddress!)
            #expect(view[2, 1] == 6 && view.multiplied(by: [1, 1]) == [5, 7, 9])
            let shared = view
            view[0, 0] = 100
            #expect(view.retainedStorage.pointer != values.baseAddress!)
            #expect(view.storage == [100, 2, 3, 4, 5, 6] && shared.storage == [1, 2, 3, 4, 5, 6])
        }
        #expect(owner == [1, 2, 3, 4, 5, 6])
        // Two matrices sharing owned storage: a write to one leaves the other as it was.
        var first = Matrix(rows: 2, cols: 1, columnMajor: [1, 2])
        let second = first
        first[1, 0] = 9
        #expect(first.storage == [1, 9] && second.storage == [1, 2] && first != second)
    }

    /// A standardiser handed a matrix nobody else holds transforms it in place; one still held elsewhere is
    /// copied first.
    @Test func transformIsInPlaceOnlyWhenTheMatrixIsGivenUp() {
        let standardizer = Standardizer(fitting: Matrix(rows: 2, cols: 1, columnMajor: [0, 2]))
        let kept = Matrix(rows: 2, cols: 1, columnMajor: [0, 2])
        #expect(standardizer.transform(kept).storage == [-1, 1])
        #expect(kept.storage == [0, 2])
        var temporary = Matrix(rows: 2, cols: 1, columnMajor: [4, 6])
        let address = temporary.retainedStorage.pointer
        temporary = standardizer.transform(consume temporary)
        #expect(temporary.storage == [3, 5] && temporary.retainedStorage.pointer == address)
    }
}

import Foundation
