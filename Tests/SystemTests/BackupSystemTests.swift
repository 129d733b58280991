import Foundation
import GRDB
import Testing
import WarehouseKit
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// `warehouse backup` as an operator runs it: real processes, a real vendor, `kill -9` at each step.
@Suite("Backups, with real processes", .serialized, .timeLimit(.minutes(10)))
struct BackupSystemTests {
    /// The steps of `ship` a process can be killed at (`WAREHOUSE_BACKUP_CRASH_AT`).
    static let shipSteps = ["after-pack", "after-intent", "during-call", "after-answer", "after-outcome"]

    @Test("kill -9 at any step of ship: never two calls in one vendor day, and the next call loses nothing", arguments: shipSteps)
    func killedDuringShip(step: String) async throws {
        try await withScratch { directory in
            let data = directory.appendingPathComponent("data")
            let database = data.appendingPathComponent(Self.database)
            try Self.makeDatabase(database, rows: 2000)
            let vendor = try await Self.startVendor(in: directory.appendingPathComponent("vendor"))
            defer { Task { await vendor.stop() } }
            let reach = ["--data-dir", data.path, "--vendor-url", vendor.url, "--vendor-token-file", vendor.tokenFile.path]
            try await Self.setClock(vendor, "2026-12-03T12:00:00Z")
            try await Self.warehouse(["backup", "snapshot", "--data-dir", data.path, "--now", "2026-12-03T10:00:00Z"])
                .expectSuccess()
            // The operator keeps the key off the machine.
            let key = directory.appendingPathComponent("key-copy")
            try FileManager.default.copyItem(at: data.appendingPathComponent("backup/key"), to: key)

            let crashed = try await Self.warehouse(
                ["backup", "ship", "--now", "2026-12-03T12:00:00Z"] + reach, environment: ["WAREHOUSE_BACKUP_CRASH_AT": step])
            #expect(crashed.signal == SIGKILL, "ship should have been killed at \(step): \(crashed)")

            let rerun = try await Self.warehouse(["backup", "ship", "--json", "--now", "2026-12-03T13:00:00Z"] + reach)
            try rerun.expectSuccess()
            // Killed before the intent was written, no call was made: the rerun makes the day's call.
            #expect(try rerun.json()["outcome"] as? String == (step == "after-pack" ? "stored" : "not-due"), "\(rerun)")

            try Self.addRows(database, 500)
            try await Self.warehouse(["backup", "snapshot", "--data-dir", data.path, "--now", "2026-12-04T10:00:00Z"])
                .expectSuccess()
            try await Self.setClock(vendor, "2026-12-04T12:00:00Z")
            let nextDay = try await Self.warehouse(["backup", "ship", "--json", "--now", "2026-12-04T12:00:00Z"] + reach)
            try nextDay.expectSuccess()
            let carried = try nextDay.json()
            #expect(carried["outcome"] as? String == "stored", "\(nextDay)")
            // A first call whose answer was never recorded is covered: the next pack carries its restore point too.
            let confirmedFirst = ["after-pack", "after-outcome"].contains(step)
            #expect(carried["restorePoints"] as? Int == (confirmedFirst ? 1 : 2), "\(nextDay)")

            let packs = try await Self.packDays(vendor)
            let perDay = Dictionary(grouping: packs, by: { $0 }).mapValues(\.count)
            #expect(perDay.values.allSatisfy { $0 == 1 }, "uploads per vendor day: \(perDay)")
            #expect(perDay["2026-12-04"] == 1)
            let metrics = String(decoding: try await SystemLauncher.send(.GET, vendor.url + "/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"backup_vendor_uploads_total{outcome="refused"} 0"#), "a second call was made in a day")

            // The machine is gone; the vendor's copy and the key's copy are all there is.
            try FileManager.default.removeItem(at: data)
            let listed = try await Self.warehouse(
                ["backup", "list", "--from", "vendor", "--json", "--key-file", key.path] + reach)
            try listed.expectSuccess()
            let points = try #require(listed.json()["restorePoints"] as? [[String: Any]])
            #expect(points.compactMap { $0["time"] as? String } == ["2026-12-03T10:00:00.000Z", "2026-12-04T10:00:00.000Z"])
            let restored = directory.appendingPathComponent("restored")
            try await Self.warehouse(
                ["backup", "restore", "--from", "vendor", "--to", restored.path, "--key-file", key.path] + reach
            ).expectSuccess()
            #expect(try Self.rows(restored.appendingPathComponent(Self.database)) == 2500)
        }
    }

    @Test("a corrupted chunk: verify says which and exits 1; restore stops with a clear error and restores nothing")
    func corruptedChunk() async throws {
        try await withScratch { directory in
            let data = directory.appendingPathComponent("data")
            try Self.makeDatabase(data.appendingPathComponent(Self.database), rows: 3000)
            try await Self.warehouse(["backup", "snapshot", "--data-dir", data.path]).expectSuccess()
            try await Self.warehouse(["backup", "verify", "--data-dir", data.path]).expectSuccess()

            let chunks = data.appendingPathComponent("backup/chunks")
            let files = try FileManager.default.subpathsOfDirectory(atPath: chunks.path).filter { $0.count == 67 }
            let largest = try #require(
                files.max { (Self.size(chunks.appendingPathComponent($0))) < (Self.size(chunks.appendingPathComponent($1))) })
            var bytes = try Data(contentsOf: chunks.appendingPathComponent(largest))
            bytes[bytes.count / 2] ^= 0x20
            try bytes.write(to: chunks.appendingPathComponent(largest))
            let name = String(largest.suffix(64))

            let verify = try await Self.warehouse(["backup", "verify", "--data-dir", data.path])
            #expect(verify.status == 1)
            #expect(verify.stdout.contains("chunk \(name) is corrupt"), "\(verify)")
            #expect(verify.stdout.contains("DAMAGED"))

            let target = directory.appendingPathComponent("restored")
            let restore = try await Self.warehouse(["backup", "restore", "--data-dir", data.path, "--to", target.path])
            #expect(restore.status != 0)
            #expect(restore.stderr.contains("chunk \(name) is corrupt"), "\(restore)")
            #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent(Self.database).path))
        }
    }

    @Test(
        "restore drill: a loaded system, snapshotted while orders flow, lost, restored locally and from the vendor, passes every invariant"
    )
    func drill() async throws {
        try await withScratch { directory in
            let report = try await Self.drill([], reportIn: directory)
            #expect(report["packRestorePoints"] as? Int == 1)
        }
    }

    @Test(
        "restore drill on PostgreSQL: pg_dumps taken while orders flow, loaded into empty databases locally and from the vendor, pass every invariant",
        .enabled(if: LocalPostgres.findBinaries() != nil, "the drill runs a cluster of the Debian package postgresql"))
    func drillOnPostgres() async throws {
        try await withScratch { directory in
            let report = try await Self.drill(["--postgres", "--snapshots", "2"], reportIn: directory)
            // One dump of every schema is of one moment: nothing to repair.
            let restores = report["restores"] as? [[String: Any]] ?? []
            #expect(restores.map { $0["repairs"] as? Int } == [0, 0])
        }
    }

    /// Runs `warehouse backup drill` with 200 orders from 4 clients, restoring both ways, plus
    /// `arguments`; checks that every invariant held after each restore, and returns its report.
    static func drill(_ arguments: [String], reportIn directory: URL) async throws -> [String: Any] {
        let run = try await warehouse(
            ["backup", "drill", "--orders", "200", "--concurrency", "4", "--from", "both", "--report-dir", directory.path]
                + arguments)
        try run.expectSuccess()
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("drill-report.json")))
                as? [String: Any])
        #expect((report["violations"] as? [String])?.isEmpty == true, "\(run)")
        let restores = try #require(report["restores"] as? [[String: Any]])
        #expect(restores.compactMap { $0["from"] as? String } == ["local", "vendor"])
        for restore in restores {
            let check = try #require(restore["check"] as? [String: Any])
            #expect((check["acknowledgedBefore"] as? Int ?? 0) > 50, "\(check)")
            #expect((check["violations"] as? [String])?.isEmpty == true, "\(check)")
        }
        return report
    }

    @Test(
        "warehouse up --postgres takes restore points on the clock, each a pg_dump of the services' schemas",
        .enabled(if: LocalPostgres.findBinaries() != nil, "up --postgres needs the Debian package postgresql"))
    func upSchedulesPostgresBackups() async throws {
        try await SystemLauncher.with(["--postgres", "--backup-every", "0.05"]) { system in
            let snapshots = system.dataDirectory.appendingPathComponent("backup/snapshots")
            @Sendable func taken() -> Int {
                ((try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { $0.hasSuffix(".json") }.count
            }
            // Two more than when every service was ready: the first may have begun before notification
            // had made its schema (a crowded run starts slowly), and then rightly has none of it.
            let before = taken()
            try await eventually("a restore point begun after every service was ready", timeout: .seconds(120)) {
                taken() >= before + 2
            }
            let restored = system.dataDirectory.appendingPathComponent("restored")
            let run = try await Self.warehouse([
                "backup", "restore", "--data-dir", system.dataDirectory.path, "--to", restored.path, "--json",
            ])
            try run.expectSuccess()
            #expect(try run.json()["files"] as? [String] == ["postgres.sql"], "\(run)")
            let dump = try String(contentsOf: restored.appendingPathComponent("postgres.sql"), encoding: .utf8)
            for schema in ["orders", "inventory", "notifications"] {
                #expect(dump.contains("CREATE SCHEMA \(schema);"), "no schema \(schema) in the dump")
            }
        }
    }

    @Test("warehouse up takes restore points of every service's database on the clock and makes the day's one call to the vendor it runs")
    func upSchedulesBackups() async throws {
        try await SystemLauncher.with(["--backup-every", "0.05", "--backup-vendor"]) { system in
            let snapshots = system.dataDirectory.appendingPathComponent("backup/snapshots")
            try await eventually("three restore points taken", timeout: .seconds(120)) {
                ((try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { $0.hasSuffix(".json") }
                    .count >= 3
            }
            let token = try String(
                contentsOf: system.dataDirectory.appendingPathComponent("backup-vendor/admin-token"), encoding: .utf8
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            let reply = try await SystemLauncher.send(
                .GET, system.backupVendorURL + "/accounts/warehouse/packs", headers: [("Authorization", "Bearer \(token)")])
            let packs = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])["packs"] as? [Any]
            #expect(packs?.count == 1, "the vendor's packs: \(String(decoding: reply.body, as: UTF8.self))")
            let metrics = String(decoding: try await SystemLauncher.send(.GET, system.backupVendorURL + "/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"backup_vendor_uploads_total{outcome="refused"} 0"#))

            let restored = system.dataDirectory.appendingPathComponent("restored")
            try await Self.warehouse(["backup", "restore", "--data-dir", system.dataDirectory.path, "--to", restored.path])
                .expectSuccess()
            for database in ["notifications.sqlite", "orders.sqlite", "inventory.sqlite"] {
                #expect(FileManager.default.fileExists(atPath: restored.appendingPathComponent(database).path), "\(database)")
            }
        }
    }

    // MARK: Plumbing

    struct Run: CustomStringConvertible {
        var status: Int32
        /// The signal that ended the process, if one did.
        var signal: Int32?
        var stdout: String
        var stderr: String

        func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) throws {
            try #require(status == 0 && signal == nil, "\(self)", sourceLocation: sourceLocation)
        }

        func json() throws -> [String: Any] {
            let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }

        var description: String {
            "exit \(status) signal \(signal.map(String.init) ?? "-")\nstdout:\n\(stdout)\nstderr:\n\(stderr.suffix(3000))"
        }
    }

    /// A database of the system's (the snapshot copies those), with a table of its own.
    static let database = "orders.sqlite"

    /// `warehouse serve backup-vendor` with a settable clock, and where its token is.
    struct Vendor {
        let service: ServiceLauncher
        let tokenFile: URL
        var url: String { service.url }
        func stop() async { await service.stop() }
        var token: String {
            get throws { try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        }
    }

    static func startVendor(in directory: URL) async throws -> Vendor {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try FreePorts.take(1)[0]
        let service = try await ServiceLauncher.start(
            .backupVendor, port: port, executable: try SystemLauncher.binary(),
            arguments: ["--port", "\(port)", "--data-dir", directory.path, "--settable-clock"],
            logFile: directory.appendingPathComponent("vendor.log"), http: SystemLauncher.testHTTP)
        return Vendor(service: service, tokenFile: directory.appendingPathComponent("backup-vendor/admin-token"))
    }

    /// Runs the warehouse binary to its end.
    static func warehouse(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Run {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        let process = try SpawnedProcess(
            executable: try SystemLauncher.binary(), arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(extra) { $1 }, output: .file(out), error: .file(err))
        let exit = try await process.waitForExit()
        let (status, signal): (Int32, Int32?) =
            switch exit {
            case .exited(let status): (status, nil)
            case .signalled(let signal): (-1, signal)
            }
        return Run(
            status: status, signal: signal, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    static func setClock(_ vendor: Vendor, _ now: String) async throws {
        let reply = try await SystemLauncher.send(
            .PUT, vendor.url + "/admin/clock", body: Data(#"{"now": "\#(now)"}"#.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(try vendor.token)")])
        try #require(reply.status == 200, "setting the vendor's clock: \(reply.status)")
    }

    /// The vendor days of the account's packs, oldest first.
    static func packDays(_ vendor: Vendor) async throws -> [String] {
        let reply = try await SystemLauncher.send(
            .GET, vendor.url + "/accounts/warehouse/packs", headers: [("Authorization", "Bearer \(try vendor.token)")])
        let object = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        return (object["packs"] as? [[String: Any]] ?? []).compactMap { $0["day"] as? String }
    }

    static func makeDatabase(_ url: URL, rows: Int) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let pool = try DatabasePool(path: url.path)
        try pool.write { db in try db.execute(sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT NOT NULL)") }
        try pool.close()
        try addRows(url, rows)
    }

    static func addRows(_ url: URL, _ count: Int) throws {
        let pool = try DatabasePool(path: url.path)
        try pool.write { db in
            for index in 0..<count {
                try db.execute(
                    sql: "INSERT INTO items (note) VALUES (?)", arguments: ["row \(index) " + String(repeating: "n", count: 300)])
            }
        }
        try pool.close()
    }

    static func rows(_ url: URL) throws -> Int {
        let queue = try DatabaseQueue(path: url.path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") ?? -1 }
    }

    static func size(_ url: URL) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int ?? 0
    }

    func withScratch(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }
}
