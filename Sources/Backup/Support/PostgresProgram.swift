import Foundation
import WarehouseKit

/// One of PostgreSQL's client programs (`pg_dump`, `psql`) run against a database, to its end.
///
/// The binaries are this machine's (`LocalPostgres.findBinaries()`), the ones `up --postgres` runs its
/// server from, so the client is never older than a local server. The connection goes on the command
/// line without its password, which goes in the child's environment (`PGPASSWORD`), never in its
/// arguments, where any user of the machine could read it (`/proc/PID/cmdline`); without a password in
/// the URL the child inherits ours (the operator's `PGPASSWORD` or `~/.pgpass`). `--no-password`: a
/// missing password is an error, never a prompt. Runs as whoever runs it: a client, unlike the
/// server, runs as root.
package struct PostgresProgram: Sendable {
    package let name: String
    package let executable: URL

    /// - Throws: `BackupError.postgres` when PostgreSQL's programs are not installed here.
    package init(_ name: String, binDirectory: URL? = nil) throws {
        guard let bin = binDirectory ?? LocalPostgres.findBinaries() else {
            throw BackupError.postgres(name, "\(LocalPostgresError.notInstalled)")
        }
        self.name = name
        executable = bin.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BackupError.postgres(name, "\(executable.path) is missing")
        }
    }

    /// Runs the program with the connection to `url` and `arguments`; returns what it wrote on stdout.
    ///
    /// - Throws: `BackupError.postgres` with the end of its stderr when it exits non-zero.
    @discardableResult
    package func run(_ arguments: [String], on url: PostgresURL) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments =
            ["--host", url.host, "--port", "\(url.port)", "--username", url.username, "--dbname", url.database, "--no-password"]
            + arguments
        var environment = ProcessInfo.processInfo.environment
        if let password = url.password { environment["PGPASSWORD"] = password }
        environment["PGCONNECT_TIMEOUT"] = environment["PGCONNECT_TIMEOUT"] ?? "10"
        environment["PGAPPNAME"] = "warehouse backup"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw BackupError.postgres(name, "cannot start \(executable.path): \(error)")
        }
        // Both pipes drained at once: a child blocked writing one while we wait on the other never ends.
        let stdout = Drained(output.fileHandleForReading)
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = stdout.wait()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let tail = String(decoding: stderr.suffix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let how =
                process.terminationReason == .exit
                ? "exited \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw BackupError.postgres(name, "\(how) on \(url.place): \(tail.isEmpty ? "no message" : tail)")
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class Drained: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the reading thread before `done` is signalled, read after it.
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
