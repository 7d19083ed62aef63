import CHDF5
import FairlabCore
import FairlabTestSupport
import Foundation
import Testing

/// The dataset reader checks shapes, types and sizes before it allocates or trusts anything.
@Suite struct HostileHDF5Tests {
    /// A valid three-row dataset in format version 1 (a dense `/features` matrix, still read), then `damage`
    /// applied to the open file.
    func write(_ path: String, damage: (HDF5File) throws -> Void = { _ in }) throws {
        let dataset = Dataset(
            features: Matrix(rows: 3, cols: 1, columnMajor: [1, 2, 3]), featureNames: ["x"], labels: [1, 0, 1], labelName: "y",
            favorableValue: "1", protected: [ProtectedAttribute(name: "g", codes: [0, 1, 1], categories: ["a", "b"], privilegedCodes: [1])])
        try DatasetFile.write(dataset, to: path)
        let file = try HDF5File(path: path, mode: .readWrite)
        try file.delete("/columns")
        try file.writeDoubles("/features", [1, 2, 3], shape: [3, 1])
        try file.writeStrings("/feature_names", ["x"])
        try file.setAttribute("fairlab_format_version", Int64(1))
        try damage(file)
    }

    @Test func aFileClaimingATrillionRowsIsRefusedBeforeAllocating() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/huge.h5"
        try write(path) { file in try file.delete("/features") }
        // A chunked dataset may claim any extent without storing it.
        let handle = H5Fopen(path, fairlab_h5f_acc_rdwr(), fairlab_h5p_default())
        var dims: [hsize_t] = [1_000_000_000_000, 1], chunk: [hsize_t] = [1024, 1]
        let space = H5Screate_simple(2, &dims, nil)
        let creation = H5Pcreate(fairlab_h5p_dataset_create())
        H5Pset_chunk(creation, 2, &chunk)
        let created = H5Dcreate2(handle, "/features", fairlab_h5t_ieee_f64le(), space, fairlab_h5p_default(), creation, fairlab_h5p_default())
        #expect(created >= 0)
        H5Dclose(created); H5Pclose(creation); H5Sclose(space); H5Fclose(handle)
        #expect(throws: FairlabError("\(path): /features claims 1000000000000x1 elements, more than fairlab will read")) {
            try DatasetFile.read(path)
        }
    }

    @Test func wrongLengthsAndTypesAreNamed() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try write(folder + "/short-label.h5") { file in
            try file.delete("/label")
            try file.writeIntegers("/label", [Int8(1), 0])
        }
        #expect(throws: FairlabError("\(folder)/short-label.h5: /label has 2 values for 3 rows")) { try DatasetFile.read(folder + "/short-label.h5") }

        try write(folder + "/text-label.h5") { file in
            try file.delete("/label")
            try file.writeStrings("/label", ["yes", "no", "yes"])
        }
        #expect(throws: FairlabError("\(folder)/text-label.h5: /label must hold integers")) { try DatasetFile.read(folder + "/text-label.h5") }

        try write(folder + "/text-features.h5") { file in
            try file.delete("/features")
            try file.writeStrings("/features", ["1", "2", "3"])
        }
        #expect(throws: FairlabError("\(folder)/text-features.h5: /features must have 2 dimensions, has 1")) {
            try DatasetFile.read(folder + "/text-features.h5")
        }

        try write(folder + "/bad-code.h5") { file in
            try file.delete("/protected/g")
            try file.writeIntegers("/protected/g", [Int32(0), 1, 7])
            try file.setAttribute("categories", of: "/protected/g", ["a", "b"])
            try file.setAttribute("privileged", of: "/protected/g", [Int64(1)])
        }
        #expect(throws: FairlabError("\(folder)/bad-code.h5: /protected/g has code 7 at row 2, outside its 2 categories")) {
            try DatasetFile.read(folder + "/bad-code.h5")
        }

        try write(folder + "/no-privileged.h5") { file in
            try file.delete("/protected/g")
            try file.writeIntegers("/protected/g", [Int32(0), 1, 1])
            try file.setAttribute("categories", of: "/protected/g", ["a", "b"])
        }
        #expect(throws: FairlabError("\(folder)/no-privileged.h5: missing attribute privileged of /protected/g")) {
            try DatasetFile.read(folder + "/no-privileged.h5")
        }
    }

    @Test func truncatedFilesAreErrorsNotCrashes() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.dataset("german")))
        for fraction in [0.02, 0.3, 0.6, 0.95] {
            let path = "\(folder)/truncated-\(fraction).h5"
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: URL(fileURLWithPath: path))
            #expect(throws: FairlabError.self) { try DatasetFile.read(path) }
        }
    }
}
