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
        var environment = ProcessInfo.processInfo.environment
        if let password = url.password { environment["PGPASSWORD"] = password }
        environment["PGCONNECT_TIMEOUT"] = environment["PGCONNECT_TIMEOUT"] ?? "10"
        environment["PGAPPNAME"] = "warehouse backup"
        // Its output goes to files, read once it has exited: no pipe to drain while waiting.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-\(name)-\(UUID().uuidString)")
        let (output, errors) = (scratch.appendingPathExtension("out"), scratch.appendingPathExtension("err"))
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let process: SpawnedProcess
        do {
            // Not Foundation's `Process`: this runs inside test runners too, where it crashes now and then.
            process = try SpawnedProcess(
                executable: executable,
                arguments: ["--host", url.host, "--port", "\(url.port)", "--username", url.username, "--dbname", url.database, "--no-password"]
                    + arguments,
                environment: environment, output: .file(output), error: .file(errors))
        } catch {
            throw BackupError.postgres(name, "cannot start \(executable.path): \(error)")
        }
        // Called from synchronous backup code, which runs on threads of its own (`offThePool`).
        let exit = process.waitUntilExit()
        guard exit == .exited(0) else {
            let stderr = (try? Data(contentsOf: errors)) ?? Data()
            let tail = String(decoding: stderr.suffix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let how =
                switch exit {
                case .exited(let status): "exited \(status)"
                case .signalled(let signal): "was killed by signal \(signal)"
                }
            throw BackupError.postgres(name, "\(how) on \(url.place): \(tail.isEmpty ? "no message" : tail)")
        }
        return String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
    }
}
