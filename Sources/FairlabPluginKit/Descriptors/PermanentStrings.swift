import CFairlabPlugin
import Glibc

/// A C string that lives until the process ends. Descriptors handed to the host must outlive every call, and
/// the host never unloads a plugin, so these are deliberately never freed.
public func permanentCString(_ string: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(string)!)
}

/// A NULL-terminated array of permanent C strings.
func permanentCStringList(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
    let list = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() { list[index] = permanentCString(string) }
    list[strings.count] = nil
    return UnsafePointer(list)
}

/// Copies a value into permanent storage and returns a pointer to it.
func permanent<T>(_ value: T) -> UnsafePointer<T> {
    let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
    pointer.initialize(to: value)
    return UnsafePointer(pointer)
}
