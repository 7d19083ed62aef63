import FairlabCore
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
}

import Foundation
