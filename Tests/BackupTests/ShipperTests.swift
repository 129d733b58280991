import Backup
import Crypto
import Foundation
import Logging
import Synchronization
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A vendor in memory with the real rule (one upload per account per UTC day of `clock`), and a way to
/// make the next upload fail in each way a real one can.
final class FakeVendor: BackupVendorClient, Sendable {
    enum Next: Sendable {
        case answer
        /// No connection: the call never arrives.
        case notDelivered
        /// The vendor stores the pack, and the answer is lost.
        case storeAndLoseAnswer
        /// The connection breaks before the vendor has it all.
        case breakBeforeStored
    }

    struct State {
        var packs: [(pack: VendorPack, data: Data)] = []
        var calls: [(day: String, stored: Bool)] = []
        var next = Next.answer
        var now = Date(timeIntervalSince1970: 1_796_212_800)  // 2026-12-02 12:00 UTC
    }

    let state = Mutex(State())

    var now: Date {
        get { state.withLock { $0.now } }
        set { state.withLock { $0.now = newValue } }
    }

    var packs: [VendorPack] { state.withLock { $0.packs.map(\.pack) } }
    /// Calls that reached the vendor, by its day.
    var callsByDay: [String: Int] { state.withLock { Dictionary(grouping: $0.calls, by: \.day).mapValues(\.count) } }

    func failNext(_ next: Next) {
        state.withLock { $0.next = next }
    }

    func upload(account: String, packID: String, file: URL, bytes: Int64, sha256: Data) async throws -> UploadAnswer {
        let data = try Data(contentsOf: file)
        return try state.withLock { state in
            let next = state.next
            state.next = .answer
            if next == .notDelivered { throw VendorCallError.notDelivered("connection refused") }
            let day = UTCDay.name(of: state.now)
            let usedToday = state.packs.contains { $0.pack.day == day }
            state.calls.append((day, !usedToday && next != .breakBeforeStored))
            if next == .breakBeforeStored { throw VendorCallError.unknown("connection reset") }
            if usedToday { return .refused(retryAfterSeconds: UTCDay.secondsUntilNextDay(from: state.now)) }
            let pack = VendorPack(
                packID: packID, bytes: Int64(data.count),
                sha256: Data(SHA256.hash(data: data)).map { String(format: "%02x", $0) }.joined(),
                storedAt: state.now, day: day)
            state.packs.append((pack, data))
            if next == .storeAndLoseAnswer { throw VendorCallError.unknown("timed out waiting for the answer") }
            return .stored(pack)
        }
    }

    func listPacks(account: String) async throws -> [VendorPack] { packs }

    func download(account: String, packID: String, to file: URL) async throws {
        guard let data = state.withLock({ $0.packs.first { $0.pack.packID == packID }?.data }) else {
            throw VendorCallError.answered(status: 404, detail: "no pack")
        }
        try data.write(to: file)
    }
}

@Suite("Shipping: one call a day", .timeLimit(.minutes(5)))
struct ShipperTests {
    let key = BackupKey(key: SymmetricKey(size: .bits256))
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func shipper(_ repository: BackupRepository, _ vendor: FakeVendor) -> Shipper {
        Shipper(repository: repository, key: key, vendor: vendor, account: "acct", logger: logger)
    }

    func ship(_ repository: BackupRepository, _ vendor: FakeVendor) async throws -> ShipReport {
        try await shipper(BackupRepository.open(at: repository.root), vendor).ship(now: { vendor.now })
    }

    static let day: TimeInterval = 86_400

    @Test("one call carries every restore point since the last; a second call that day is not made")
    func oneCallADay() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            for round in 0..<4 {
                try await database.write(300, seed: round)
                _ = try await snapshot(database, into: repository)
            }
            let first = try await ship(repository, vendor)
            guard case .stored = first.outcome else { Issue.record("not stored: \(first.outcome)"); return }
            #expect(first.restorePoints == 4)
            #expect(first.bytes * 2 < first.fullCopyBytes)

            _ = try await snapshot(database, into: repository)
            let again = try await ship(repository, vendor)
            #expect(again.outcome == .notDue(until: UTCDay.startOfNextDay(after: vendor.now)))
            #expect(vendor.callsByDay.values.max() == 1)

            vendor.now += Self.day
            try await database.write(50, seed: 9)
            _ = try await snapshot(database, into: repository)
            let next = try await ship(repository, vendor)
            guard case .stored = next.outcome else { Issue.record("not stored: \(next.outcome)"); return }
            #expect(next.restorePoints == 2)
            // Only what changed since: far less than the first pack.
            #expect(next.bytes * 3 < first.bytes)
            #expect(try await ship(repository, vendor).outcome == .notDue(until: UTCDay.startOfNextDay(after: vendor.now)))

            vendor.now += Self.day
            #expect(try await ship(repository, vendor).outcome == .nothingToShip)
            #expect(vendor.callsByDay == ["2026-12-02": 1, "2026-12-03": 1])
        }
    }

    @Test("a call whose answer was lost counts as made; the next day's pack carries its restore points again")
    func unknownOutcomeCovered() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            try await database.write(300, perTransaction: 100)
            let lost = try await snapshot(database, into: repository).point
            vendor.failNext(.breakBeforeStored)
            let report = try await ship(repository, vendor)
            guard case .notStored(.unknown, let nextCallAt, _) = report.outcome else { Issue.record("\(report.outcome)"); return }
            #expect(nextCallAt == UTCDay.startOfNextDay(after: vendor.now))
            #expect(try await ship(repository, vendor).outcome == .notDue(until: nextCallAt!))

            vendor.now += Self.day
            let newer = try await snapshot(database, into: repository).point
            let covered = try await ship(repository, vendor)
            guard case .stored = covered.outcome else { Issue.record("\(covered.outcome)"); return }
            #expect(covered.restorePoints == 2)
            #expect(vendor.callsByDay.values.max() == 1)

            let (copy, _) = try await VendorImporter(vendor: vendor, account: "acct", key: key)
                .importAll(into: directory.appendingPathComponent("imported"))
            #expect(Set(try copy.restorePoints().map(\.id)) == [lost.id, newer.id])
        }
    }

    @Test("a call that never connected may be made again the same day, after a pause")
    func notDeliveredRetried() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            _ = try await snapshot(database, into: repository)
            vendor.failNext(.notDelivered)
            let report = try await ship(repository, vendor)
            guard case .notStored(.notDelivered, let retryAt?, _) = report.outcome else {
                Issue.record("\(report.outcome)"); return
            }
            #expect(retryAt == vendor.now.addingTimeInterval(300))
            #expect(try await ship(repository, vendor).outcome == .notDue(until: retryAt))
            vendor.now += 301
            guard case .stored = try await ship(repository, vendor).outcome else { Issue.record("not stored"); return }
            #expect(vendor.callsByDay == ["2026-12-02": 1])
        }
    }

    @Test("an intent without an outcome (the process died during the call) counts as a call made")
    func unsettledIntentAfterCrash() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            _ = try await snapshot(database, into: repository)
            var ledger = try ShipLedger.load(repository.shipDirectory.appendingPathComponent("ledger.jsonl"))
            try ledger.record(
                .intent(pack: "20261202T110000Z-deadbeef", at: vendor.now.addingTimeInterval(-3600), bytes: 1, restorePoints: 1))
            let report = try await ship(repository, vendor)
            #expect(report.recoveredUnknownCall == "20261202T110000Z-deadbeef")
            #expect(report.outcome == .notDue(until: UTCDay.startOfNextDay(after: vendor.now)))
            #expect(vendor.callsByDay.isEmpty)
            let reloaded = try ShipLedger.load(ledger.url)
            #expect(reloaded.entries.last?.result == .unknown)
        }
    }

    @Test("a 429 is recorded with the vendor's Retry-After, and nothing is sent before it")
    func refusedHonoursRetryAfter() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            _ = try await snapshot(database, into: repository)
            // Another client of the account used the day (the vendor's clock may run ahead of ours).
            try await vendor.upload(
                account: "acct", packID: "other", file: database.url, bytes: 0, sha256: Data()
            ).assertStored()
            let report = try await ship(repository, vendor)
            guard case .notStored(.refused, let retryAt?, _) = report.outcome else { Issue.record("\(report.outcome)"); return }
            #expect(retryAt == UTCDay.startOfNextDay(after: vendor.now))
        }
    }

    @Test("a restore point with a damaged chunk is left out of the pack, never sent; the others go")
    func damagedRestorePointLeftOut() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let vendor = FakeVendor()
            try await database.write(1000, perTransaction: 100)
            let good = try await snapshot(database, into: repository).point
            try await database.write(1000, seed: 7)
            let damaged = try await snapshot(database, into: repository).point
            let shared = try repository.blobs(of: good, codec: ChunkCodec())
            let own = try repository.blobs(of: damaged, codec: ChunkCodec()).subtracting(shared).filter {
                !damaged.listBlobs.contains($0)
            }
            try flipByte(in: repository.chunks.url(of: try #require(own.first)))

            let report = try await ship(repository, vendor)
            guard case .stored = report.outcome else {
                Issue.record("\(report.outcome)")
                return
            }
            #expect(report.restorePoints == 1)
            #expect(report.skipped.count == 1 && report.skipped[0].hasPrefix(damaged.id))
            let (copy, _) = try await VendorImporter(vendor: vendor, account: "acct", key: key)
                .importAll(into: directory.appendingPathComponent("imported"))
            #expect(try copy.restorePoints().map(\.id) == [good.id])
        }
    }

    @Test("a torn last line of the ledger is cut off; the lines before it stand")
    func tornLedger() async throws {
        try await withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("ledger.jsonl")
            var ledger = try ShipLedger.load(url)
            let now = Date(timeIntervalSince1970: 1_796_212_800)
            try ledger.record(.intent(pack: "p1", at: now, bytes: 10, restorePoints: 1))
            try ledger.record(.outcome(pack: "p1", at: now, result: .stored))
            let handle = try FileHandle(forWritingTo: url)
            handle.seekToEndOfFile()
            handle.write(Data(#"{"event":"intent","pack":"p2","#.utf8))
            try handle.close()
            var repaired = try ShipLedger.load(url)
            #expect(repaired.entries.map(\.pack) == ["p1", "p1"])
            #expect(repaired.storedPacks == ["p1"])
            #expect(repaired.nextCallAt == UTCDay.startOfNextDay(after: now))
            try repaired.record(.intent(pack: "p3", at: now + Self.day, bytes: 10, restorePoints: 1))
            #expect(try ShipLedger.load(url).unsettled?.pack == "p3")
        }
    }
}

extension UploadAnswer {
    func assertStored() {
        guard case .stored = self else { Issue.record("expected stored, got \(self)"); return }
    }
}
