import ArgumentParser
import Backup
import Foundation
import Logging
import WarehouseKit

/// `warehouse backup ship`: the day's one call to the vendor.
struct BackupShipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Make the day's one vendor call: every restore point since the last confirmed call, in one pack.",
        discussion: """
            Safe to run at any time and as often as you like: it calls the vendor at most once per UTC day \
            (a ledger in the repository, synced before and after each call, remembers even across crashes), \
            and not at all when the vendor has every restore point. Exit status 0 when the pack was stored \
            or no call was due, 2 when a call was made and did not store it (its restore points go in the next).
            """
    )

    @OptionGroup var location: BackupRepositoryOptions
    @OptionGroup(title: "Vendor") var vendor: BackupVendorOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: .hidden)
    var now: String?

    func run() async throws {
        yieldCPUToServices()
        let fixedNow = try now.map { _ in try parseNow(now) }
        let repository = try BackupRepository.open(at: location.repositoryURL)
        let key = try BackupKey.load(file: location.keyURL)
        let lock = try await repository.lock(exclusive: true)
        let crashPoint = CrashPoint.fromEnvironment()
        let report = try await vendor.withVendor(dataDirectory: location.dataDirectory, crashPoint: crashPoint) { client in
            var shipper = Shipper(
                repository: repository, key: key, vendor: client, account: vendor.account, logger: Logger(label: "backup"))
            shipper.crashPoint = crashPoint
            return try await shipper.ship(now: { fixedNow ?? Date() })
        }
        withExtendedLifetime(lock) {}
        print(json ? Self.json(report) : Self.text(report))
        if case .notStored = report.outcome { throw ExitCode(2) }
    }

    static func text(_ report: ShipReport) -> String {
        var lines: [String] = []
        if let unknown = report.recoveredUnknownCall {
            lines.append("the last call (pack \(unknown)) has no recorded answer: counted as made; what it carried goes again")
        }
        lines += report.skipped.map { "left out, cannot be read whole (run backup verify): \($0)" }
        let carried =
            "\(report.restorePoints) restore points, \(report.blobs) new chunks, \(formatBytes(report.bytes)) "
            + "(a full copy of each restore point would be \(formatBytes(report.fullCopyBytes)))"
        switch report.outcome {
        case .stored(let pack):
            lines.append("pack \(pack.packID) stored by the vendor (its day \(pack.day)): \(carried)")
        case .notDue(let until):
            lines.append("no call: the vendor has had today's call; the next may be made from \(UTCTimestamp.iso8601(until))")
        case .nothingToShip:
            lines.append("no call: the vendor has every restore point")
        case .notStored(let result, let nextCallAt, let detail):
            lines.append(
                "pack \(report.packID ?? "?") not stored (\(result.rawValue): \(detail)); it carried \(carried); "
                    + "the next call carries it again"
                    + (nextCallAt.map { ", from \(UTCTimestamp.iso8601($0))" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ report: ShipReport) -> String {
        var object: [String: Any] = [
            "restorePoints": report.restorePoints, "blobs": report.blobs, "bytes": report.bytes,
            "fullCopyBytes": report.fullCopyBytes, "seconds": report.duration.seconds,
        ]
        if let pack = report.packID { object["pack"] = pack }
        if let unknown = report.recoveredUnknownCall { object["recoveredUnknownCall"] = unknown }
        if !report.skipped.isEmpty { object["skipped"] = report.skipped }
        switch report.outcome {
        case .stored(let pack):
            object["outcome"] = "stored"
            object["day"] = pack.day
        case .notDue(let until):
            object["outcome"] = "not-due"
            object["nextCallAt"] = UTCTimestamp.iso8601(until)
        case .nothingToShip:
            object["outcome"] = "nothing-to-ship"
        case .notStored(let result, let nextCallAt, let detail):
            object["outcome"] = result.rawValue
            object["detail"] = detail
            if let nextCallAt { object["nextCallAt"] = UTCTimestamp.iso8601(nextCallAt) }
        }
        return JSONReport.encode(object)
    }
}
