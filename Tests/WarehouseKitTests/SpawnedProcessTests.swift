import Foundation
import Testing
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

@Suite("A child started with posix_spawn", .timeLimit(.minutes(5)))
struct SpawnedProcessTests {
    static let shell = URL(fileURLWithPath: "/bin/sh")

    @Test("its exit status, its output in a file, and the environment it was given")
    func exitStatusOutputAndEnvironment() async throws {
        try await withTemporaryFile { output in
            let child = try SpawnedProcess(
                executable: Self.shell, arguments: ["-c", "echo \"$GREETING\"; echo oops >&2; exit 3"],
                environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"], output: .file(output))
            #expect(try await child.waitForExit() == .exited(3))
            #expect(!child.isRunning)
            #expect(try String(contentsOf: output, encoding: .utf8) == "hello\noops\n")
        }
    }

    @Test("it gets none of the parent's descriptors above standard error, close-on-exec or not")
    func inheritsNoDescriptors() async throws {
        try await withTemporaryFile { marker in
            try await withTemporaryFile { output in
                // Opened without O_CLOEXEC: Foundation's `Process` closed such descriptors by hand.
                let inheritable = Glibc.open(marker.path, O_RDONLY)
                defer { close(inheritable) }
                #expect(inheritable > 2)
                let child = try SpawnedProcess(executable: URL(fileURLWithPath: "/bin/ls"), arguments: ["-l", "/proc/self/fd"], output: .file(output))
                #expect(try await child.waitForExit() == .exited(0))
                let listing = try String(contentsOf: output, encoding: .utf8)
                #expect(listing.contains(output.lastPathComponent), "standard output is the file: \(listing)")
                #expect(!listing.contains(marker.lastPathComponent), "the child holds the parent's file: \(listing)")
            }
        }
    }

    @Test("a signal ends it and says so; a wait with a timeout gives up on a child that runs on")
    func signalsAndTimeouts() async throws {
        let child = try SpawnedProcess(executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["60"], output: .discard)
        #expect(await child.waitForExit(timeout: .milliseconds(50)) == nil)
        #expect(child.isRunning)
        child.send(SIGTERM)
        #expect(try await child.waitForExit() == .signalled(SIGTERM))
        #expect(SpawnedProcess.Exit.signalled(SIGTERM).code == -SIGTERM)
        // After the exit, a signal goes nowhere: the pid may be another process's by now.
        child.send(SIGKILL)
    }

    @Test("terminate sends SIGKILL to a child that ignores SIGTERM, once its grace is over")
    func terminateEscalates() async throws {
        try await withTemporaryFile { output in
            let child = try SpawnedProcess(
                executable: Self.shell, arguments: ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"],
                output: .file(output))
            // Waits for the trap to be set, which the shell says once it has.
            while (try? String(contentsOf: output, encoding: .utf8)) != "ready\n" {
                #expect(child.isRunning)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await child.terminate(grace: .milliseconds(200)) == .signalled(SIGKILL))
        }
    }

    @Test("a cancelled wait returns at once and leaves the child running")
    func cancelledWait() async throws {
        let child = try SpawnedProcess(executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["60"], output: .discard)
        let waiter = Task { try await child.waitForExit() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(child.isRunning)
        #expect(await child.terminate(grace: .seconds(10)) == .signalled(SIGTERM))
    }

    @Test("a program that cannot run is an error, not a child")
    func missingProgram() {
        #expect(throws: SpawnError.self) {
            try SpawnedProcess(executable: URL(fileURLWithPath: "/nonexistent/program"), arguments: [])
        }
    }

    @Test("a synchronous caller can block until the exit")
    func blockingWait() throws {
        let child = try SpawnedProcess(executable: Self.shell, arguments: ["-c", "exit 7"], output: .discard)
        #expect(child.waitUntilExit() == .exited(7))
    }

    private func withTemporaryFile(_ body: (URL) async throws -> Void) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spawned-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        try await body(file)
    }
}
