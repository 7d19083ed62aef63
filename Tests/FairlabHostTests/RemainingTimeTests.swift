@testable import FairlabHost
import Testing

/// The estimate of a run's time left, against values worked by hand.
@Suite struct RemainingTimeTests {
    @Test func eachTaskLeftTakesItsKindsMeanScaledByTheRunsPace() throws {
        // Two tasks of kind 0, two of kind 1, one of kind 2.
        var estimate = RemainingTime(kinds: [0, 0, 1, 1, 2])
        #expect(estimate.secondsLeft(elapsed: 1) == nil)
        // Task 0 (kind 0) took 2 s of work in 1 s of wall clock (two workers). Left: task 1 at kind 0's mean 2 s; tasks
        // 2, 3 and 4 at the overall mean, 2 s each: 8 s of work at 1/2 s a second of work, 4 s.
        estimate.finished(task: 0, seconds: 2)
        #expect(try #require(estimate.secondsLeft(elapsed: 1)) == 4)
        // Task 2 (kind 1) took 6 s, 5 s into the run: 8 s of work in 5 s. Left: task 1 at 2 s, task 3 at kind 1's
        // 6 s, task 4 (kind 2, none finished) at the overall mean 4 s: 12 s of work × 5 / 8 = 7.5 s.
        estimate.finished(task: 2, seconds: 6)
        #expect(try #require(estimate.secondsLeft(elapsed: 5)) == 7.5)
        for task in [1, 3, 4] { estimate.finished(task: task, seconds: 1) }
        #expect(try #require(estimate.secondsLeft(elapsed: 9)) == 0)
    }

    @Test func aFailedTaskOnlyLeavesTheTasksToGo() throws {
        var estimate = RemainingTime(kinds: [0, 0, 0, 1])
        estimate.finished(task: 0, seconds: nil)
        #expect(estimate.secondsLeft(elapsed: 3) == nil)
        // Kind 0's mean stays task 1's 3 s, not (0 + 3) / 2: left, task 2 at 3 s and task 3 at the overall 3 s, 6 s of
        // work at 4 s of wall clock per 3 s of work, 8 s.
        estimate.finished(task: 1, seconds: 3)
        #expect(try #require(estimate.secondsLeft(elapsed: 4)) == 8)
    }

    /// A task killed at its time limit: its 60 s wait is in the elapsed time, and counted as work done, so the pace
    /// the other tasks set stands.
    @Test func aTimedOutTasksWaitCountsAsWorkDone() throws {
        var estimate = RemainingTime(kinds: [0, 1, 1, 1])
        estimate.finished(task: 0, seconds: nil, failedAfter: 60)
        // Task 1 took 4 s of work; 64 s of work done in 64 s of wall clock (one worker). Left: tasks 2 and 3 at 4 s
        // each, 8 s. Without the timed-out task's 60 s the pace would be 64 / 4, and the estimate 128 s.
        estimate.finished(task: 1, seconds: 4)
        #expect(try #require(estimate.secondsLeft(elapsed: 64)) == 8)
    }

    @Test func clockReadsMinutesAndHours() {
        #expect(RemainingTime.clock(0.4) == "0:00")
        #expect(RemainingTime.clock(59.6) == "1:00")
        #expect(RemainingTime.clock(754) == "12:34")
        #expect(RemainingTime.clock(3723) == "1:02:03")
    }
}
