import CSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`, where Foundation's `Process` must not be used: in a
/// process with many files open.
///
/// `Process.run()` on Linux finds the highest open descriptor by reading `/proc/self/fd`, copying 256
/// bytes of each entry's name whatever its length (swift-corelibs-foundation #5472). When the last entry
/// lies near the end of a mapped page, the copy reads past it and the whole process crashes: now and
/// then in a test runner with hundreds of tests and their sockets in flight, which is where the tests
/// and the lab start their services. `posix_spawn` has glibc close every descriptor above standard error
/// in the child (`closefrom`), and one thread per child waits for its exit, so the exit is awaited,
/// never polled.
package final class SpawnedProcess: Sendable {
    /// Where the child's standard output or error goes.
    package enum Output: Sendable, Equatable {
        /// Discarded (`/dev/null`).
        case discard
        /// Appended to the file, which is created when missing.
        case file(URL)
        /// The parent's own.
        case inherit
    }

    /// How the child ended.
    package enum Exit: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or the negated signal, for callers that keep one number.
        package var code: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): -signal
            }
        }
    }

    package let pid: pid_t
    private let state = Mutex(State())

    private struct State {
        var exit: Exit?
        /// Waiters by ticket; a ticket cancelled before its waiter arrived is in `cancelled`.
        var waiting: [Int: CheckedContinuation<Exit, any Error>] = [:]
        var cancelled: Set<Int> = []
        var nextTicket = 0
        /// Threads blocked in `waitUntilExit`.
        var blocked: [DispatchSemaphore] = []
    }

    /// Starts `executable` with `arguments`; its standard input is `/dev/null`.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil for this process's.
    ///   - error: where standard error goes; nil for the same place as standard output.
    package init(
        executable: URL, arguments: [String], environment: [String: String]? = nil, output: Output = .inherit,
        error: Output? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        try Self.redirect(STDOUT_FILENO, to: output, in: &actions)
        if let error {
            try Self.redirect(STDERR_FILENO, to: error, in: &actions)
        } else if output != .inherit {
            posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        }
        c_spawn_file_actions_addclosefrom(&actions, STDERR_FILENO + 1)

        // Signals back to their defaults and none blocked: the child must not inherit a runtime's
        // ignored SIGPIPE nor a blocked SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = environmentLines.map { strdup($0) } + [nil]
        defer { for line in envp { free(line) } }

        var pid = pid_t()
        let failed = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard failed == 0 else { throw SpawnError(executable: executable.path, code: failed) }
        self.pid = pid
        let thread = Thread { [self] in self.reap() }
        thread.name = "reap \(pid)"
        thread.start()
    }

    private static func redirect(_ descriptor: Int32, to output: Output, in actions: inout posix_spawn_file_actions_t) throws {
        switch output {
        case .inherit:
            break
        case .discard:
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
        case .file(let url):
            posix_spawn_file_actions_addopen(&actions, descriptor, url.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
    }

    /// Blocks its own thread until the child exits, then tells every waiter.
    ///
    /// The child is reaped under the lock `send` holds, having been waited for without reaping
    /// (`WNOWAIT`): its pid, which the system may give to another process once it is reaped, is never
    /// signalled after that.
    private func reap() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        let (exit, waiting, blocked) = state.withLock { state in
            var status: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(pid, &status, 0) } while reaped == -1 && errno == EINTR
            // WIFSIGNALED, WTERMSIG and WEXITSTATUS, which Swift cannot import (they are macros).
            let signal = status & 0x7f
            let exit: Exit = reaped == -1 ? .exited(-1) : signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            state.exit = exit
            defer {
                state.waiting = [:]
                state.blocked = []
            }
            return (exit, Array(state.waiting.values), state.blocked)
        }
        for continuation in waiting { continuation.resume(returning: exit) }
        for thread in blocked { thread.signal() }
    }

    /// How it ended; nil while it runs.
    package var exit: Exit? { state.withLock { $0.exit } }

    package var isRunning: Bool { exit == nil }

    /// Waits until the child exits.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled first (the child runs on).
    package func waitForExit() async throws -> Exit {
        let ticket = state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLock { state -> Result<Exit, any Error>? in
                    if let exit = state.exit { return .success(exit) }
                    if state.cancelled.remove(ticket) != nil { return .failure(CancellationError()) }
                    state.waiting[ticket] = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiting.removeValue(forKey: ticket) else {
                    if state.exit == nil { state.cancelled.insert(ticket) }
                    return nil as CheckedContinuation<Exit, any Error>?
                }
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Blocks the calling thread until the child exits: for synchronous code only, never on a task.
    package func waitUntilExit() -> Exit {
        let exited = DispatchSemaphore(value: 0)
        if let exit = state.withLock({ state -> Exit? in
            if state.exit == nil { state.blocked.append(exited) }
            return state.exit
        }) {
            return exit
        }
        exited.wait()
        return exit ?? .exited(-1)
    }

    /// Waits until the child exits, or `timeout` passes (nil then: the child runs on).
    package func waitForExit(timeout: Duration) async -> Exit? {
        await withTaskGroup(of: Exit?.self) { group in
            group.addTask { try? await self.waitForExit() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// SIGTERM, and SIGKILL when it has not exited after `grace`; returns how it ended.
    @discardableResult
    package func terminate(grace: Duration = .seconds(20)) async -> Exit {
        send(SIGTERM)
        if let exit = await waitForExit(timeout: grace) { return exit }
        send(SIGKILL)
        // A SIGKILLed process always ends; only an uninterruptible wait in the kernel delays it.
        return (try? await waitForExit()) ?? .signalled(SIGKILL)
    }

    /// Sends `signal` while the child runs (never to a pid the system may have given to another since).
    package func send(_ signal: Int32) {
        state.withLock { state in
            if state.exit == nil { _ = kill(pid, signal) }
        }
    }
}

/// `posix_spawn` could not start a program.
package struct SpawnError: Error, CustomStringConvertible {
    package var executable: String
    package var code: Int32

    package var description: String { "cannot run \(executable): \(String(cString: strerror(code)))" }
}
