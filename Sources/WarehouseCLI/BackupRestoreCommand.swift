import ArgumentParser
import Backup
import Foundation
import WarehouseKit

/// `warehouse backup restore --at TIME --to DIR`: a restore point back as a data directory.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the databases of a restore point into a directory, then start `warehouse up --data-dir` on it.",
        discussion: """
            Every chunk is checked against its hash and every file against its size, SHA-256 and SQLite's \
            integrity check before anything is put in place; a damaged chunk stops the restore with an error. \
            With --from vendor only the vendor's copy and the key are needed (the machine is gone).
            """
    )

    @Option(name: .long, help: "latest, an ISO 8601 instant (the newest restore point at or before it), or a restore point id.")
    var at: String = "latest"

    @Option(name: .long, help: "The directory to restore into; it must not hold these databases already.")
    var to: String

    @OptionGroup var source: BackupSourceOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard RestoreSelector(at) != nil else {
            throw ValidationError("--at must be latest, an ISO 8601 date-time, or a restore point id")
        }
    }

    func run() async throws {
        let target = URL(fileURLWithPath: to, isDirectory: true).standardizedFileURL
        let started = ContinuousClock.now
        let (report, imported) = try await source.withRepository { repository, imported in
            let point = try RestoreSelector(at)!.select(from: try repository.restorePoints())
            let report = try await Restorer(repository: repository).restore(point, to: target, repair: WarehouseRestoreRepair())
            return (report, imported)
        }
        let seconds = (ContinuousClock.now - started).seconds
        if json {
            var object: [String: Any] = [
                "restorePoint": report.point.id, "time": UTCTimestamp.iso8601(report.point.time), "bytes": report.bytes,
                "files": report.files.map(\.lastPathComponent), "repairs": report.repairs, "seconds": seconds,
                "from": source.from.rawValue,
            ]
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
        print("start it with: warehouse up --data-dir \(target.path)")
    }
}
