import CFairlabPlugin

/// AIF360's two sides of a comparison: every privileged group pooled against every unprivileged one. Methods
/// defined for a privileged and an unprivileged group (AIF360's post-processors) use it; with more than two
/// groups they say, through a warning, that they pool them.
public struct PrivilegedSides {
    private let privileged: [Bool]

    /// The sides of `groups`; with `host` given and more than two groups, logs a warning naming the pooling.
    public init(_ groups: Groups, host: HostServices?) {
        privileged = groups.privileged
        if let host, groups.count > 2 {
            let count = groups.privileged.filter { $0 }.count
            host.log("this method compares a privileged with an unprivileged side: it pools the \(groups.count - count) unprivileged groups against the \(count) privileged", level: FL_LOG_WARNING)
        }
    }

    /// 0 for a privileged group's code, 1 for an unprivileged one.
    public func index(_ code: Int32) -> Int { privileged[Int(code)] ? 0 : 1 }
}
