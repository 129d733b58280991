import Foundation
import WarehouseKit

/// A `warehouse` process the lab started, its output going to a log file.
///
/// Started with `SpawnedProcess`, not Foundation's `Process`: the lab runs inside test runners with
/// many files open, where `Process.run()` crashes now and then.
final class ChildProcess: Sendable {
    let logFile: URL
    private let process: SpawnedProcess

    /// Starts `executable` with `arguments`, its environment this process's plus `environment`.
    init(executable: URL, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = try SpawnedProcess(
            executable: executable, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, given in given }, output: .file(logFile))
        self.logFile = logFile
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.pid }

    /// SIGTERM, then waits for the exit (SIGKILL after `timeout`); returns the exit status (the
    /// negated signal for a process a signal ended).
    @discardableResult
    func terminate(timeout: Duration = .seconds(20)) async -> Int32 {
        await process.terminate(grace: timeout).code
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
