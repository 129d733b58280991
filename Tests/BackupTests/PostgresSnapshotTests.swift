import Backup
import Crypto
import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite(
    "Restore points of a PostgreSQL database", .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"),
    .timeLimit(.minutes(3)))
struct PostgresSnapshotTests {
    @Test("a dump taken while two schemas are written is of one moment, restores whole, and loads into an empty database")
    func consistentWhileWritten() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await LivePostgres.make()
            defer { database.drop() }
            try await database.write(300)
            let repository = try BackupRepository.scratch(in: directory)
            let points = try await snapshots(2, whileWriting: { try await database.write(2000, seed: 5) }) {
                try await snapshot(database, into: repository)
            }

            for (index, point) in points.enumerated() {
                #expect(point.databases.map(\.kind) == [.postgresDump])
                #expect(point.databases.map(\.name) == [PostgresDumper.fileName])
                let restored = try await restoreIntoNewDatabase(
                    point, from: repository, directory: directory.appendingPathComponent("restored-\(index)"))
                defer { restored.drop() }
                let (sum, entries) = try restored.state()
                #expect(sum == LivePostgres.total, "a transfer is in one schema's dump and not in the other's")
                #expect((300...2300).contains(entries))
            }
            // The restore points read back with their kind.
            let read = try BackupRepository.open(at: repository.root).restorePoints()
            #expect(read.map(\.id) == points.map(\.id))
            #expect(read.flatMap(\.databases).allSatisfy { $0.kind == .postgresDump })
        }
    }

    @Test("a second dump after a few writes stores only what changed")
    func deduplicates() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await LivePostgres.make()
            defer { database.drop() }
            let repository = try BackupRepository.scratch(in: directory)
            try await expectSecondSnapshotStoresLittle(write: { try await database.write($0, seed: $1) }) {
                try await snapshot(database, into: repository)
            }
        }
    }

    @Test("a database that already holds the dump's schemas is refused, and nothing is loaded into it")
    func refusesADatabaseInUse() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await LivePostgres.make()
            defer { database.drop() }
            try await database.write(50)
            let repository = try BackupRepository.scratch(in: directory)
            let point = try await snapshot(database, into: repository).point
            let report = try await Restorer(repository: repository).restore(point, to: directory.appendingPathComponent("restored"))
            let dump = try #require(report.files.first)
            #expect(throws: BackupError.targetDatabaseNotEmpty(database.url.place, LivePostgres.schemas)) {
                try PostgresLoader(url: database.url).load(dump)
            }
            #expect(try database.state().entries == 50)
        }
    }

    @Test("a PostgreSQL restore point ships, and comes back from the vendor's copy alone into an empty database")
    func vendorOnlyRestore() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await LivePostgres.make()
            defer { database.drop() }
            let repositoryURL = directory.appendingPathComponent("machine/backup")
            let repository = try BackupRepository.openOrCreate(at: repositoryURL)
            let key = BackupKey(key: SymmetricKey(size: .bits256))
            for round in 0..<2 {
                try await database.write(400, seed: round)
                _ = try await snapshot(database, into: repository)
            }
            try await withVendor(.live) { client, _ in
                let url = URL(string: "http://127.0.0.1:\(client.port!)")!
                let report = try await shipAll(from: repositoryURL, key: key, to: url)
                guard case .stored = report.outcome else { Issue.record("\(report.outcome)"); return }
                #expect(report.restorePoints == 2)

                // The machine is gone: the repository with it, and the database.
                try FileManager.default.removeItem(at: directory.appendingPathComponent("machine"))
                database.drop()
                let (copy, _) = try await vendorCopy(from: url, key: key, into: directory.appendingPathComponent("copy"))
                #expect(try Verifier(repository: copy).verify().isWhole)
                let restored = try await restoreIntoNewDatabase(
                    try RestoreSelector.latest.select(from: copy.restorePoints()), from: copy,
                    directory: directory.appendingPathComponent("restored"))
                defer { restored.drop() }
                let (sum, entries) = try restored.state()
                #expect(sum == LivePostgres.total)
                #expect(entries == 800)
            }
        }
    }
}

@Suite("pg_dump and psql as child processes")
struct PostgresProgramTests {
    /// A stand-in for a PostgreSQL program: a script that records its arguments and `PGPASSWORD`, then
    /// prints `stderr` and exits with `status`.
    private func fakeProgram(_ name: String, in directory: URL, stderr: String = "", status: Int = 0) throws -> URL {
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let script = """
            #!/bin/sh
            printf '%s\\n' "$@" > "\(directory.path)/arguments"
            printf '%s' "$PGPASSWORD" > "\(directory.path)/password"
            printf '%s' '\(stderr)' >&2
            exit \(status)
            """
        let file = bin.appendingPathComponent(name)
        try Data(script.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        return bin
    }

    private let url = PostgresURL(host: "127.0.0.1", port: 5999, username: "warehouse", password: "s3cret pass", database: "warehouse")

    @Test("the password goes to pg_dump in its environment, never in its arguments")
    func passwordInEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let bin = try fakeProgram("pg_dump", in: directory)
            try PostgresDumper(url: url, schemas: ["orders", "inventory"], binDirectory: bin)
                .dump(to: directory.appendingPathComponent("dump.sql"))
            let arguments = try String(contentsOf: directory.appendingPathComponent("arguments"), encoding: .utf8)
            #expect(!arguments.contains("s3cret"))
            #expect(arguments.contains("--schema=orders\n--schema=inventory"))
            #expect(arguments.contains("--format=plain"))
            #expect(try String(contentsOf: directory.appendingPathComponent("password"), encoding: .utf8) == "s3cret pass")
        }
    }

    @Test("a pg_dump that fails comes back as a BackupError with the end of its stderr, and leaves no dump")
    func failureIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let bin = try fakeProgram(
                "pg_dump", in: directory, stderr: "pg_dump: error: connection to server failed: Connection refused", status: 1)
            let dump = directory.appendingPathComponent("dump.sql")
            try Data("stale".utf8).write(to: dump)
            #expect {
                try PostgresDumper(url: url, schemas: ["orders"], binDirectory: bin).dump(to: dump)
            } throws: { error in
                guard case BackupError.postgres("pg_dump", let detail) = error else { return false }
                return detail.contains("exited 1") && detail.contains("Connection refused") && !detail.contains("s3cret")
            }
            #expect(!FileManager.default.fileExists(atPath: dump.path))
        }
    }

    @Test("restore points written before PostgreSQL was covered still decode, as SQLite files")
    func oldManifestsDecode() throws {
        let old = """
            {"databases":[{"bytes":4096,"chunkCount":1,"copiedAt":"2026-12-01T10:00:00.000Z","lists":[],"name":"orders.sqlite",\
            "sha256":"00"}],"host":"h","id":"20261201T100000Z-0badf00d","time":"2026-12-01T10:00:00.000Z"}
            """
        let point = try RestorePoint.decode(Data(old.utf8), source: "test")
        #expect(point.databases.map(\.kind) == [.sqlite])
        let dump = RestorePoint.Database(
            name: PostgresDumper.fileName, kind: .postgresDump, bytes: 1, sha256: "00", lists: [], chunkCount: 0, copiedAt: point.time)
        let written = RestorePoint(id: point.id, time: point.time, host: "h", databases: [dump])
        #expect(String(decoding: try written.encoded(), as: UTF8.self).contains(#""kind":"postgres-dump""#))
        #expect(try RestorePoint.decode(try written.encoded(), source: "test") == written)
    }
}
