import CHDF5
import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// Feature matrices are read a block of rows at a time, straight into column-major storage.
@Suite struct BlockReadTests {
    @Test func blocksGiveTheSameMatrixAndReportProgress() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rows = 1_003, cols = 7
        let matrix = Matrix(rows: rows, cols: cols, columnMajor: (0..<(rows * cols)).map { Double($0 % 977) * 0.5 - Double($0 / 977) })
        do {
            let file = try HDF5File(path: folder + "/m.h5", mode: .create)
            // Large enough to be written chunked and compressed, as fairlab writes big datasets.
            try file.writeDoubles("/m", matrix.rowMajorValues(), shape: [rows, cols])
        }
        let file = try HDF5File(path: folder + "/m.h5", mode: .readOnly)
        var reports: [Int] = []
        let read = try file.readMatrix("/m", blockElements: 100 * cols) { done, total in
            #expect(total == rows)
            reports.append(done)
        }
        #expect(read == matrix)
        #expect(reports == [0] + Array(stride(from: 100, to: rows, by: 100)) + [rows])
        #expect(try file.readMatrix("/m") == matrix)
    }
}
