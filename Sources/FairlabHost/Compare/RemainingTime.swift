import Foundation

/// How long a run of worker tasks has left, estimated from the tasks finished so far. Tasks of one kind (one
/// method) take alike and kinds differ widely (adversarial debiasing's fit takes thirty times reweighing's), so a
/// task left is expected to take its kind's mean so far, or every finished task's mean while its kind has none;
/// the work left is scaled to wall-clock time by the run's own ratio so far, elapsed time over the work finished,
/// which takes in the parallel workers and what each task spends beyond its fit. A failed task's time (none
/// measured, or a time limit's) says nothing about its kind's, so it leaves its kind's mean alone; but the seconds
/// its worker ran count as work done, or a task killed at its time limit, all of whose wait is in the elapsed time,
/// would make the run look that much slower for the rest of it.
public struct RemainingTime {
    private let kinds: [Int]
    /// Per kind: tasks not finished, and the finished ones' count and seconds.
    private var left: [Int], finishedCount: [Int], finishedSeconds: [Double]
    /// The seconds the failed tasks' workers ran.
    private var failedSeconds = 0.0

    /// An estimate for tasks of the given kinds (0, 1, ...): task i's kind is `kinds[i]`.
    public init(kinds: [Int]) {
        self.kinds = kinds
        let count = (kinds.max() ?? -1) + 1
        left = [Int](repeating: 0, count: count)
        finishedCount = left
        finishedSeconds = [Double](repeating: 0, count: count)
        for kind in kinds { left[kind] += 1 }
    }

    /// Task `task` finished, having taken `seconds` of work, or failed (nil) after its worker ran `failedAfter`
    /// seconds.
    public mutating func finished(task: Int, seconds: Double?, failedAfter: Double = 0) {
        let kind = kinds[task]
        left[kind] -= 1
        guard let seconds else {
            failedSeconds += failedAfter
            return
        }
        finishedCount[kind] += 1
        finishedSeconds[kind] += seconds
    }

    /// The seconds left, `elapsed` seconds into the run; nil until the finished tasks have taken some work.
    public func secondsLeft(elapsed: Double) -> Double? {
        let allSeconds = finishedSeconds.reduce(0, +)
        guard allSeconds > 0 else { return nil }
        let overallMean = allSeconds / Double(finishedCount.reduce(0, +))
        let work = left.indices.reduce(0.0) { sum, kind in
            sum + Double(left[kind]) * (finishedCount[kind] > 0 ? finishedSeconds[kind] / Double(finishedCount[kind]) : overallMean)
        }
        return work * elapsed / (allSeconds + failedSeconds)
    }

    /// `seconds` as m:ss, or h:mm:ss from an hour.
    public static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
