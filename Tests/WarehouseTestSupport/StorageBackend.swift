import Foundation
import Logging
import Synchronization
import Testing
import WarehouseKit

/// A storage backend the repository conformance suites and the service-level suites run against. Each
/// test gets a fresh, empty database of it by URL and opens it through the service's own storage
/// (`OrderStorage.open`), so a suite written against the repository protocol checks every backend the
/// same way.
package struct StorageBackend: Sendable, CustomTestStringConvertible {
    package let name: String
    /// A URL of a new, empty database named `name`, valid while `directory` exists.
    private let makeURL: @Sendable (_ directory: URL, _ name: String) async throws -> DatabaseURL
    /// Bounds how many tests use this backend at once, when it is one server shared by the whole run.
    private let gate: TestGate?

    package init(name: String, gate: TestGate? = nil, makeURL: @escaping @Sendable (URL, String) async throws -> DatabaseURL) {
        self.name = name
        self.gate = gate
        self.makeURL = makeURL
    }

    package var testDescription: String { name }

    /// An SQLite file in the test's temporary directory.
    package static let sqlite = StorageBackend(name: "SQLite") { directory, name in
        .sqlite(path: directory.appendingPathComponent("\(name).sqlite").path)
    }

    /// A schema of its own in the test server's database (`TestPostgres`).
    package static let postgres = StorageBackend(name: "PostgreSQL", gate: TestPostgres.gate) { _, name in
        var url = try await TestPostgres.server()
        url.schema = "t_\(name)_\(UUIDText.random().replacingOccurrences(of: "-", with: "").prefix(16))"
        return .postgres(url)
    }

    /// Every backend these tests can reach here: SQLite always, PostgreSQL when a server is given
    /// (`WAREHOUSE_TEST_DATABASE_URL`) or its binaries are installed (then one is started for the run).
    package static var available: [StorageBackend] { TestPostgres.isAvailable ? [.sqlite, .postgres] : [.sqlite] }

    /// Runs `body` with the URL of a fresh database of this backend, removed afterwards.
    package func withFreshDatabase<T>(
        isolation: isolated (any Actor)? = #isolation,
        named name: String,
        _ body: (DatabaseURL) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            try await body(try await makeURL(directory, name))
        }
    }

    /// Opens storage with `open`, taking turns with the other tests when the backend is a shared server.
    package func open<Repository>(
        isolation: isolated (any Actor)? = #isolation,
        _ url: DatabaseURL,
        with open: (DatabaseURL) async throws -> Storage<Repository>
    ) async throws -> Storage<Repository> {
        guard let gate else { return try await open(url) }
        return try await gate.passing { try await open(url) }
    }

    /// Runs `body` with the storage `open` makes of a fresh database of this backend, closed afterwards.
    package func withStorage<Repository, T>(
        isolation: isolated (any Actor)? = #isolation,
        named name: String,
        open: (DatabaseURL) async throws -> Storage<Repository>,
        _ body: (Storage<Repository>) async throws -> T
    ) async throws -> T {
        try await withFreshDatabase(named: name) { url in
            let storage = try await self.open(url, with: open)
            do {
                let value = try await body(storage)
                await storage.close()
                return value
            } catch {
                await storage.close()
                throw error
            }
        }
    }
}

extension StorageBackend {
    /// Runs `body` with two storages of one fresh database of this backend, each opened on its own (its
    /// own pool), as two replicas of a service see it; both closed afterwards.
    package func withReplicas<Repository>(
        isolation: isolated (any Actor)? = #isolation,
        named name: String,
        open: (DatabaseURL) async throws -> Storage<Repository>,
        _ body: (Storage<Repository>, Storage<Repository>) async throws -> Void
    ) async throws {
        try await withFreshDatabase(named: name) { url in
            let first = try await self.open(url, with: open)
            let second: Storage<Repository>
            do {
                second = try await self.open(url, with: open)
            } catch {
                await first.close()
                throw error
            }
            do {
                try await body(first, second)
                await first.close()
                await second.close()
            } catch {
                await first.close()
                await second.close()
                throw error
            }
        }
    }
}

/// The PostgreSQL server of a test run: the one `WAREHOUSE_TEST_DATABASE_URL` names, else a throwaway
/// cluster of this machine's binaries, started once when the first test asks (fsync off: a test's data
/// need not survive a power cut) and stopped when the test process exits.
package enum TestPostgres {
    package static let environmentKey = "WAREHOUSE_TEST_DATABASE_URL"

    /// `WAREHOUSE_TEST_POSTGRES=off` runs SQLite alone (a quick run, or to measure what PostgreSQL adds).
    package static let switchKey = "WAREHOUSE_TEST_POSTGRES"

    /// Why PostgreSQL tests do not run here, if they do not.
    package static var unavailableReason: String? {
        if ProcessInfo.processInfo.environment[switchKey] == "off" { return "\(switchKey)=off" }
        if ProcessInfo.processInfo.environment[environmentKey] != nil || LocalPostgres.findBinaries() != nil { return nil }
        return "no PostgreSQL here: set \(environmentKey) to a server, or install the Debian package postgresql (.ci/run does)"
    }

    package static var isAvailable: Bool { unavailableReason == nil }

    /// Tests run all at once, and every one on PostgreSQL first makes its schema (a connection, a few
    /// DDL statements) on one server that shares the machine's two cores with them. Two hundred at
    /// once made connections time out; two at a time made tests wait out their time limits behind each
    /// other (an opening takes about 0.2 s here alone, over 1 s in a busy run, most of it waiting for
    /// this process's threads). Twelve at a time; only the opening takes turns, the bodies run freely.
    package static let gate = TestGate(permits: 12)

    /// The server's URL (no schema): every test takes a schema of its own in it.
    package static func server() async throws -> PostgresURL {
        try await started.value.get()
    }

    private static let started = Task<Result<PostgresURL, any Error>, Never> {
        do { return .success(try await start()) } catch { return .failure(error) }
    }

    private static func start() async throws -> PostgresURL {
        if let text = ProcessInfo.processInfo.environment[environmentKey] {
            guard let url = PostgresURL(text) else { throw LocalPostgresError.notStarted("\(environmentKey) is not a postgres:// URL") }
            return url
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-test-postgres-\(getpid())")
        let cluster = try LocalPostgres(directory: directory, durability: .normal, ephemeral: true)
        // It lives as long as the test process: its watchdog stops it and removes its directory then.
        return try await cluster.start(logger: Logger(label: "test-postgres") { _ in SwiftLogNoOpLogHandler() }).url
    }
}

extension StorageBackend {
    /// Runs `body` once on every available backend, each time with the storage `open` makes of a fresh
    /// database of it: how the service-level suites run unchanged on SQLite and on PostgreSQL. Returns
    /// the last run's value.
    package static func onEach<Repository, T>(
        isolation: isolated (any Actor)? = #isolation,
        named name: String,
        open: (DatabaseURL) async throws -> Storage<Repository>,
        _ body: (Storage<Repository>, DatabaseURL) async throws -> T
    ) async throws -> T {
        var last: T?
        for backend in available {
            last = try await backend.withFreshDatabase(named: name) { url in
                let storage = try await backend.open(url, with: open)
                do {
                    let value = try await body(storage, url)
                    await storage.close()
                    return value
                } catch {
                    await storage.close()
                    throw BackendFailure(backend: backend.name, error: error)
                }
            }
        }
        return last!
    }
}

/// A test's error on a named backend, so a failure on one backend says which.
package struct BackendFailure: Error, CustomStringConvertible {
    package let backend: String
    package let error: any Error
    package var description: String { "on \(backend): \(error)" }
}

/// At most `permits` callers at a time inside `passing` (an async semaphore).
package final class TestGate: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    package init(permits: Int) {
        state = Mutex(State(free: permits))
    }

    /// Runs `body` once the gate lets it in.
    package func passing<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
