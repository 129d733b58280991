import Foundation
import Logging
import WarehouseKit

/// How a ship ended.
package enum ShipOutcome: Sendable, Equatable {
    /// The vendor stored the pack.
    case stored(VendorPack)
    /// A call was made (or may have been) today already; the next may be made from this moment.
    case notDue(until: Date)
    /// Every restore point is at the vendor already: no call was made.
    case nothingToShip
    /// The call was made and did not store the pack (refused, failed, or its fate is unknown); what it
    /// carried goes in the next call.
    case notStored(CallResult, nextCallAt: Date?, detail: String)
}

/// What a ship did.
package struct ShipReport: Sendable {
    package var outcome: ShipOutcome
    package var packID: String?
    /// Bytes of the pack (the call's body).
    package var bytes: Int64 = 0
    package var restorePoints = 0
    package var blobs = 0
    /// Bytes a full copy of every database per restore point would have sent instead.
    package var fullCopyBytes: Int64 = 0
    /// A previous call found unsettled and recorded as unknown.
    package var recoveredUnknownCall: String?
    /// Restore points left out because they cannot be read whole here, with why.
    package var skipped: [String] = []
    package var duration: Duration = .zero
}

/// The day's one call: one pack carrying every restore point since the last confirmed call, with only
/// the blobs the vendor does not have yet.
///
/// Crash-safe by the ledger: before the call an intent is synced (so a crash from then on counts the
/// day as used), after the answer its outcome. On start, an intent without an outcome is recorded as
/// unknown. What an unknown or failed call carried is not confirmed, so the next day's pack carries it
/// again; what the vendor confirmed is never sent again. Call under the repository's exclusive lock.
package struct Shipper {
    package let repository: BackupRepository
    package let key: BackupKey
    package let vendor: any BackupVendorClient
    package let account: String
    package var crashPoint = CrashPoint(nil)
    /// After a call that never connected, how long until the next try.
    package var notDeliveredRetry: Duration = .seconds(300)
    package let logger: Logger

    package init(repository: BackupRepository, key: BackupKey, vendor: any BackupVendorClient, account: String, logger: Logger) {
        self.repository = repository
        self.key = key
        self.vendor = vendor
        self.account = account
        self.logger = logger
    }

    private var ledgerURL: URL { repository.shipDirectory.appendingPathComponent("ledger.jsonl") }
    private var contentsDirectory: URL { repository.shipDirectory.appendingPathComponent("packs", isDirectory: true) }
    private var outgoingDirectory: URL { repository.shipDirectory.appendingPathComponent("outgoing", isDirectory: true) }

    /// The restore points and blobs the vendor has confirmed, by the ledger of `repository`.
    package static func confirmed(in repository: BackupRepository) throws -> (restorePoints: Set<String>, blobs: Set<ChunkID>) {
        let ship = repository.shipDirectory
        let ledger = try ShipLedger.load(ship.appendingPathComponent("ledger.jsonl"))
        var points = Set<String>()
        var blobs = Set<ChunkID>()
        for pack in ledger.storedPacks {
            let url = ship.appendingPathComponent("packs/\(pack).contents")
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw BackupError.corruptManifest("\(url.path) is missing: the ledger says the vendor stored \(pack)")
            }
            let contents = try PackContents.decode(data, source: url.path)
            points.formUnion(contents.restorePoints)
            blobs.formUnion(contents.blobs)
        }
        return (points, blobs)
    }

    /// The restore points of `repository` the vendor has not confirmed: retention keeps them until it has.
    package static func unconfirmedRestorePoints(in repository: BackupRepository) throws -> Set<String> {
        let confirmed = try confirmed(in: repository).restorePoints
        return Set(try repository.restorePoints().map(\.id).filter { !confirmed.contains($0) })
    }

    package func ship(now: @Sendable () -> Date = { Date() }) async throws -> ShipReport {
        let started = ContinuousClock.now
        var report = ShipReport(outcome: .nothingToShip)
        try DurableFile.makeDirectory(contentsDirectory)
        try DurableFile.makeDirectory(outgoingDirectory)
        var ledger = try ShipLedger.load(ledgerURL)

        // A call the last run did not see the end of: it may have reached the vendor.
        if let unsettled = ledger.unsettled {
            try ledger.record(
                .outcome(pack: unsettled.pack, at: now(), result: .unknown, detail: "the process ended during the call"))
            report.recoveredUnknownCall = unsettled.pack
            logger.warning(
                "last vendor call has no outcome; counted as made, its restore points go in the next pack",
                metadata: ["pack": "\(unsettled.pack)"])
        }
        // Packs built by runs that died before their call, or whose call is settled: never sent again as they are.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: outgoingDirectory.path)) ?? [] {
            try? FileManager.default.removeItem(at: outgoingDirectory.appendingPathComponent(name))
        }

        if let nextCallAt = ledger.nextCallAt, now() < nextCallAt {
            report.outcome = .notDue(until: nextCallAt)
            report.duration = ContinuousClock.now - started
            return report
        }

        let (confirmedPoints, confirmedBlobs) = try Self.confirmed(in: repository)
        let unshipped = try repository.restorePoints().filter { !confirmedPoints.contains($0.id) }
        guard !unshipped.isEmpty else {
            report.duration = ContinuousClock.now - started
            return report
        }

        // Build the pack: the blobs the vendor lacks, then the restore points that need them.
        let packID = Self.makePackID(at: now())
        let file = outgoingDirectory.appendingPathComponent("\(packID).pack")
        let codec = try ChunkCodec()
        var blobs: [ChunkID] = []
        var seen = confirmedBlobs
        let writer = try PackWriter(
            url: file,
            header: Pack.Header(
                packID: packID, account: account, repositoryID: repository.config.id, chunker: repository.config.chunker,
                createdAt: now()),
            key: key)
        // A restore point that cannot be read whole here (a damaged chunk) is left out rather than sent:
        // the vendor's copy must never hold what a restore would refuse. `verify` names it.
        var shipped: [RestorePoint] = []
        for point in unshipped {
            let needed: [ChunkID]
            do {
                needed = try repository.blobs(of: point, codec: codec).sorted().filter { !seen.contains($0) }
                for id in needed {
                    _ = try repository.chunks.read(id, codec: codec, neededBy: "restore point \(point.id)")
                }
            } catch let error as BackupError {
                report.skipped.append("\(point.id): \(error)")
                logger.error(
                    "restore point left out of the pack", metadata: ["restore_point": "\(point.id)", "error": "\(error)"])
                continue
            }
            for id in needed {
                seen.insert(id)
                try writer.append(blob: id, sealed: try repository.chunks.sealed(id, neededBy: "restore point \(point.id)"))
                blobs.append(id)
            }
            report.fullCopyBytes += point.databases.reduce(0) { $0 + $1.bytes }
            shipped.append(point)
        }
        guard !shipped.isEmpty else {
            try? FileManager.default.removeItem(at: file)
            report.duration = ContinuousClock.now - started
            return report
        }
        for point in shipped { try writer.append(point) }
        let (bytes, digest) = try writer.finish()
        try DurableFile.syncDirectory(outgoingDirectory)
        report.packID = packID
        report.bytes = bytes
        report.restorePoints = shipped.count
        report.blobs = blobs.count
        crashPoint.reach(.afterPack)

        // What the pack carries, then the intent: from here on the day counts as used.
        try DurableFile.write(
            try PackContents(restorePoints: shipped.map(\.id), blobs: blobs).encoded(),
            to: contentsDirectory.appendingPathComponent("\(packID).contents"))
        try ledger.record(.intent(pack: packID, at: now(), bytes: bytes, restorePoints: shipped.count))
        crashPoint.reach(.afterIntent)

        let (result, nextCallAt, detail) = await call(
            packID: packID, file: file, bytes: bytes, digest: digest, now: now, report: &report)
        try ledger.record(.outcome(pack: packID, at: now(), result: result, nextCallAt: nextCallAt, detail: detail))
        crashPoint.reach(.afterOutcome)
        try? FileManager.default.removeItem(at: file)
        if result != .stored {
            report.outcome = .notStored(result, nextCallAt: ledger.nextCallAt, detail: detail)
        }
        report.duration = ContinuousClock.now - started
        return report
    }

    /// Makes the call and says how it ended: the result for the ledger, when the vendor asked to be
    /// called again, and what happened in words.
    private func call(
        packID: String, file: URL, bytes: Int64, digest: Data, now: @Sendable () -> Date, report: inout ShipReport
    ) async
        -> (CallResult, Date?, String)
    {
        do {
            let answer = try await vendor.upload(account: account, packID: packID, file: file, bytes: bytes, sha256: digest)
            crashPoint.reach(.afterAnswer)
            switch answer {
            case .stored(let pack):
                report.outcome = .stored(pack)
                return (.stored, nil, "stored on the vendor's day \(pack.day)")
            case .refused(let seconds):
                return (
                    .refused, now().addingTimeInterval(TimeInterval(max(1, seconds))), "429: the vendor has had today's upload"
                )
            case .failed(let status, let detail):
                return (.failed, nil, "the vendor answered \(status): \(detail)")
            }
        } catch VendorCallError.notDelivered(let detail) {
            return (.notDelivered, now().addingTimeInterval(notDeliveredRetry.seconds), "not delivered: \(detail)")
        } catch {
            return (.unknown, nil, "\(error)")
        }
    }

    /// `YYYYMMDDTHHMMSSZ-<8 hex>`, like restore points: sorts by time, unique enough per account.
    static func makePackID(at time: Date) -> String {
        RestorePoint.makeID(time: time)
    }
}
