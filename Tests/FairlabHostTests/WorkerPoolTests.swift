import FairlabCore
@testable import FairlabHost
import FairlabTestSupport
import Foundation
import Testing

/// The pool's own accounting: stall limits for work that reports progress, and each worker's own peak memory.
@Suite(.serialized) struct WorkerPoolTests {
    func run(_ script: String, stallTimeout: Double?, timeout: Double = 60, pool configure: (WorkerPool) -> Void = { _ in }) throws -> (WorkerFailure?, WorkerPool) {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = WorkerPool(executable: "/bin/sh", parallelism: 1, timeout: timeout)
        var outcome: WorkerFailure?
        try pool.run([WorkerTask(arguments: ["-c", script], label: "sh", logPath: folder + "/log", stallTimeout: stallTimeout)]) { outcome = $1 }
        return (outcome, pool)
    }

    /// A cancellation set from another thread (a comparison whose plugins turned out unusable while its dataset was
    /// being read) stops the pool at once: its worker is killed, and `run` throws instead of waiting 30 s.
    @Test func cancellationKillsTheWorkersAndThrows() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = WorkerPool(executable: "/bin/sh", parallelism: 1, timeout: 60)
        let cancellation = WorkerCancellation()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { cancellation.cancel() }
        let started = Date()
        var finished = 0
        let error = #expect(throws: FairlabError.self) {
            try pool.run([WorkerTask(arguments: ["-c", "sleep 30"], label: "sleeper", logPath: folder + "/log")], cancellation: cancellation) { _, _ in
                finished += 1
            }
        }
        #expect(error?.description.contains("cancelled; 1 running workers stopped") == true, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(finished == 0)
    }

    /// Work that keeps logging progress runs past its stall limit (a large file being checked block by block:
    /// a file of any size passes); work that goes quiet is stopped (libhdf5 looping on a crafted header).
    @Test func stallLimitStopsOnlyQuietWork() throws {
        let (steady, _) = try run("for i in 1 2 3 4 5 6; do echo block $i; sleep 0.4; done", stallTimeout: 1.2)
        #expect(steady == nil)
        let (quiet, _) = try run("echo opened; sleep 30", stallTimeout: 1.2)
        #expect(quiet == .stalled(1.2))
        #expect(quiet?.description == "made no progress for 1.2 s")
    }

    /// A worker's peak memory is its own, not the host's: the host holds 600 MiB here, and a shell that sleeps
    /// is reported at a few MiB (getrusage of a vfork-spawned child reports the parent's peak instead).
    @Test func peakMemoryIsTheWorkersOwn() throws {
        // Every page written, so it is resident while the worker runs.
        let ballast = [UInt8](repeating: 1, count: 600 << 20)
        let (outcome, pool) = try withExtendedLifetime(ballast) { try run("sleep 0.3", stallTimeout: nil) }
        #expect(outcome == nil)
        let peak = try #require(pool.lastPeakMemoryMB[0])
        #expect(peak > 0 && peak < 64, "reported \(peak) MiB")
    }

    /// A crash is reported with the worker's last words, not with the last frame of a stack dump.
    @Test func crashReasonIsTheLastLineBeforeTheStackDump() throws {
        let script = """
        echo 'Fatal error: could not allocate 8589934592 bytes'; echo 'Current stack trace:'
        echo '0    libswiftCore.so    0x00007f1c2a5b1c5e <unavailable> + 5561438'
        echo '21   fairlab            0x000055ac6a3cfe91 <unavailable> + 179857'; kill -ABRT $$
        """
        let (outcome, _) = try run(script, stallTimeout: nil)
        #expect(outcome == .signal(SIGABRT, lastLogLine: "Fatal error: could not allocate 8589934592 bytes"))
    }

    /// A worker inherits no descriptor of the host's beyond its standard input and output: an open file's HDF5
    /// lock, held through an inherited copy, would otherwise outlive the host's close of it for as long as the
    /// worker runs (a results file then could not be reopened).
    @Test func workersInheritNoOpenFiles() throws {
        let held = open(TestEnvironment.dataset("german"), O_RDONLY)
        try #require(held > 2)
        defer { close(held) }
        let (outcome, _) = try run("printf fds; for f in /proc/$$/fd/*; do printf ' %s' \"${f##*/}\"; done; echo; kill -SEGV $$", stallTimeout: nil)
        // 3 is the directory the listing itself reads.
        #expect(outcome == .signal(SIGSEGV, lastLogLine: "fds 0 1 2 3"))
    }

    /// A task whose log cannot be created fails with the log's path and why, before any process starts for it;
    /// the next task runs, its log written from the start by both of its output streams.
    @Test func aLogThatCannotBeCreatedFailsItsTaskByName() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = WorkerPool(executable: "/bin/sh", parallelism: 1, timeout: 30)
        let missing = folder + "/no such folder/0.log"
        try "an older run's log, longer than this one's".write(toFile: folder + "/1.log", atomically: true, encoding: .utf8)
        let tasks = [
            WorkerTask(arguments: ["-c", "touch \(folder)/ran"], label: "unlogged", logPath: missing),
            WorkerTask(arguments: ["-c", "echo out; echo err >&2"], label: "logged", logPath: folder + "/1.log"),
        ]
        var failures: [Int: WorkerFailure?] = [:]
        try pool.run(tasks) { failures[$0] = $1 }
        #expect(failures[0] == .spawnFailed("cannot create its log \(missing): No such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/ran"))
        #expect(failures[1] == .some(nil))
        #expect(try String(contentsOfFile: folder + "/1.log", encoding: .utf8) == "out\nerr\n")
    }

    /// Workers run without the Swift backtracer, so a crash's last log line is the worker's own.
    @Test func workersRunWithoutTheBacktracer() throws {
        let (outcome, _) = try run("echo \"SWIFT_BACKTRACE=$SWIFT_BACKTRACE OPENBLAS=$OPENBLAS_NUM_THREADS\"; kill -SEGV $$", stallTimeout: nil)
        #expect(outcome == .signal(SIGSEGV, lastLogLine: "SWIFT_BACKTRACE=enable=no OPENBLAS=1"))
    }

    /// Workers get the pool's allocator tunables, the host's own after them (glibc takes the last value of each), and
    /// an empty host value adds nothing; the worker's environment holds exactly that string.
    @Test func workersGetTheAllocatorTunablesTheHostsLast() throws {
        #expect(WorkerPool.workerTunables(host: nil) == WorkerPool.allocatorTunables)
        #expect(WorkerPool.workerTunables(host: "") == WorkerPool.allocatorTunables)
        #expect(WorkerPool.workerTunables(host: "glibc.malloc.hugetlb=0") == WorkerPool.allocatorTunables + ":glibc.malloc.hugetlb=0")
        let (outcome, _) = try run("echo \"$GLIBC_TUNABLES\"; kill -SEGV $$", stallTimeout: nil)
        #expect(outcome == .signal(SIGSEGV, lastLogLine: WorkerPool.workerTunables(host: ProcessInfo.processInfo.environment["GLIBC_TUNABLES"])))
    }

    /// A task waits for the tasks it depends on to end (a post-processing job for its seed's baseline), while
    /// independent tasks run in the meantime.
    @Test func dependentTasksStartAfterTheirDependencies() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = WorkerPool(executable: "/bin/sh", parallelism: 2, timeout: 30)
        let tasks = [
            WorkerTask(arguments: ["-c", "sleep 0.5; echo baseline > \(folder)/scores"], label: "baseline", logPath: folder + "/0.log"),
            WorkerTask(arguments: ["-c", "test -f \(folder)/scores"], label: "post", logPath: folder + "/1.log", dependencies: [0]),
            WorkerTask(arguments: ["-c", "test ! -f \(folder)/scores"], label: "pre", logPath: folder + "/2.log"),
        ]
        var order: [Int] = []
        var failures: [Int: WorkerFailure] = [:]
        try pool.run(tasks) { index, failure in
            order.append(index)
            failures[index] = failure
        }
        // "pre" ran beside the baseline, before its scores existed; "post" only once they did.
        #expect(failures.isEmpty, "\(failures)")
        #expect(order == [2, 0, 1])
    }
}

/// Worker templates (`WorkerPool.startTemplate`): a fairlab process started once, every task's worker a copy of it.
@Suite(.serialized) struct WorkerTemplateTests {
    /// Three tasks, each describing another plugin, one worker at a time, and the method id each should reply.
    let libraries = [("Reweighing", "reweighing"), ("Massaging", "massaging"), ("LFR", "lfr")]
    func describeTasks(in folder: String) -> [WorkerChannel] {
        libraries.map { WorkerChannel(.describe, folder: folder, name: "describe-\($0.0)", input: TestEnvironment.pluginLibrary($0.0)) }
    }

    /// Every task runs in a copy of the template, each reply its own (each describes another library); the copies
    /// are this process's children (the pool waits for each by its pid), and the template itself loaded none of
    /// the plugins, so every copy starts from the same state; the pool's end stops the template.
    @Test func tasksRunInCopiesOfAnUntouchedTemplateAndThePoolStopsIt() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var pool: WorkerPool? = WorkerPool(executable: TestEnvironment.fairlab, parallelism: 1, timeout: 60)
        pool!.startTemplate()
        let template = try #require(pool!.template?.pid)
        let channels = describeTasks(in: folder)
        var failures: [WorkerFailure?] = []
        try pool!.run(channels.map { $0.task(label: "describe") }) { failures.append($1) }
        #expect(failures == [nil, nil, nil])
        for (channel, (_, id)) in zip(channels, libraries) { #expect(try channel.readReply([MethodInfo].self).map(\.id) == [id]) }
        #expect(pool!.tasksStartedFromTemplate == 3)
        #expect(pool!.template?.pid == template)
        let maps = try String(contentsOfFile: "/proc/\(template)/maps", encoding: .utf8)
        for (library, _) in libraries { #expect(!maps.contains("lib\(library).so"), "the template loaded lib\(library).so") }
        pool = nil
        #expect(kill(template, 0) == -1 && errno == ESRCH, "the pool's end reaps its template")
    }

    /// A worker checks that its parent is the host the pool named, not that its parent is not pid 1 (a host that
    /// is pid 1, in a container, had every worker exit at once): with the test as its named host it works; with
    /// another process named it exits before reading anything.
    @Test func aWorkerRunsUnderTheHostItWasGivenOnly() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let library = TestEnvironment.pluginLibrary("Reweighing")
        let underHost = try TestEnvironment.fairlab(["worker", "describe", library, folder + "/a.json"], environment: [WorkerEntry.hostVariable: String(getpid())])
        #expect(underHost.status == 0, "\(underHost.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/a.json"))
        let orphan = try TestEnvironment.fairlab(["worker", "describe", library, folder + "/b.json"], environment: [WorkerEntry.hostVariable: "1"])
        #expect(orphan.status == 1)
        #expect(!FileManager.default.fileExists(atPath: folder + "/b.json"))
    }

    /// A template that died (killed from outside) costs nothing: the next task is spawned, a new template starts
    /// beside it, and the tasks after it are its copies.
    @Test func aDeadTemplateIsReplaced() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = WorkerPool(executable: TestEnvironment.fairlab, parallelism: 1, timeout: 60)
        pool.startTemplate()
        let template = try #require(pool.template?.pid)
        kill(template, SIGKILL)
        // Until the kernel has made it a zombie (bounded), so the pool finds it dead rather than racing its death.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, let stat = try? String(contentsOfFile: "/proc/\(template)/stat", encoding: .utf8),
              !stat.split(separator: ")").last!.hasPrefix(" Z") {
            usleep(1_000)
        }
        let channels = describeTasks(in: folder)
        var failures: [WorkerFailure?] = []
        try pool.run(channels.map { $0.task(label: "describe") }) { failures.append($1) }
        #expect(failures == [nil, nil, nil])
        for (channel, (_, id)) in zip(channels, libraries) { #expect(try channel.readReply([MethodInfo].self).map(\.id) == [id]) }
        #expect(pool.tasksStartedFromTemplate == 2)
        #expect(pool.template.map { $0.pid != template } == true)
    }

    /// A copy that crashes costs only its own task: the template and the copies after it go on. The middle task
    /// describes a library whose loading crashes the process (a constructor that raises SIGSEGV, built here); its
    /// failure names the signal, and the tasks before and after it succeed on the same template.
    @Test func aCrashingCopyCostsOnlyItsTask() throws {
        let folder = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = folder + "/crash.c", crashing = folder + "/libCrash.so"
        try "#include <signal.h>\n__attribute__((constructor)) static void crash(void) { raise(SIGSEGV); }\n"
            .write(toFile: source, atomically: true, encoding: .utf8)
        let compile = try TestEnvironment.run("/usr/bin/env", ["cc", "-shared", "-fPIC", source, "-o", crashing])
        try #require(compile.status == 0, "cc: \(compile.stderr)")
        let pool = WorkerPool(executable: TestEnvironment.fairlab, parallelism: 1, timeout: 60)
        pool.startTemplate()
        let template = try #require(pool.template?.pid)
        let channels = [
            WorkerChannel(.describe, folder: folder, name: "first", input: TestEnvironment.pluginLibrary("Reweighing")),
            WorkerChannel(.describe, folder: folder, name: "crashing", input: crashing),
            WorkerChannel(.describe, folder: folder, name: "last", input: TestEnvironment.pluginLibrary("Massaging")),
        ]
        var failures: [WorkerFailure?] = []
        try pool.run(channels.map { $0.task(label: "describe") }) { failures.append($1) }
        #expect(failures[0] == nil && failures[2] == nil, "\(failures)")
        guard case .signal(let signal, _)? = failures[1] else {
            Issue.record("the crashing copy was reported as \(String(describing: failures[1]))")
            return
        }
        #expect(signal == SIGSEGV)
        #expect(try channels[0].readReply([MethodInfo].self).map(\.id) == ["reweighing"])
        #expect(try channels[2].readReply([MethodInfo].self).map(\.id) == ["massaging"])
        #expect(pool.tasksStartedFromTemplate == 3)
        #expect(pool.template?.pid == template)
    }
}
