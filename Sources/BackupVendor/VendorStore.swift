import BackupVendorAPI
import Foundation
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// A pack as the vendor keeps it (`<pack>.json` next to `<pack>.pack`).
package struct VendorPackRecord: Codable, Sendable, Equatable {
    package var packID: String
    package var bytes: Int64
    package var sha256: String
    package var storedAt: Date
    package var day: String
}

/// The vendor's store and its rule: one upload per account per UTC day.
///
/// ```
/// accounts/<account>/<pack>.pack   the bytes as uploaded
/// accounts/<account>/<pack>.json   size, SHA-256, when, and the day it counted against
/// accounts/<account>/incoming/     uploads being received
/// ```
///
/// An upload first reserves the account's day (a second upload that day, even while the first is still
/// arriving, is refused), then streams into `incoming/`, and is renamed into place, synced, only when
/// whole and checked. The day counts as used once a pack is stored; an upload that fails part-way
/// releases it.
package actor VendorStore {
    package nonisolated let directory: URL
    private var packs: [String: [VendorPackRecord]]
    /// Accounts with an upload arriving now, and the day it will count against.
    private var arriving: [String: String] = [:]

    package init(directory: URL) throws {
        self.directory = directory
        let accounts = directory.appendingPathComponent("accounts", isDirectory: true)
        try FileManager.default.createDirectory(at: accounts, withIntermediateDirectories: true)
        var packs: [String: [VendorPackRecord]] = [:]
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for account in try FileManager.default.contentsOfDirectory(atPath: accounts.path) where BackupVendorNames.isValid(account)
        {
            let folder = accounts.appendingPathComponent(account, isDirectory: true)
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("incoming"))
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                    let record = try? decoder.decode(VendorPackRecord.self, from: data)
                else { continue }
                packs[account, default: []].append(record)
            }
        }
        self.packs = packs.mapValues { $0.sorted { ($0.storedAt, $0.packID) < ($1.storedAt, $1.packID) } }
    }

    package func packs(of account: String) -> [VendorPackRecord] {
        packs[account] ?? []
    }

    package func pack(_ packID: String, of account: String) -> VendorPackRecord? {
        packs[account]?.first { $0.packID == packID }
    }

    /// Reserves `account`'s upload for the UTC day of `now`; returns the day.
    package func reserve(account: String, packID: String, now: Date) throws(VendorError) -> String {
        let day = UTCDay.name(of: now)
        if packs[account]?.contains(where: { $0.packID == packID }) == true {
            throw .packExists(account: account, packID: packID)
        }
        if arriving[account] == day || packs[account]?.contains(where: { $0.day == day }) == true {
            throw .dailyUploadUsed(account: account, day: day, retryAfterSeconds: UTCDay.secondsUntilNextDay(from: now))
        }
        arriving[account] = day
        return day
    }

    /// Ends a reservation without a pack: the day is free again.
    package func release(account: String) {
        arriving[account] = nil
    }

    /// Moves a received, checked upload into place durably and records it against its day.
    package func commit(account: String, received: URL, record: VendorPackRecord) throws {
        defer { arriving[account] = nil }
        let folder = accountDirectory(account)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        try Self.durablyRename(received, to: folder.appendingPathComponent("\(record.packID).pack"))
        let metadata = folder.appendingPathComponent("incoming/\(record.packID).json")
        try encoder.encode(record).write(to: metadata)
        try Self.durablyRename(metadata, to: folder.appendingPathComponent("\(record.packID).json"))
        packs[account, default: []].append(record)
    }

    package nonisolated func accountDirectory(_ account: String) -> URL {
        directory.appendingPathComponent("accounts/\(account)", isDirectory: true)
    }

    package nonisolated func packURL(account: String, packID: String) -> URL {
        accountDirectory(account).appendingPathComponent("\(packID).pack")
    }

    /// A fresh file in the account's `incoming/`, for an upload to stream into.
    package nonisolated func incomingURL(account: String, packID: String) throws -> URL {
        let incoming = accountDirectory(account).appendingPathComponent("incoming", isDirectory: true)
        try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        return incoming.appendingPathComponent("\(packID).\(UInt32.random(in: .min ... .max)).part")
    }

    /// Syncs `source`, renames it to `target`, and syncs the directory: the name appears with all its bytes.
    private static func durablyRename(_ source: URL, to target: URL) throws {
        try sync(source.path, directory: false)
        guard rename(source.path, target.path) == 0 else { throw VendorStoreError(path: target.path, errno: errno) }
        try sync(target.deletingLastPathComponent().path, directory: true)
    }

    private static func sync(_ path: String, directory: Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw VendorStoreError(path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw VendorStoreError(path: path, errno: errno) }
    }
}

/// The store could not write: an opaque 500 to the client, the path and reason in the log.
package struct VendorStoreError: Error, CustomStringConvertible {
    package var path: String
    package var errno: Int32

    package var description: String { "vendor store: \(path): \(String(cString: strerror(errno)))" }
}
