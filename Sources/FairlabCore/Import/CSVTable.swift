import Foundation

/// A CSV file parsed by RFC 4180's rules, with the forgiving edges real files need: a UTF-8 byte-order mark
/// is skipped, CRLF and LF both end records, blank lines are skipped, unquoted fields are trimmed of spaces,
/// and a header name that repeats gets a `.1`, `.2`... suffix (as pandas does). A row with a different number
/// of fields from the header is an error naming its line. A file without a header line is read with its column
/// names given (`columns`).
public struct CSVTable: Sendable {
    /// Column names: from the first record, or as given for a file without a header.
    public let header: [String]
    /// Data records, each with `header.count` fields.
    public let rows: [[String]]
    /// The 1-based line on which each data record starts (for error messages).
    public let lineNumbers: [Int]

    /// Parses the file at `path`; with `columns`, the file has no header line and these are its column names.
    public init(contentsOf path: String, columns: [String]? = nil) throws {
        try self.init(data: try Self.contents(of: path), name: path, columns: columns)
    }

    /// Parses CSV bytes; `name` is used in error messages. With `columns`, every record is data and these name
    /// the columns; otherwise the first record is the header.
    public init(data: Data, name: String, columns: [String]? = nil) throws {
        let (records, recordLines) = try Self.records(in: data, name: name, limit: nil)
        let headerRecord: [String]
        if let columns {
            headerRecord = columns
        } else {
            guard let first = records.first else { throw FairlabError(file: name, "the file is empty") }
            headerRecord = first
        }
        let dataStart = columns == nil ? 1 : 0
        header = Self.uniqueNames(headerRecord)
        for (offset, record) in records.enumerated().dropFirst(dataStart) where record.count != header.count {
            let source = columns == nil ? "the header has" : "--columns names"
            throw FairlabError(file: name, "line \(recordLines[offset]): \(record.count) fields, \(source) \(header.count)")
        }
        rows = Array(records.dropFirst(dataStart))
        lineNumbers = Array(recordLines.dropFirst(dataStart))
        guard columns == nil || !rows.isEmpty else { throw FairlabError(file: name, "the file is empty") }
    }

    /// The column names of the file at `path` (its first record, repeated names suffixed), read without parsing
    /// the rest: so named columns can be checked before a large file is read.
    public static func header(ofFile path: String) throws -> [String] {
        try checkRegularFile(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FairlabError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        defer { try? handle.close() }
        // A header record ends at the first newline outside quotes; 1 MiB holds any real header.
        let prefix = handle.readData(ofLength: 1 << 20)
        guard let first = try records(in: prefix, name: path, limit: 1).records.first else {
            throw FairlabError(file: path, "the file is empty")
        }
        return uniqueNames(first)
    }

    /// Throws unless `path` is a regular file: a folder would crash the reading, and a pipe or device leave it
    /// waiting for ever, where the user meant a file.
    public static func checkRegularFile(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FairlabError(file: path, "no such file") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw FairlabError(file: path, "is a folder, not a CSV file")
        default: throw FairlabError(file: path, "is not a regular file (a pipe or a device)")
        }
    }

    /// The bytes of the file at `path`.
    static func contents(of path: String) throws -> Data {
        try checkRegularFile(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FairlabError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        return data
    }

    /// Names with a repeat suffixed `.1`, `.2`... as pandas does.
    private static func uniqueNames(_ names: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return names.map { name in
            let count = seen[name, default: 0]
            seen[name] = count + 1
            return count == 0 ? name : "\(name).\(count)"
        }
    }

    /// The records of `data` (at most `limit`), each with the line it starts on.
    private static func records(in data: Data, name: String, limit: Int?) throws -> (records: [[String]], lines: [Int]) {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var records: [[String]] = []
        var recordLines: [Int] = []
        var field: [UInt8] = []
        var record: [String] = []
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var recordStartLine = 1
        var index = 0

        func finishField() throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw FairlabError(file: name, "line \(line): field \(record.count + 1) is not valid UTF-8")
            }
            record.append(fieldWasQuoted ? text : text.trimmingCharacters(in: .whitespaces))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func finishRecord() throws {
            try finishField()
            // A record that is one empty field is a blank line.
            if !(record.count == 1 && record[0].isEmpty) {
                records.append(record)
                recordLines.append(recordStartLine)
            }
            record.removeAll(keepingCapacity: true)
        }

        while index < bytes.count, limit.map({ records.count < $0 }) ?? true {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    guard field.allSatisfy({ $0 == UInt8(ascii: " ") }) else {
                        throw FairlabError(file: name, "line \(line): a quote inside an unquoted field")
                    }
                    field.removeAll()
                    inQuotes = true
                    fieldWasQuoted = true
                case UInt8(ascii: ","):
                    try finishField()
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    try finishRecord()
                    line += 1
                    recordStartLine = line
                default:
                    if fieldWasQuoted, byte != UInt8(ascii: " ") {
                        throw FairlabError(file: name, "line \(line): text after a closing quote")
                    }
                    if !fieldWasQuoted { field.append(byte) }
                }
            }
            index += 1
        }
        if limit.map({ records.count >= $0 }) ?? false { return (records, recordLines) }
        guard !inQuotes else { throw FairlabError(file: name, "line \(recordStartLine): a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { try finishRecord() }
        return (records, recordLines)
    }

    /// The index of the column called `name`.
    public func columnIndex(_ name: String, file: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw FairlabError(file: file, "no column '\(name)' (columns: \(header.joined(separator: ", ")))")
        }
        return index
    }
}
