import ArgumentParser
import Backup
import Foundation
import WarehouseKit

/// `warehouse backup restore --at TIME --to DIR`: a restore point back as a data directory; one of a
/// PostgreSQL database back as its dump, and with `--to-database-url`, loaded into an empty database.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the databases of a restore point into a directory, then start `warehouse up --data-dir` on it.",
        discussion: """
            Every chunk is checked against its hash and every file against its size, SHA-256 and SQLite's \
            integrity check before anything is put in place; a damaged chunk stops the restore with an error. \
            With --from vendor only the vendor's copy and the key are needed (the machine is gone). A restore point \
            of a PostgreSQL database is its dump (postgres.sql); --to-database-url loads it into an empty database \
            (psql, one transaction, stopping at the first error), then start `warehouse up --database-url` on it.
            """
    )

    @Option(name: .long, help: "latest, an ISO 8601 instant (the newest restore point at or before it), or a restore point id.")
    var at: String = "latest"

    @Option(
        name: .long,
        help: "The directory to restore into; it must not hold these databases already. Optional with --to-database-url.")
    var to: String?

    @Option(
        name: .long,
        help: """
            Load a PostgreSQL restore point's dump into this empty database (postgres://user@host:port/database; a \
            password best in PGPASSWORD); one that already holds the services' schemas is refused.
            """)
    var toDatabaseURL: String?

    @OptionGroup var source: BackupSourceOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard RestoreSelector(at) != nil else {
            throw ValidationError("--at must be latest, an ISO 8601 date-time, or a restore point id")
        }
        guard to != nil || toDatabaseURL != nil else { throw ValidationError("give --to DIR, --to-database-url URL, or both") }
        if let toDatabaseURL, PostgresURL(toDatabaseURL) == nil {
            throw ValidationError("--to-database-url must be postgres://user[:password]@host[:port]/database")
        }
    }

    func run() async throws {
        let database = toDatabaseURL.flatMap(PostgresURL.init)
        // Without --to, the dump passes through a directory of its own, removed afterwards.
        let scratch = to == nil ? FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-restore-\(UUID().uuidString)") : nil
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let target = to.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL } ?? scratch!
        let started = ContinuousClock.now
        let (report, imported) = try await source.withRepository { repository, imported in
            let point = try RestoreSelector(at)!.select(from: try repository.restorePoints())
            let dump = point.databases.first { $0.kind == .postgresDump }
            if database != nil, dump == nil { throw BackupError.noPostgresDump(point.id) }
            let loader = try database.map { try PostgresLoader(url: $0) }
            let report = try await Restorer(repository: repository).restore(point, to: target, repair: WarehouseRestoreRepair())
            if let loader, let dump { try loader.load(target.appendingPathComponent(dump.name)) }
            return (report, imported)
        }
        let seconds = (ContinuousClock.now - started).seconds
        if json {
            var object: [String: Any] = [
                "restorePoint": report.point.id, "time": UTCTimestamp.iso8601(report.point.time), "bytes": report.bytes,
                "files": report.files.map(\.lastPathComponent), "repairs": report.repairs, "seconds": seconds,
                "from": source.from.rawValue,
            ]
            if let database { object["loadedInto"] = database.place }
            if let imported {
                object["packs"] = imported.packs
                object["bytesDownloaded"] = imported.bytesDownloaded
            }
            print(JSONReport.encode(object))
            return
        }
        if let imported {
            print(
                "downloaded \(imported.packs) packs (\(formatBytes(imported.bytesDownloaded))) from the vendor, opened with the key"
            )
        }
        print(
            "restored \(report.point.id) (taken \(UTCTimestamp.iso8601(report.point.time))): "
                + "\(report.files.map(\.lastPathComponent).joined(separator: ", ")), \(formatBytes(report.bytes)), "
                + "\(String(format: "%.2f", seconds)) s")
        for repair in report.repairs { print("  \(repair)") }
        if let database {
            print("loaded into \(database.place); start it with: warehouse up --database-url \(database.redacted)")
        } else if report.point.databases.contains(where: { $0.kind == .postgresDump }) {
            print("load it into an empty database with: warehouse backup restore --at \(report.point.id) --to-database-url postgres://…")
        } else {
            print("start it with: warehouse up --data-dir \(target.path)")
        }
    }
}
