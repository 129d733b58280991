import Foundation
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// One service run with `warehouse serve <service>` as a container runs it, for tests that signal it
/// themselves and watch how it stops (the lab's `ServiceLauncher` only ever stops it for them).
final class ServiceProcess: Sendable {
    let url: String
    let dataDirectory: URL
    private let process: SpawnedProcess
    private let logFile: URL

    private init(url: String, dataDirectory: URL, process: SpawnedProcess, logFile: URL) {
        self.url = url
        self.dataDirectory = dataDirectory
        self.process = process
        self.logFile = logFile
    }

    /// Starts `warehouse serve <service> --port <port> --data-dir <dir> <arguments>` and returns once
    /// `isLive` says it serves.
    ///
    /// - Parameter openFileLimit: the process's limit of open files (`ulimit -n`), when it must be lower
    ///   than this one's.
    static func start(
        _ service: String, port: Int, dataDirectory: URL, arguments: [String] = [], environment: [String: String] = [:],
        openFileLimit: Int? = nil, isLive: @escaping @Sendable (String) async -> Bool
    ) async throws -> ServiceProcess {
        let command = ["serve", service, "--port", "\(port)", "--data-dir", dataDirectory.path] + arguments
        let logFile = dataDirectory.appendingPathComponent("\(service)-\(UUID().uuidString.prefix(8)).log")
        let process = try SpawnedProcess(
            // The shell lowers its own limit, then becomes the service (same pid).
            executable: openFileLimit == nil ? try SystemLauncher.binary() : URL(fileURLWithPath: "/bin/sh"),
            arguments: openFileLimit.map { ["-c", "ulimit -n \($0) && exec \"$0\" \"$@\"", try SystemLauncher.binary().path] + command }
                ?? command,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }, output: .file(logFile))
        let started = ServiceProcess(
            url: "http://127.0.0.1:\(port)", dataDirectory: dataDirectory, process: process, logFile: logFile)
        do {
            try await eventually("\(service) serves /health/live", timeout: .seconds(60)) {
                guard process.isRunning else { throw LabError.exited(started.log()) }
                return await isLive(started.url)
            }
        } catch {
            await started.stop()
            throw error
        }
        return started
    }

    var isRunning: Bool { process.isRunning }

    var pid: Int32 { process.pid }

    /// How many files the process has open now (`/proc/PID/fd`).
    var openFiles: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// Sends `signal` to the process, as an orchestrator does (SIGTERM to stop a container).
    func signal(_ signal: Int32) {
        process.send(signal)
    }

    /// Waits for the process to exit on its own and returns its exit status (the negated signal when a
    /// signal ended it).
    func waitForExit(timeout: Duration) async throws -> Int32 {
        guard let exit = await process.waitForExit(timeout: timeout) else { throw LabError.timedOut("\(url) exits") }
        return exit.code
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 30 s).
    func stop() async {
        await process.terminate(grace: .seconds(30))
    }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}
