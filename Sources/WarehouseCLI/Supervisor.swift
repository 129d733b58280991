import Foundation
import Inventory
import Logging
import ServiceLifecycle
import Synchronization
import WarehouseKit

/// What the supervisor starts: a service, and the arguments to this same executable that run it.
struct ChildSpec: Sendable {
    var name: ServiceName
    /// Which process of the service it is: `order`, or `order-2` and `order-balancer` under
    /// `--replicas`. Its pid file and its log lines are named so.
    var instance: String
    /// What it runs: nil for this very executable (`warehouse serve …`), else another program (HAProxy).
    var executable: URL?
    var arguments: [String]
    /// Settings passed in the environment rather than on the command line (secrets).
    var environment: [String: String]
    /// Where it serves: ready once `/health/ready` there answers 200 with a report of `name`.
    var url: URL
    /// Services that must be ready before its first start (`ServiceDescriptor.startsAfter`).
    var startsAfter: [ServiceEndpoint] = []

    var endpoint: ServiceEndpoint { ServiceEndpoint(name: name, url: url) }

    init(
        name: ServiceName, instance: String? = nil, executable: URL? = nil, arguments: [String], environment: [String: String],
        url: URL, startsAfter: [ServiceEndpoint] = []
    ) {
        self.name = name
        self.instance = instance ?? name.rawValue
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.url = url
        self.startsAfter = startsAfter
    }
}

/// Runs each child as its own process, restarts one that dies (at once if it had become ready, with a
/// growing backoff if it keeps dying before that), and on graceful shutdown
/// sends every child SIGTERM, waiting for it to finish (SIGKILL after `stopTimeout`).
///
/// Each child's pid is written to `DIR/run/<instance>.pid` while it runs, and where it serves to
/// `DIR/run/<instance>.url` (a replica's own port, behind its balancer), for tests and operators.
final class Supervisor: Service, Sendable {
    static let pidEnvironmentKey = "WAREHOUSE_SUPERVISOR_PID"

    let children: [ChildSpec]
    let runDirectory: URL
    let logger: Logger
    let restartBackoff = Backoff(base: .milliseconds(200), cap: .seconds(5))
    let stopTimeout: Duration = .seconds(10)
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        /// Pids of the children running now, by instance.
        var running: [String: Int32] = [:]
    }

    init(children: [ChildSpec], runDirectory: URL, logger: Logger) {
        self.children = children
        self.runDirectory = runDirectory
        self.logger = logger
    }

    func run() async throws {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for child in children {
                    group.addTask { await self.supervise(child) }
                }
            }
        } onGracefulShutdown: {
            self.stopAll()
        }
    }

    /// Keeps one child running until the supervisor stops.
    private func supervise(_ child: ChildSpec) async {
        // Only the first start waits: a restart must not depend on another service being up.
        do {
            try await ReadinessProbe.ready.waitUntilUp(child.startsAfter, timeout: nil) {
                if isStopping { throw CancellationError() }
            }
        } catch {
            return
        }
        var failures = 0
        while !isStopping {
            let status: Int32
            var becameReady = false
            do {
                (status, becameReady) = try await runOnce(child)
            } catch {
                logger.error("could not start child", metadata: ["child": "\(child.instance)", "error": "\(error)"])
                status = -1
            }
            if isStopping { break }
            failures = Self.failedStarts(after: status, becameReady: becameReady, before: failures)
            let delay = failures == 0 ? .zero : restartBackoff.ceiling(attempt: failures - 1)
            logger.warning(
                "child exited; restarting",
                metadata: ["child": "\(child.instance)", "status": "\(status)", "restart_in_ms": "\(Int(delay.seconds * 1000))"]
            )
            try? await Task.sleep(for: delay)
        }
    }

    /// How many starts in a row have failed once a child exited with `status`, `before` having failed
    /// before it; the restart waits longer for each.
    ///
    /// A child that served and then died (a crash, a kill) is back at once: every second it is down,
    /// orders wait. One that dies before it is ready (a port taken, a bad database) would only die
    /// again, so it waits longer each time. A chaos crash after commit was serving even when it came
    /// before the readiness probe saw the child (a restarted inventory gets the retries of every call
    /// its predecessor failed at once, and one of them may crash it again within milliseconds).
    static func failedStarts(after status: Int32, becameReady: Bool, before: Int) -> Int {
        becameReady || status == ChaosControl.crashExitStatus ? 0 : before + 1
    }

    /// Starts the child and waits for it to exit; returns its exit status (or signal number) and whether
    /// it answered its readiness probe while it ran.
    private func runOnce(_ child: ChildSpec) async throws -> (status: Int32, becameReady: Bool) {
        let process = Process()
        process.executableURL = child.executable ?? Self.executableURL
        process.arguments = child.arguments
        process.environment = Self.environment(of: child, inheriting: ProcessInfo.processInfo.environment)
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        guard !isStopping else { return (0, false) }
        try process.run()
        let pid = process.processIdentifier
        let stoppedMeanwhile = state.withLock { state in
            state.running[child.instance] = pid
            return state.stopping
        }
        // Shutdown began while the child was starting: it has missed the SIGTERM, so send it now.
        if stoppedMeanwhile { kill(pid, SIGTERM) }
        let pidFile = runDirectory.appendingPathComponent("\(child.instance).pid")
        let urlFile = runDirectory.appendingPathComponent("\(child.instance).url")
        try? "\(child.url.absoluteString)\n".write(to: urlFile, atomically: true, encoding: .utf8)
        try? "\(pid)\n".write(to: pidFile, atomically: true, encoding: .utf8)
        logger.info("\(LogMessage.childStarted)", metadata: ["child": "\(child.instance)", "pid": "\(pid)"])
        let ready = Task { await Self.waitUntilReady(child) }
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        ready.cancel()
        let becameReady = await ready.value
        state.withLock { state in
            if state.running[child.instance] == pid { state.running[child.instance] = nil }
        }
        try? FileManager.default.removeItem(at: pidFile)
        try? FileManager.default.removeItem(at: urlFile)
        return (status, becameReady)
    }

    /// Probes `child` until it is ready (true) or the task is cancelled (false).
    private static func waitUntilReady(_ child: ChildSpec) async -> Bool {
        (try? await ReadinessProbe.ready.waitUntilUp([child.endpoint], timeout: nil)) != nil
    }

    /// A child's environment: this process's, without any `WAREHOUSE_*` setting (the child is given all
    /// of its settings on its command line, so nothing meant for another service, such as a
    /// `WAREHOUSE_DATABASE_URL`, reaches it), plus its secrets and the supervisor's pid.
    static func environment(of child: ChildSpec, inheriting inherited: [String: String]) -> [String: String] {
        var environment = inherited.filter { !$0.key.hasPrefix("WAREHOUSE_") }
        environment.merge(child.environment) { _, secret in secret }
        environment[pidEnvironmentKey] = String(getpid())
        return environment
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// SIGTERM to every child now; SIGKILL to any still running after `stopTimeout`.
    private func stopAll() {
        let pids = state.withLock { state in
            state.stopping = true
            return Array(state.running.values)
        }
        for pid in pids {
            logger.info("stopping child", metadata: ["pid": "\(pid)"])
            kill(pid, SIGTERM)
        }
        let timeout = stopTimeout
        Task {
            try? await Task.sleep(for: timeout)
            let stragglers = self.state.withLock { Array($0.running.values) }
            for pid in stragglers where pids.contains(pid) {
                self.logger.warning("child ignored SIGTERM; killing it", metadata: ["pid": "\(pid)"])
                kill(pid, SIGKILL)
            }
        }
    }

    /// This very executable, so children run the same build as the supervisor.
    static var executableURL: URL {
        #if os(Linux)
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
            Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        #endif
    }
}
