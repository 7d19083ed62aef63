import Foundation

/// What `fairlab`'s exit status tells a script (docs/exit-status.md).
enum ExitStatus: Int32 {
    /// Everything ran and every row succeeded.
    case success = 0
    /// Bad input or an error that stopped the command (the message says which); nothing was compared.
    case error = 1
    /// The comparison finished and its results were written, but at least one method failed on at least one
    /// seed, or a plugin library or metric plugin could not be used.
    case finishedWithFailures = 3
    /// The results were written, but no method met the `--select` rule.
    case selectionUnmet = 4
}
