import ArgumentParser
import Backup
import Foundation
import WarehouseKit

/// `warehouse backup list`: the restore points there are.
struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the restore points, in the repository or at the vendor.")

    @OptionGroup var source: BackupSourceOptions

    @Flag(name: .long, help: "Print them as JSON.")
    var json = false

    func run() async throws {
        try await source.withRepository { repository, _ in
            let points = try repository.restorePoints()
            let atVendor = source.from == .vendor ? Set(points.map(\.id)) : try Shipper.confirmed(in: repository).restorePoints
            if json {
                print(
                    JSONReport.encode([
                        "restorePoints": points.map { point in
                            [
                                "id": point.id, "time": UTCTimestamp.iso8601(point.time), "atVendor": atVendor.contains(point.id),
                                "databases": point.databases.map { ["name": $0.name, "bytes": $0.bytes, "sha256": $0.sha256] },
                            ] as [String: Any]
                        }
                    ]))
                return
            }
            for point in points {
                let databases = point.databases.map { "\($0.name) \(formatBytes($0.bytes))" }.joined(separator: ", ")
                print(
                    "\(point.id)  \(UTCTimestamp.iso8601(point.time))  \(atVendor.contains(point.id) ? "at vendor" : "local    ")  \(databases)"
                )
            }
            print("\(points.count) restore points")
        }
    }
}
