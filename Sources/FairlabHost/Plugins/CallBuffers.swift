import CFairlabPlugin
import FairlabCore
import Foundation

/// Host-owned C copies of what a plugin call reads: they live as long as this object, which outlives the
/// call, and are freed when it goes.
///
/// The groups of a comparison as `fl_groups`.
public final class GroupsTable {
    let pointer: UnsafeMutablePointer<fl_groups>
    private let names: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let privileged: UnsafeMutablePointer<UInt8>
    private let count: Int

    /// Groups with these names; `flags` says which are privileged.
    public init(names groupNames: [String], privileged flags: [Bool]) {
        count = groupNames.count
        names = .allocate(capacity: count)
        for (index, name) in groupNames.enumerated() { names[index] = UnsafePointer(strdup(name)) }
        privileged = .allocate(capacity: count)
        for (index, flag) in flags.enumerated() { privileged[index] = flag ? 1 : 0 }
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_groups(
            struct_size: UInt32(MemoryLayout<fl_groups>.size), abi_version: FAIRLAB_ABI_VERSION,
            count: Int32(count), names: UnsafePointer(names), privileged: UnsafePointer(privileged)))
    }

    deinit {
        for index in 0..<count { free(UnsafeMutablePointer(mutating: names[index])) }
        names.deallocate()
        privileged.deallocate()
        pointer.deallocate()
    }
}

/// Host-owned C strings and the array of pointers to them, for a `const char *const *` view.
final class CStrings {
    let pointer: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: max(count, 1))
        for (index, string) in strings.enumerated() { pointer[index] = UnsafePointer(strdup(string)) }
    }

    deinit {
        for index in 0..<count { free(UnsafeMutablePointer(mutating: pointer[index])) }
        pointer.deallocate()
    }
}

/// A host-owned copy of an array, for a C view.
final class CArray<Element> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(from: values, count: count)
    }

    init(copying values: UnsafeBufferPointer<Element>) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        if let base = values.baseAddress { pointer.initialize(from: base, count: count) }
    }

    deinit { pointer.deallocate() }
}

/// The evaluated rows' features for metric plugins (`fl_evaluation_input.features`): copied once per split and
/// shared by every prediction set of it, whose rows they all are.
final class EvaluationFeatures {
    let values: CArray<Double>
    let cols: Int

    init(_ matrix: Matrix) {
        values = matrix.withUnsafeStorage(CArray.init(copying:))
        cols = matrix.cols
    }

    init(zerosLike other: EvaluationFeatures) {
        values = CArray([Double](repeating: 0, count: other.values.count))
        cols = other.cols
    }
}

/// An `fl_data` over one slice of the dataset: the features' own storage (not copied) and host-owned copies of
/// the rest.
public final class DataTable {
    let pointer: UnsafeMutablePointer<fl_data>
    /// Number of groups in the table's `fl_groups`.
    let groupCount: Int
    private let matrix: UnsafeMutablePointer<fl_matrix>
    private let storage: [AnyObject]
    /// The features' view as the plugin sees it.
    var features: fl_matrix { matrix.pointee }

    /// Copies the inputs of one call; nil parts are passed as NULL (hidden labels, no scores, unknown columns), and
    /// so are the labels of clustering data, which has none; `clusterCount` is the run's k on clustering data.
    public init(
        features: Matrix, labels: [Double]?, scores: [Double]?, weights: [Double]?, groupCodes: [Int32]?, groups: GroupsTable,
        columns: FeatureColumns? = nil, task: TaskKind = .binary, clusterCount: Int = 0
    ) {
        precondition(columns.map { $0.names.count == features.cols } ?? true, "column descriptions do not match the features")
        groupCount = Int(groups.pointer.pointee.count)
        // The features are not copied: the view reads the matrix's own storage, kept alive by this object.
        let featureValues = features.retainedStorage
        let columnNames = columns.map { CStrings($0.names) }
        let columnKinds = columns.map { CArray($0.kinds.map(\.rawValue)) }, columnSources = columns.map { CArray($0.sources) }
        let labelValues = task.hasLabels ? labels.map(CArray.init) : nil
        let scoreValues = scores.map(CArray.init)
        let weightValues = weights.map(CArray.init)
        let codeValues = groupCodes.map(CArray.init)
        storage = [featureValues.owner, groups] + [labelValues, scoreValues, weightValues].compactMap { $0 } + (codeValues.map { [$0] } ?? [])
            + [columnNames as AnyObject?, columnKinds, columnSources].compactMap { $0 }
        matrix = .allocate(capacity: 1)
        matrix.initialize(to: fl_matrix(
            struct_size: UInt32(MemoryLayout<fl_matrix>.size), abi_version: FAIRLAB_ABI_VERSION,
            rows: Int64(features.rows), cols: Int64(features.cols), leading_dimension: Int64(max(features.rows, 1)),
            data: featureValues.pointer))
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_data(
            struct_size: UInt32(MemoryLayout<fl_data>.size), abi_version: FAIRLAB_ABI_VERSION,
            rows: Int64(features.rows), features: UnsafePointer(matrix),
            labels: labelValues.map { UnsafePointer($0.pointer) }, scores: scoreValues.map { UnsafePointer($0.pointer) },
            weights: weightValues.map { UnsafePointer($0.pointer) }, group_codes: codeValues.map { UnsafePointer($0.pointer) },
            groups: UnsafePointer(groups.pointer), column_names: columnNames.map { UnsafePointer($0.pointer) },
            column_kinds: columnKinds.map { UnsafePointer($0.pointer) }, column_sources: columnSources.map { UnsafePointer($0.pointer) },
            task: task.abiBit, reserved: 0, cluster_count: Int64(clusterCount)))
    }

    deinit {
        matrix.deallocate()
        pointer.deallocate()
    }
}

/// A host-owned message buffer for one call, read back as a Swift string.
final class ErrorBuffer {
    static let capacity = 1024
    let pointer: UnsafeMutablePointer<fl_error>
    private let text: UnsafeMutablePointer<CChar>

    init() {
        text = .allocate(capacity: Self.capacity)
        text.initialize(repeating: 0, count: Self.capacity)
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_error(
            struct_size: UInt32(MemoryLayout<fl_error>.size), abi_version: FAIRLAB_ABI_VERSION, message: text,
            capacity: UInt32(Self.capacity), reserved: 0))
    }

    deinit {
        text.deallocate()
        pointer.deallocate()
    }

    /// Turns a non-OK status into an error: "fit: invalid input: <message>".
    func check(_ status: fl_status, _ call: String) throws {
        guard status != FL_OK else { return }
        text[Self.capacity - 1] = 0
        let message = String(cString: text)
        throw FairlabError("\(call) failed (\(Self.statusName(status)))\(message.isEmpty ? " with no message" : ": \(message)")")
    }

    static func statusName(_ status: fl_status) -> String {
        switch status {
        case FL_ERROR_INVALID_INPUT: "invalid input"
        case FL_ERROR_UNSUPPORTED: "unsupported"
        case FL_ERROR_NUMERICAL: "numerical error"
        case FL_ERROR_OUT_OF_MEMORY: "out of memory"
        case FL_ERROR_INTERNAL: "internal error"
        default: "status \(status)"
        }
    }
}

/// Parameter values as `fl_param_values`.
final class ParameterTable {
    let pointer: UnsafeMutablePointer<fl_param_values>
    private let numbers: CArray<Double>
    private let texts: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let count: Int

    init(_ parameters: ResolvedParameters) {
        count = parameters.texts.count
        numbers = CArray(parameters.numbers)
        texts = .allocate(capacity: max(count, 1))
        for (index, text) in parameters.texts.enumerated() { texts[index] = UnsafePointer(strdup(text)) }
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: fl_param_values(
            struct_size: UInt32(MemoryLayout<fl_param_values>.size), abi_version: FAIRLAB_ABI_VERSION,
            count: UInt32(count), numbers: UnsafePointer(numbers.pointer), texts: UnsafePointer(texts)))
    }

    deinit {
        for index in 0..<count { free(UnsafeMutablePointer(mutating: texts[index])) }
        texts.deallocate()
        pointer.deallocate()
    }
}
