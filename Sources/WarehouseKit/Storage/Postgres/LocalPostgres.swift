import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster of this machine's own binaries, in a directory of ours: what
/// `warehouse up --postgres` runs, and what the tests run when no server is given to them.
///
/// PostgreSQL refuses to run as root, and CI runs as root: then the cluster belongs to a system user
/// of its own (`warehouse-pg`, made when missing) and every PostgreSQL program runs as that user
/// through `setpriv`. The server listens on 127.0.0.1 only (no Unix socket), on a free port, trusts
/// local connections (nothing else can reach it), and is stopped by a watchdog if the process that
/// started it dies without stopping it.
package struct LocalPostgres: Sendable {
    /// The cluster's directory (`DIR/postgres`): its data and its log.
    package let directory: URL
    package let binDirectory: URL
    package let durability: Durability
    /// Removed (by the watchdog) once the process that started the server is gone: a test run's cluster.
    package let ephemeral: Bool
    package static let user = "warehouse"
    package static let database = "warehouse"
    package static let systemUser = "warehouse-pg"

    package init(directory: URL, binDirectory: URL? = nil, durability: Durability = .full, ephemeral: Bool = false) throws {
        self.directory = directory
        self.durability = durability
        self.ephemeral = ephemeral
        guard let bin = binDirectory ?? Self.findBinaries() else { throw LocalPostgresError.notInstalled }
        self.binDirectory = bin
    }

    /// Where this machine's PostgreSQL programs are: the newest `/usr/lib/postgresql/N/bin` (Debian),
    /// else the directory of `postgres` on the PATH.
    package static func findBinaries() -> URL? {
        let debian = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: debian.path)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() {
            let bin = debian.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path) { return bin }
        }
        for path in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let bin = URL(fileURLWithPath: String(path))
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path)
                && FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path)
            {
                return bin
            }
        }
        return nil
    }

    private var dataDirectory: URL { directory.appendingPathComponent("data") }
    package var logFile: URL { directory.appendingPathComponent("server.log") }

    /// Makes the cluster unless it exists, starts the server on `port` (a free one when nil), waits
    /// until it takes connections and makes sure the `warehouse` database exists.
    package func start(port: Int? = nil, logger: Logger) async throws -> RunningPostgres {
        // initdb takes seconds and `useradd` waits too: on a thread of their own, never on one of the
        // few the concurrency runtime has (a test run's other tasks would stall behind them).
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try prepareDirectory()
            if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
                try runToEnd(
                    "initdb",
                    ["-D", dataDirectory.path, "-U", Self.user, "--auth=trust", "-E", "UTF8", "--locale=C"]
                        + (durability == .full ? [] : ["--no-sync"]))
            }
        }
        var lastError: any Error = LocalPostgresError.notStarted("no attempt")
        for _ in 0..<5 {
            let chosen = port ?? Self.freePort()
            do {
                return try await launch(port: chosen, logger: logger)
            } catch {
                lastError = error
                // A port taken meanwhile, or the previous server's memory not released yet.
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        throw lastError
    }

    private func launch(port: Int, logger: Logger) async throws -> RunningPostgres {
        let process = try SpawnedProcess(
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
            arguments: asSystemUser + [
                binDirectory.appendingPathComponent("postgres").path, "-D", dataDirectory.path, "-p", "\(port)",
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
                "-c", "fsync=\(durability == .full ? "on" : "off")",
                "-c", "logging_collector=off", "-c", "log_min_messages=warning",
            ],
            output: .file(logFile))
        let running = RunningPostgres(
            process: process, url: PostgresURL(host: "127.0.0.1", port: port, username: Self.user, database: Self.database),
            logFile: logFile)
        running.watch(owner: getpid(), removing: ephemeral ? directory : nil)
        do {
            try await running.waitUntilReady(logger: logger)
            try await running.createDatabase(logger: logger)
        } catch {
            await running.kill()
            throw error
        }
        return running
    }

    /// `setpriv` arguments that run a program as the cluster's system user when we are root, as
    /// ourselves otherwise.
    private var asSystemUser: [String] {
        guard geteuid() == 0 else { return [] }
        return ["--reuid=\(Self.systemUser)", "--regid=\(Self.systemUser)", "--init-groups", "--"]
    }

    /// Creates the directory, and when root, the system user that owns it.
    private func prepareDirectory() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard geteuid() == 0 else { return }
        if getpwnam(Self.systemUser) == nil {
            // Two processes may race to make it: whichever loses finds it made.
            _ = try? Self.run(
                URL(fileURLWithPath: "/usr/sbin/useradd"),
                ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", Self.systemUser])
            guard getpwnam(Self.systemUser) != nil else {
                throw LocalPostgresError.notStarted("cannot create the system user \(Self.systemUser) to run PostgreSQL as")
            }
        }
        guard let user = getpwnam(Self.systemUser) else { return }
        let (uid, gid) = (user.pointee.pw_uid, user.pointee.pw_gid)
        chown(directory.path, uid, gid)
        chmod(directory.path, 0o700)
        // The user must be able to reach its directory: let it through (search only) the one above.
        let parent = directory.deletingLastPathComponent().path
        var info = stat()
        if stat(parent, &info) == 0, info.st_mode & 0o001 == 0 { chmod(parent, info.st_mode & 0o7777 | 0o001) }
        if let files = FileManager.default.enumerator(atPath: directory.path) {
            for case let file as String in files { chown(directory.appendingPathComponent(file).path, uid, gid) }
        }
    }

    private func runToEnd(_ program: String, _ arguments: [String]) throws {
        let output = try Self.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"), asSystemUser + [binDirectory.appendingPathComponent(program).path] + arguments)
        guard output.status == 0 else { throw LocalPostgresError.notStarted("\(program) failed: \(output.text)") }
    }

    @discardableResult
    private static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, text: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-postgres-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try SpawnedProcess(executable: executable, arguments: arguments, output: .file(output))
        // Synchronous setup (initdb, useradd), once per server, as it always was.
        let exit = process.waitUntilExit()
        let text = (try? Data(contentsOf: output)).map { String(decoding: $0.suffix(2000), as: UTF8.self) } ?? ""
        return (exit.code, text)
    }

    /// A port nobody listens on now (the kernel's choice for an ephemeral bind).
    package static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> Int32 in
                guard bind(socket, generic, length) == 0 else { return -1 }
                return getsockname(socket, generic, &length)
            }
        }
        return bound == 0 ? Int(UInt16(bigEndian: address.sin_port)) : 55432
    }
}

/// A PostgreSQL server this process started.
package final class RunningPostgres: Sendable {
    package let url: PostgresURL
    package let logFile: URL
    private let process: SpawnedProcess
    private let watchdog = Mutex<SpawnedProcess?>(nil)

    init(process: SpawnedProcess, url: PostgresURL, logFile: URL) {
        self.process = process
        self.url = url
        self.logFile = logFile
    }

    package var pid: Int32 { process.pid }
    package var isRunning: Bool { process.isRunning }

    /// Stops the server if `owner` dies first (a `kill -9` of `warehouse up`, a test run that ends).
    fileprivate func watch(owner: Int32, removing directory: URL?) {
        // A dead owner its parent has not reaped yet (a zombie, state Z) still answers `kill -0`: it is gone too.
        let ownerAlive = "kill -0 \(owner) 2>/dev/null && [ \"$(sed 's/.*) //' /proc/\(owner)/stat 2>/dev/null | cut -c1)\" != Z ]"
        var script = "while \(ownerAlive) && kill -0 \(pid) 2>/dev/null; do sleep 1; done; kill -INT \(pid) 2>/dev/null"
        if directory != nil {
            // $1: the directory, passed as an argument rather than spliced into the script.
            script += "; while kill -0 \(pid) 2>/dev/null; do sleep 0.2; done; rm -rf \"$1\""
        }
        // Not the owner's output: a test runner reads its child's until every holder has closed it,
        // and would wait for the watchdog, which waits for the runner to reap its child.
        let started = try? SpawnedProcess(
            executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script, "watchdog"] + (directory.map { [$0.path] } ?? []),
            output: .discard)
        watchdog.withLock { $0 = started }
    }

    fileprivate func waitUntilReady(logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: nil, database: "postgres", tls: .disable)
        configuration.options.connectTimeout = .seconds(2)
        while true {
            guard process.isRunning else {
                let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
                throw LocalPostgresError.notStarted("the server exited: \(log.suffix(1000))")
            }
            if let connection = try? await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger) {
                try? await connection.close()
                return
            }
            guard ContinuousClock.now < deadline else { throw LocalPostgresError.notStarted("no connection within 60 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    fileprivate func createDatabase(logger: Logger) async throws {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: nil, database: "postgres", tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        try await Self.createDatabase(url.database, on: connection, logger: logger)
    }

    /// Creates database `name` unless it exists (two creators at once: the loser finds it made).
    package static func createDatabase(_ name: String, on connection: PostgresConnection, logger: Logger) async throws {
        let exists = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger).collect()
        guard exists.isEmpty else { return }
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: logger)
        } catch where ["42P04", "23505"].contains(PostgresErrors.sqlState(error) ?? "") {}
    }

    /// Fast shutdown (SIGINT: sessions end, everything committed is kept), waiting for the server to exit.
    package func stop() async {
        guard process.isRunning else { return }
        process.send(SIGINT)
        _ = try? await process.waitForExit()
        stopWatchdog()
    }

    /// SIGKILL, as a crash would; the server's own sessions notice and end.
    package func kill() async {
        process.send(SIGKILL)
        _ = try? await process.waitForExit()
        stopWatchdog()
    }

    private func stopWatchdog() {
        watchdog.withLock { watchdog in
            watchdog?.send(SIGTERM)
            watchdog = nil
        }
    }
}

package enum LocalPostgresError: Error, CustomStringConvertible {
    /// No PostgreSQL server binaries on this machine.
    case notInstalled
    case notStarted(String)

    package var description: String {
        switch self {
        case .notInstalled:
            "PostgreSQL is not installed here (no postgres and initdb under /usr/lib/postgresql/*/bin or on the PATH); install the Debian package postgresql"
        case .notStarted(let reason): "could not start a local PostgreSQL server: \(reason)"
        }
    }
}
