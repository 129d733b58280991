import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a vendor call ended, as far as this side knows.
package enum CallResult: String, Codable, Sendable {
    /// The vendor answered 201: the pack is stored.
    case stored
    /// The vendor answered 429: the day's upload was used already.
    case refused
    /// The vendor answered with another error: it stored nothing.
    case failed
    /// No connection was made: the vendor never saw the call, so it does not count against the day.
    case notDelivered = "not-delivered"
    /// The call may or may not have reached the vendor (a crash, a timeout, a broken connection).
    case unknown
}

/// One line of the ledger.
package struct LedgerEntry: Codable, Sendable, Equatable {
    package enum Event: String, Codable, Sendable {
        /// Written and synced before the call.
        case intent
        /// Written and synced after the answer (or after learning there will be none).
        case outcome
    }

    package var event: Event
    package var pack: String
    package var at: Date
    /// Intent: the UTC day the call counts against, and when the next call may be made at the earliest.
    package var day: String?
    package var notBefore: Date?
    package var bytes: Int64?
    package var restorePoints: Int?
    /// Outcome.
    package var result: CallResult?
    package var nextCallAt: Date?
    package var detail: String?

    package static func intent(pack: String, at: Date, bytes: Int64, restorePoints: Int) -> LedgerEntry {
        LedgerEntry(
            event: .intent, pack: pack, at: at, day: BackupTime.day(of: at), notBefore: BackupTime.startOfNextDay(after: at),
            bytes: bytes, restorePoints: restorePoints)
    }

    package static func outcome(pack: String, at: Date, result: CallResult, nextCallAt: Date? = nil, detail: String? = nil)
        -> LedgerEntry
    {
        LedgerEntry(event: .outcome, pack: pack, at: at, result: result, nextCallAt: nextCallAt, detail: detail)
    }
}

/// The record of every vendor call, kept so that a crash at any moment never leads to a second call in
/// one day: an intent line is appended and synced before each call, an outcome line after its answer.
/// An intent without an outcome is a call whose fate is unknown: it counts as made.
///
/// JSON lines, append-only, each append synced. A line cut short by a crash while it was appended
/// cannot have been followed by a call (the call waits for the sync), so it is dropped on load.
package struct ShipLedger {
    package let url: URL
    package private(set) var entries: [LedgerEntry]

    package static func load(_ url: URL) throws -> ShipLedger {
        guard var data = FileManager.default.contents(atPath: url.path) else { return ShipLedger(url: url, entries: []) }
        if let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")), lastNewline != data.index(before: data.endIndex) {
            // A torn last line: cut it off, so the next append starts on a line of its own.
            data = data.prefix(through: lastNewline)
            guard truncate(url.path, off_t(data.count)) == 0 else {
                throw BackupError.io("cannot repair \(url.path)", errno: errno)
            }
            try DurableFile.syncFile(url)
        } else if !data.isEmpty && data.last != UInt8(ascii: "\n") {
            data = Data()
            guard truncate(url.path, 0) == 0 else { throw BackupError.io("cannot repair \(url.path)", errno: errno) }
            try DurableFile.syncFile(url)
        }
        var entries: [LedgerEntry] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            do {
                entries.append(try RestorePoint.decoder.decode(LedgerEntry.self, from: Data(line)))
            } catch {
                throw BackupError.corruptManifest("ledger \(url.path) has a line that cannot be read (\(error))")
            }
        }
        return ShipLedger(url: url, entries: entries)
    }

    /// Appends `entry` and syncs it before returning.
    package mutating func record(_ entry: LedgerEntry) throws {
        var line = try RestorePoint.encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        try DurableFile.append(line, to: url)
        entries.append(entry)
    }

    /// The last call's intent, when no outcome followed it (the process died during the call).
    package var unsettled: LedgerEntry? {
        guard let last = entries.last, last.event == .intent else { return nil }
        return last
    }

    /// Packs the vendor confirmed it stored, oldest first.
    package var storedPacks: [String] {
        entries.filter { $0.event == .outcome && $0.result == .stored }.map(\.pack)
    }

    /// The earliest moment the next call may be made: the start of the UTC day after the last call that
    /// may have reached the vendor, later if the vendor said so (`Retry-After`).
    package var nextCallAt: Date? {
        var latest: Date?
        for (index, entry) in entries.enumerated() where entry.event == .intent {
            let outcome = entries[(index + 1)...].first { $0.event == .outcome && $0.pack == entry.pack }
            let bound: Date? =
                switch outcome?.result {
                case .notDelivered?: outcome?.nextCallAt
                default: [entry.notBefore, outcome?.nextCallAt].compactMap { $0 }.max()
                }
            if let bound { latest = max(latest ?? bound, bound) }
        }
        return latest
    }
}
