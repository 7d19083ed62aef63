import CFairlabPlugin
import Glibc

/// An error a Swift plugin throws; the kit turns it into a status code and a message for the host.
public struct PluginError: Error, Sendable {
    public let status: fl_status
    public let message: String

    /// An error with an explicit status.
    public init(_ status: fl_status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The data or parameters cannot be handled.
    public static func invalidInput(_ message: String) -> PluginError { PluginError(FL_ERROR_INVALID_INPUT, message) }
    /// The computation failed numerically.
    public static func numerical(_ message: String) -> PluginError { PluginError(FL_ERROR_NUMERICAL, message) }
    /// The method does not implement this call.
    public static func unsupported(_ message: String) -> PluginError { PluginError(FL_ERROR_UNSUPPORTED, message) }
}

/// Writes `error` into the host's message buffer and returns its status.
func report(_ error: Error, _ buffer: UnsafeMutablePointer<fl_error>?) -> fl_status {
    let pluginError = error as? PluginError ?? PluginError(FL_ERROR_INTERNAL, "\(error)")
    if let buffer, let message = buffer.pointee.message, buffer.pointee.capacity > 0 {
        let bytes = Array(pluginError.message.utf8.prefix(Int(buffer.pointee.capacity) - 1))
        for (index, byte) in bytes.enumerated() { message[index] = CChar(bitPattern: byte) }
        message[bytes.count] = 0
    }
    return pluginError.status
}
