import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `warehouse` process the lab started, its output going to a log file.
///
/// `@unchecked Sendable`: `Process` is not marked Sendable, but the calls made here after `run()`
/// (`isRunning`, `processIdentifier`, `terminationStatus`) only read state Foundation guards itself.
final class ChildProcess: @unchecked Sendable {
    let logFile: URL
    private let process: Process

    /// Starts `executable` with `arguments`, its environment this process's plus `environment`.
    init(executable: URL, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        self.logFile = logFile
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then waits for the exit (SIGKILL after `timeout`); returns the exit status.
    @discardableResult
    func terminate(timeout: Duration = .seconds(20)) async -> Int32 {
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        do {
            try await eventually("\(pid) exits after SIGTERM", timeout: timeout) { !self.isRunning }
        } catch {
            kill(pid, SIGKILL)
            try? await eventually("\(pid) exits after SIGKILL", timeout: .seconds(10)) { !self.isRunning }
        }
        return process.isRunning ? -1 : process.terminationStatus
    }

    /// What the process has written so far.
    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}

/// Polls `condition` until it holds, failing after `timeout`. For conditions another process makes
/// true (a restart, an order settling), where there is nothing to await but the condition itself.
package func eventually(
    _ what: String,
    timeout: Duration,
    interval: Duration = .milliseconds(50),
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let giveUp = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < giveUp else { throw LabError.timedOut(what) }
        try await Task.sleep(for: interval)
    }
}
