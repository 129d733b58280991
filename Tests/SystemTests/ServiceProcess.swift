import Foundation
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// One service run with `warehouse serve <service>` as a container runs it, for tests that signal it
/// themselves and watch how it stops (the lab's `ServiceLauncher` only ever stops it for them).
final class ServiceProcess: @unchecked Sendable {
    // Unchecked: `process` is only touched from the test that owns it.
    let url: String
    let dataDirectory: URL
    private let process: Process
    private let logFile: URL

    private init(url: String, dataDirectory: URL, process: Process, logFile: URL) {
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
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let command = ["serve", service, "--port", "\(port)", "--data-dir", dataDirectory.path] + arguments
        if let openFileLimit {
            // The shell lowers its own limit, then becomes the service (same pid).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", try SystemLauncher.binary().path] + command
        } else {
            process.executableURL = try SystemLauncher.binary()
            process.arguments = command
        }
        let logFile = dataDirectory.appendingPathComponent("\(service)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
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

    var pid: Int32 { process.processIdentifier }

    /// How many files the process has open now (`/proc/PID/fd`).
    var openFiles: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// Sends `signal` to the process, as an orchestrator does (SIGTERM to stop a container).
    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit on its own and returns its exit status.
    func waitForExit(timeout: Duration) async throws -> Int32 {
        try await eventually("\(url) exits", timeout: timeout) { !self.process.isRunning }
        return process.terminationStatus
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try? await eventually("\(url) exits after SIGTERM", timeout: .seconds(30)) { !self.process.isRunning }
    }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}
