/// Thrown by a command that finished its work but must exit with a status other than 0; not an error message.
struct CompletedWithStatus: Error {
    let status: ExitStatus
}
