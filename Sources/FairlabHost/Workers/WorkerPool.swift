import CProcessControl
import FairlabCore
import Foundation
import Synchronization

/// One worker process to run: `fairlab worker <arguments>`, with its own stderr log.
public struct WorkerTask: Sendable {
    /// Arguments after the executable.
    public var arguments: [String]
    /// A short label for progress lines, e.g. "reweighing (seed 1)".
    public var label: String
    /// Where the worker's stdout and stderr go.
    public var logPath: String
    /// When set, the worker is also stopped once its log has not grown for this many seconds: for work that
    /// reports progress as it goes (reading a large file), so that its length is not bounded but a stall is.
    public var stallTimeout: Double? = nil
    /// Indices of tasks (of the same `run`) that must have ended before this one starts: a post-processing job
    /// waits for the baseline whose scores it adjusts.
    public var dependencies: [Int] = []
}

/// Why a worker produced no usable result.
public enum WorkerFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case signal(Int32, lastLogLine: String)
    case exitStatus(Int32, lastLogLine: String)
    case timeout(Double)
    /// It logged no progress for this many seconds.
    case stalled(Double)
    case spawnFailed(String)
    /// The worker failed after its peak memory came near its limit: the limit is the likely cause.
    indirect case memoryLimit(peakMegabytes: Int, limitMegabytes: Int, then: WorkerFailure)

    public var description: String {
        switch self {
        case .memoryLimit(let peak, let limit, let then):
            return "used \(peak) MiB of its \(limit) MiB memory limit, then \(then)"
        case .signal(let signal, let line):
            let reason = signal == SIGKILL ? "killed by SIGKILL (possibly the memory limit)" : "crashed with \(WorkerPool.signalName(signal))"
            return reason + (line.isEmpty ? "" : ": \(line)")
        case .exitStatus(let status, let line):
            return "worker exited with status \(status) without a result" + (line.isEmpty ? "" : ": \(line)")
        case .timeout(let seconds):
            return "timed out after \(WorkerPool.format(seconds)) s"
        case .stalled(let seconds):
            return "made no progress for \(WorkerPool.format(seconds)) s"
        case .spawnFailed(let reason):
            return "could not start a worker: \(reason)"
        }
    }
}

/// Set by SIGINT / SIGTERM while a pool runs (see `WorkerPool.installInterruptHandlers`).
nonisolated(unsafe) private var interruptSignal: Int32 = 0
/// How many scopes catch SIGINT and SIGTERM now, on any thread (running pools, and `WorkerPool.catchingInterrupts`):
/// a signal that comes while none does ends the process as it would without the handlers (an import, a report).
private let catchingScopes = Atomic<Int>(0)

/// Runs worker processes, at most `parallelism` tasks at once (once asked, each a copy of a `WorkerTemplate`),
/// each with a time limit. A worker that crashes, hangs or exits early costs only its own task.
public final class WorkerPool {
    /// Makes SIGINT and SIGTERM stop running pools: their workers are killed and `run` throws, so callers'
    /// clean-up (temporary folders) runs and no worker is left behind. While no pool runs and no
    /// `catchingInterrupts` scope is open, either signal ends the process at once, as it would without the handler.
    /// A signal the process was started ignoring stays ignored (a shell's background job ignores SIGINT); one it was
    /// started blocking is unblocked (a parent's mask says nothing of what the user wants of Ctrl-C).
    public static func installInterruptHandlers() {
        // Touched here, not first in the handler: a global's first use may initialise it, which a handler must not.
        _ = catchingScopes.load(ordering: .sequentiallyConsistent)
        for signal in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(signal, nil, &current)
            if let handler = current.__sigaction_handler.sa_handler,
               unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            var unblocked = sigset_t()
            sigemptyset(&unblocked)
            sigaddset(&unblocked, signal)
            pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
            Glibc.signal(signal) { received in
                // Only async-signal-safe calls here: an atomic load, signal and raise.
                if catchingScopes.load(ordering: .sequentiallyConsistent) == 0 {
                    Glibc.signal(received, SIG_DFL)
                    raise(received)
                } else {
                    interruptSignal = received
                }
            }
        }
    }

    /// Runs `body` with SIGINT and SIGTERM caught: a signal stops the pools running in it and any it starts after,
    /// and is thrown at its end if nothing threw it before, so that clean-up in `body` (a run's work folder) runs.
    public static func catchingInterrupts<Result>(_ body: () throws -> Result) throws -> Result {
        catchingScopes.add(1, ordering: .sequentiallyConsistent)
        defer { catchingScopes.subtract(1, ordering: .sequentiallyConsistent) }
        let result = try body()
        if interruptSignal != 0 { throw FairlabError("interrupted by \(signalName(interruptSignal))") }
        return result
    }

    let executable: String
    let parallelism: Int
    let timeout: Double
    let environment: [String: String]
    let memoryLimitMB: Int
    /// Whether the pool starts its tasks from a `WorkerTemplate`: from the first `startTemplate` on.
    private var usesTemplate = false
    /// The worker template, while one runs.
    private(set) var template: WorkerTemplate?
    /// How many tasks started as copies of the template rather than as processes spawned for them.
    private(set) var tasksStartedFromTemplate = 0
    /// Templates that failed to start a task since one last did.
    private var failedTemplates = 0

    /// A pool running `executable`; `environment` is added to the workers' environment, and `memoryLimitMB`
    /// (0 for none) caps each worker's address space (applied by the worker itself, see `WorkerEntry`).
    ///
    /// Workers run with one BLAS thread, on the BLAS kernels of the processor (`BLAS.workerCoreType`),
    /// without the Swift runtime's crash backtracer: a crash is reported by its signal and the worker's last line
    /// of its own (a plugin's message, a Swift fatal error), not by the backtracer's closing "Backtrace took 0.03s";
    /// and with glibc's allocator keeping the memory a worker frees (`allocatorTunables`).
    public init(executable: String, parallelism: Int, timeout: Double, memoryLimitMB: Int = 0, environment: [String: String] = [:]) {
        self.executable = executable
        self.parallelism = max(1, parallelism)
        self.timeout = timeout
        self.memoryLimitMB = memoryLimitMB
        self.environment = [
            "OPENBLAS_NUM_THREADS": "1", "SWIFT_BACKTRACE": "enable=no", WorkerEntry.hostVariable: String(getpid()),
            "GLIBC_TUNABLES": Self.workerTunables(host: ProcessInfo.processInfo.environment["GLIBC_TUNABLES"]),
        ]
            .merging(BLAS.workerCoreType().map { ["OPENBLAS_CORETYPE": $0] } ?? [:]) { $1 }
            .merging(environment) { $1 }
            .merging(memoryLimitMB > 0 ? [WorkerEntry.memoryLimitVariable: String(memoryLimitMB)] : [:]) { $1 }
    }

    deinit {
        template?.discard()
    }

    /// Starts a worker template (`WorkerTemplate`; `executable` must be fairlab's), from which every task the pool
    /// starts from then on, across `run`s, is a copy, until the pool goes and stops it; a template that dies is
    /// replaced. Called when a core is about to be free: the template's start should not take one from work
    /// already running. A template serves only the thread that started it (the kernel kills a worker when the
    /// thread that spawned it ends); another thread's task is spawned.
    public func startTemplate() {
        usesTemplate = true
        if template == nil { template = spawnTemplate(environment: workerEnvironment()) }
    }

    /// glibc's allocator settings for workers. By default an allocation of 128 KiB or more (a column of a few
    /// thousand rows) is mapped fresh from the kernel and unmapped when freed, so every such array a fit makes, and
    /// makes again each iteration, costs a page fault per 4 KiB written, each page zeroed by the kernel first. A
    /// worker lives for one job: allocations below 32 MiB (glibc's own ceiling for the threshold it raises as a
    /// process frees large blocks) come from its heap, which keeps what is freed for the next allocation, and the
    /// heap is backed by huge pages where the kernel offers them on request; larger ones are still mapped and
    /// unmapped, so a job's address space, which `--memory-limit` caps, grows by no more than the heap's holes among
    /// blocks of under 32 MiB. On Adult this took the page faults of a compare run without the two slowest methods
    /// from 399,000 to 134,000.
    static let allocatorTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.hugetlb=1"

    /// The workers' GLIBC_TUNABLES: the pool's, then the host's own if it has any, which win (glibc takes the last
    /// value given for each tunable).
    static func workerTunables(host: String?) -> String {
        [allocatorTunables, host].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
    }

    /// The workers' environment: the host's, with the pool's additions.
    private func workerEnvironment() -> [String] {
        ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
    }

    /// Peak resident memory in MiB at which a failure is put down to the memory limit. The limit is on address
    /// space, of which the runtime and libraries reserve a good part that is never resident, hence one half.
    private var memoryLimitThresholdMB: Int { memoryLimitMB / 2 }

    /// Runs every task; calls `finished` (on this thread) as each ends, with nil on a clean exit. A clean exit
    /// whose reply reports an error is the caller's to read; `reachedMemoryLimit` tells it whether the worker's
    /// peak memory came near its limit. `tick` is called about every `tickInterval` seconds while workers
    /// run (to relay progress). Once `cancellation` is set, the running workers are killed and `run` throws.
    public func run(
        _ tasks: [WorkerTask], cancellation: WorkerCancellation? = nil, tick: () -> Void = {}, finished: (Int, WorkerFailure?) -> Void
    ) throws {
        lastPeakMemoryMB = [:]
        lastRunSeconds = [:]
        precondition(tasks.indices.allSatisfy { index in tasks[index].dependencies.allSatisfy { $0 < index } }, "a task depends on a later one")
        catchingScopes.add(1, ordering: .sequentiallyConsistent)
        defer { catchingScopes.subtract(1, ordering: .sequentiallyConsistent) }
        var ended = Set<Int>()
        // Tasks start in order, except that one whose dependencies have not ended waits aside (dependencies point
        // backwards, so some task is always ready while any is pending).
        var nextTask = 0
        var waiting: [Int] = []
        func nextReady() -> Int? {
            if let position = waiting.firstIndex(where: { tasks[$0].dependencies.allSatisfy(ended.contains) }) {
                return waiting.remove(at: position)
            }
            while nextTask < tasks.count {
                let index = nextTask
                nextTask += 1
                if tasks[index].dependencies.allSatisfy(ended.contains) { return index }
                waiting.append(index)
            }
            return nil
        }
        var running: [pid_t: RunningWorker] = [:]
        let environmentStrings = workerEnvironment()
        var lastTick = Date()

        while nextTask < tasks.count || !waiting.isEmpty || !running.isEmpty {
            let cancelled = cancellation?.isCancelled ?? false
            if interruptSignal != 0 || cancelled {
                for (pid, worker) in running { Self.stop(pid, worker) }
                throw FairlabError(cancelled ? "cancelled; \(running.count) running workers stopped"
                                             : "interrupted by \(Self.signalName(interruptSignal)); \(running.count) running workers stopped")
            }
            while running.count < parallelism, let index = nextReady() {
                switch start(tasks[index], environment: environmentStrings) {
                case .success(let pid): running[pid] = RunningWorker(index: index, started: Date(), exitDescriptor: fairlab_pidfd_open(pid))
                case .failure(let failure):
                    ended.insert(index)
                    finished(index, failure)
                }
                if usesTemplate, template == nil { template = spawnTemplate(environment: environmentStrings) }
            }
            var progressed = false
            let now = Date()
            for (pid, worker) in running {
                let task = tasks[worker.index]
                // Sampled before reaping: once the worker has exited its memory figures are gone.
                if now.timeIntervalSince(worker.sampled) >= Self.sampleInterval {
                    running[pid]!.sample(pid: pid, logPath: task.stallTimeout == nil ? nil : task.logPath, at: now)
                }
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    let worker = running.removeValue(forKey: pid)!
                    worker.closeExitDescriptor()
                    progressed = true
                    var failure = Self.failure(fromWaitStatus: status, logPath: task.logPath)
                    lastPeakMemoryMB[worker.index] = worker.peakKilobytes / 1024
                    lastRunSeconds[worker.index] = now.timeIntervalSince(worker.started)
                    if let reason = failure, reachedMemoryLimit(worker.index) {
                        failure = .memoryLimit(peakMegabytes: worker.peakKilobytes / 1024, limitMegabytes: memoryLimitMB, then: reason)
                    }
                    ended.insert(worker.index)
                    finished(worker.index, failure)
                    continue
                }
                let stalled = task.stallTimeout.map { now.timeIntervalSince(running[pid]!.lastProgress) > $0 } ?? false
                if now.timeIntervalSince(worker.started) > timeout || stalled {
                    Self.stop(pid, running.removeValue(forKey: pid)!)
                    lastRunSeconds[worker.index] = now.timeIntervalSince(worker.started)
                    progressed = true
                    ended.insert(worker.index)
                    finished(worker.index, stalled ? .stalled(task.stallTimeout!) : .timeout(timeout))
                }
            }
            if now.timeIntervalSince(lastTick) >= Self.tickInterval {
                lastTick = now
                tick()
            }
            if !progressed {
                // Until a worker exits (its pidfd turns readable) or the next memory sample is due; where the kernel
                // has no pidfds, a short sleep. A signal interrupts either, and the loop's first check sees it.
                let descriptors = running.values.map(\.exitDescriptor)
                if !descriptors.isEmpty && !descriptors.contains(-1) {
                    _ = fairlab_wait_readable(descriptors, Int32(descriptors.count), Int32(Self.sampleInterval * 1000))
                } else {
                    usleep(2_000)
                }
            }
        }
    }

    /// Kills a running worker and whatever it started (its process group), and reaps it.
    private static func stop(_ pid: pid_t, _ worker: RunningWorker) {
        killAndReap(pid)
        worker.closeExitDescriptor()
    }

    /// Kills a worker and its process group, and reaps it.
    static func killAndReap(_ pid: pid_t) {
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Seconds between samples of a running worker's peak memory and log size.
    static let sampleInterval = 0.02
    /// Seconds between calls of `run`'s `tick`.
    static let tickInterval = 2.0

    /// A worker that is running: which task, since when, and what sampling it has seen.
    private struct RunningWorker {
        let index: Int
        let started: Date
        var sampled = Date.distantPast
        /// The worker's own peak resident memory (VmHWM), in KiB.
        var peakKilobytes = 0
        var logSize: UInt64 = 0
        var lastProgress: Date
        /// The worker's pidfd, readable once it exits (-1 where the kernel has none).
        let exitDescriptor: Int32

        init(index: Int, started: Date, exitDescriptor: Int32) {
            self.index = index
            self.started = started
            self.exitDescriptor = exitDescriptor
            lastProgress = started
        }

        func closeExitDescriptor() {
            if exitDescriptor >= 0 { close(exitDescriptor) }
        }

        /// Reads the worker's peak resident memory from /proc (its own: `getrusage` of a child spawned with
        /// vfork reports the parent's peak, which the kernel carries across exec), and its log's growth.
        mutating func sample(pid: pid_t, logPath: String?, at now: Date) {
            sampled = now
            if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kilobytes = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") {
                peakKilobytes = max(peakKilobytes, kilobytes)
            }
            if let logPath, let size = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? NSNumber)?.uint64Value,
               size > logSize {
                logSize = size
                lastProgress = now
            }
        }
    }

    /// Peak resident memory (MiB) of each task of the last `run`, by task index.
    public private(set) var lastPeakMemoryMB: [Int: Int] = [:]

    /// Seconds each task's worker of the last `run` ran, from its start to its exit or its kill, by task index.
    public private(set) var lastRunSeconds: [Int: Double] = [:]

    /// Whether task `index` of the last run peaked near the memory limit (so an error it reported, such as a
    /// failed allocation, is best explained by the limit).
    public func reachedMemoryLimit(_ index: Int) -> Bool {
        memoryLimitMB > 0 && (lastPeakMemoryMB[index] ?? 0) >= memoryLimitThresholdMB
    }

    /// Starts `task`'s worker: a copy of the template, if one runs and starts it, else a process spawned for it.
    private func start(_ task: WorkerTask, environment: [String]) -> Result<pid_t, WorkerFailure> {
        // The log is created here, whichever process runs the task: a task that fails to start leaves an empty log,
        // not a missing or an old one, and a log that cannot be created fails the task with its path (the template
        // serves the next).
        let log: Int32
        switch Self.createLog(task.logPath) {
        case .success(let descriptor): log = descriptor
        case .failure(let failure): return .failure(failure)
        }
        defer { close(log) }
        if let template {
            if let pid = template.start(task) {
                tasksStartedFromTemplate += 1
                failedTemplates = 0
                return .success(pid)
            }
            self.template = nil
            // One the kernel will not let copy itself, or the second in a row to fail, is not replaced: every task
            // would pay for a template's start too.
            failedTemplates += 1
            if template.cannotCopy || failedTemplates >= 2 { usesTemplate = false }
            template.discard()
            // Whatever a copy wrote before the template failed is not this task's.
            ftruncate(log, 0)
        }
        return spawn(task.arguments, log: log, environment: environment)
    }

    /// `path` created (or truncated) for a worker's output, open at a descriptor above 2: one of 0–2 (a host
    /// started with its standard descriptors closed) would be overwritten by the child's own, or keep its
    /// close-on-exec flag through a dup2 onto itself.
    private static func createLog(_ path: String) -> Result<Int32, WorkerFailure> {
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else { return .failure(.spawnFailed("cannot create its log \(path): \(String(cString: strerror(errno)))")) }
        guard opened <= 2 else { return .success(opened) }
        let moved = fcntl(opened, F_DUPFD_CLOEXEC, 3)
        let reason = errno
        close(opened)
        guard moved >= 0 else { return .failure(.spawnFailed("cannot keep its log \(path) open: \(String(cString: strerror(reason)))")) }
        return .success(moved)
    }

    /// A new worker template, or nil if none can start (the tasks are then spawned).
    private func spawnTemplate(environment: [String]) -> WorkerTemplate? {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return nil }
        // The worker's end goes to descriptor 3. It is first moved above 3: one below (a host started with its
        // standard descriptors closed) would be overwritten by the child's log and input, and one at 3 would keep
        // its close-on-exec flag through a dup2 onto itself.
        let moved = fcntl(ends[1], F_DUPFD_CLOEXEC, WorkerTemplate.taskDescriptor + 1)
        close(ends[1])
        ends[1] = moved
        defer { if ends[1] >= 0 { close(ends[1]) } }
        // Its output goes nowhere; each copy opens its task's log.
        guard ends[1] >= 0, case .success(let log) = Self.createLog("/dev/null") else {
            close(ends[0])
            return nil
        }
        defer { close(log) }
        guard case .success(let pid) = spawn(["worker", "template"], log: log, environment: environment, taskSocket: ends[1]) else {
            close(ends[0])
            return nil
        }
        return WorkerTemplate(pid: pid, socket: ends[0], spawningThread: pthread_self())
    }

    /// Spawns `executable` with `arguments`, its output to `log` (a descriptor above 2, from `createLog`), and
    /// (for a template) `taskSocket` as its descriptor 3.
    private func spawn(_ arguments: [String], log: Int32, environment: [String], taskSocket: Int32? = nil) -> Result<pid_t, WorkerFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let taskSocket { posix_spawn_file_actions_adddup2(&actions, taskSocket, WorkerTemplate.taskDescriptor) }
        let closing = fairlab_spawn_close_inherited(&actions, taskSocket == nil ? 3 : WorkerTemplate.taskDescriptor + 1)
        guard closing == 0 else { return .failure(.spawnFailed(String(cString: strerror(closing)))) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout kills whatever the plugin started too; and every signal unblocked
        // and at its default action, whatever the host's threads block or ignore, so a worker dies of the
        // signal that kills it and reports it.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = HDF5File.spawning { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard result == 0 else { return .failure(.spawnFailed(String(cString: strerror(result)))) }
        return .success(pid)
    }

    private static func failure(fromWaitStatus status: Int32, logPath: String) -> WorkerFailure? {
        let signal = status & 0x7f
        if signal != 0 { return .signal(signal, lastLogLine: lastLogLine(logPath)) }
        let exitStatus = (status >> 8) & 0xff
        return exitStatus == 0 ? nil : .exitStatus(exitStatus, lastLogLine: lastLogLine(logPath))
    }

    /// The last non-empty line a worker logged (a Swift trap's message, a plugin's complaint), shortened.
    /// Stack frames and the runtime's crash-report headers are passed over: the line wanted is what went wrong
    /// ("Fatal error: …", "malloc failed"), not frame 21 of a stack dump.
    static func lastLogLine(_ path: String) -> String {
        let lines = logTail(path, bytes: 16_384).map { $0.trimmingCharacters(in: .whitespaces) }
        let line = lines.last { !isCrashReportNoise($0) } ?? ""
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    /// Whether a log line belongs to a stack dump rather than to the worker's own words: a frame
    /// ("21  fairlab  0x000055ac6a3cfe91 <unavailable> + 179857", "#3 0x… in …", "at /path:12"), or a header the
    /// Swift runtime prints around one.
    static func isCrashReportNoise(_ line: String) -> Bool {
        let headers = ["Current stack trace:", "Stack dump:", "Backtrace took", "*** Program crashed", "💣 Program crashed", "Thread 0 crashed:"]
        if headers.contains(where: line.hasPrefix) { return true }
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first else { return true }
        let numbered = first.drop(while: { $0 == "#" }).allSatisfy(\.isNumber)
        return numbered && words.dropFirst().contains { $0.hasPrefix("0x") }
    }

    /// The non-empty lines of the last `bytes` of a worker's log: only the tail, since a chatty plugin's log may
    /// be large.
    public static func logTail(_ path: String, bytes: UInt64 = 65_536) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > bytes ? size - bytes : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    }

    /// The conventional name of a signal, e.g. "SIGSEGV (segmentation fault)".
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL",
            SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP", SIGXCPU: "SIGXCPU", SIGINT: "SIGINT",
        ]
        let description = strsignal(signal).map { String(cString: $0).lowercased() } ?? "unknown"
        return "\(names[signal] ?? "signal \(signal)") (\(description))"
    }

    static func format(_ seconds: Double) -> String { String(format: "%g", seconds) }
}
