import Backup
import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A database of its own in the test run's PostgreSQL server, written as services write theirs: two
/// schemas, `alpha` and `beta`, and every transfer takes a unit from an account of one and gives it to
/// an account of the other in one transaction, with a new row in `alpha.entries`. A dump of one moment
/// always sums to `total` across both; dumps of each schema at its own moment would not.
struct LivePostgres: Sendable {
    static let total = 1_000_000
    static let schemas = ["alpha", "beta"]
    let url: PostgresURL

    /// A new database with both schemas, accounts and no entries.
    static func make() async throws -> LivePostgres {
        let database = try await fresh()
        try database.sql(
            """
            CREATE SCHEMA alpha; CREATE SCHEMA beta;
            CREATE TABLE alpha.accounts (id int PRIMARY KEY, balance int NOT NULL);
            CREATE TABLE beta.accounts (id int PRIMARY KEY, balance int NOT NULL);
            CREATE TABLE alpha.entries (id bigserial PRIMARY KEY, note text NOT NULL);
            INSERT INTO alpha.accounts SELECT g, \(total / 200) FROM generate_series(0, 99) AS g;
            INSERT INTO beta.accounts SELECT g, \(total / 200) FROM generate_series(0, 99) AS g;
            CREATE PROCEDURE public.transfer(n int, seed int) LANGUAGE plpgsql AS $$
            BEGIN
                FOR step IN 0..n - 1 LOOP
                    UPDATE alpha.accounts SET balance = balance - 1 WHERE id = (step * 7 + seed) % 100;
                    UPDATE beta.accounts SET balance = balance + 1 WHERE id = (step * 13 + seed + 1) % 100;
                    INSERT INTO alpha.entries (note) VALUES (repeat('x', 200) || step);
                    COMMIT;
                END LOOP;
            END $$;
            """)
        return database
    }

    /// A new, empty database in the test server.
    static func fresh() async throws -> LivePostgres {
        var server = try await TestPostgres.server()
        server.schema = nil
        let name = "backup_" + UUIDText.random().replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try LivePostgres(url: server).sql("CREATE DATABASE \(name)")
        server.database = name
        return LivePostgres(url: server)
    }

    /// `count` transfers, each its own transaction, on a thread of their own.
    func write(_ count: Int, seed: Int = 0) async throws {
        _ = try await offThePool { [self] in try sql("CALL public.transfer(\(count), \(seed))") }
    }

    /// The sum of every balance in both schemas, and the number of entries.
    func state() throws -> (sum: Int, entries: Int) {
        let row = try sql(
            "SELECT (SELECT SUM(balance) FROM alpha.accounts) + (SELECT SUM(balance) FROM beta.accounts), (SELECT COUNT(*) FROM alpha.entries)"
        ).split(separator: "|").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        return (row[0], row[1])
    }

    var dumper: PostgresDumper { get throws { try PostgresDumper(url: url, schemas: Self.schemas) } }

    /// Runs `text` with psql, stopping at the first error; returns its rows, `|` between columns.
    @discardableResult
    func sql(_ text: String) throws -> String {
        try PostgresProgram("psql").run(
            ["--no-psqlrc", "--tuples-only", "--no-align", "--set", "ON_ERROR_STOP=1", "--command", text], on: url)
    }

    /// Drops the database (its sessions ended first).
    func drop() {
        var server = url
        server.database = "postgres"
        _ = try? LivePostgres(url: server).sql("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)")
    }
}

/// A restore point of the database's schemas, taken now (or at `time`), on a thread of its own.
func snapshot(_ database: LivePostgres, into repository: BackupRepository, time: Date = Date()) async throws -> SnapshotReport {
    let (root, source) = (repository.root, SnapshotSource(postgres: try database.dumper))
    return try await offThePool { try Snapshotter(repository: BackupRepository.open(at: root)).snapshot([source], time: time) }
}

/// Restores `point` into `directory` and loads its dump into a new database, which it returns.
func restoreIntoNewDatabase(_ point: RestorePoint, from repository: BackupRepository, directory: URL) async throws -> LivePostgres {
    let report = try await Restorer(repository: repository).restore(point, to: directory)
    let target = try await LivePostgres.fresh()
    let dump = try #require(report.files.first { $0.lastPathComponent == PostgresDumper.fileName })
    _ = try await offThePool { try PostgresLoader(url: target.url).load(dump) }
    return target
}
