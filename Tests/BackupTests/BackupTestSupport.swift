import Backup
import Foundation
import GRDB
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A data directory with a live SQLite database (WAL, as the services run them): `ledger.sqlite`, where
/// every write moves money between accounts in one transaction, so a consistent copy always sums to
/// `LiveDatabase.total`, and appends a row to `entries` (the database grows as a service's does).
final class LiveDatabase: Sendable {
    static let total = 1_000_000
    static let accounts = 100
    let pool: DatabasePool
    let url: URL

    init(directory: URL, name: String = "ledger.sqlite") throws {
        url = directory.appendingPathComponent(name)
        pool = try SQLiteStore.open(path: url.path, durability: .normal)
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)")
            try db.execute(sql: "CREATE TABLE entries (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
            for id in 0..<Self.accounts {
                try db.execute(sql: "INSERT INTO accounts VALUES (?, ?)", arguments: [id, Self.total / Self.accounts])
            }
        }
    }

    /// `count` transfers, each with a new entry row, `perTransaction` to a transaction (one each, as a
    /// service writes, unless a test only needs the rows: 5,000 transactions one by one took minutes in
    /// a crowded run). GRDB's async writes wait for its writer queue without holding a thread of the
    /// cooperative pool (`offThePool`).
    func write(_ count: Int, seed: Int = 0, perTransaction: Int = 1) async throws {
        for first in stride(from: 0, to: count, by: perTransaction) {
            try await pool.write { db in
                for step in first..<min(count, first + perTransaction) {
                    let from = (step * 7 + seed) % Self.accounts
                    let to = (step * 13 + seed + 1) % Self.accounts
                    try db.execute(sql: "UPDATE accounts SET balance = balance - 1 WHERE id = ?", arguments: [from])
                    try db.execute(sql: "UPDATE accounts SET balance = balance + 1 WHERE id = ?", arguments: [to])
                    try db.execute(
                        sql: "INSERT INTO entries (note) VALUES (?)", arguments: [String(repeating: "x", count: 200) + "\(step)"])
                }
            }
        }
    }

    static func sum(of url: URL) throws -> Int {
        let queue = try DatabaseQueue(path: url.path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(balance) FROM accounts") ?? -1 }
    }

    static func entries(of url: URL) throws -> Int {
        let queue = try DatabaseQueue(path: url.path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries") ?? -1 }
    }
}

extension BackupRepository {
    /// A new repository in `directory/repo`.
    static func scratch(in directory: URL) throws -> BackupRepository {
        try BackupRepository.openOrCreate(at: directory.appendingPathComponent("repo"))
    }
}

/// A restore point of `database`, taken now (or at `time`), on a thread of its own: a snapshot copies,
/// chunks, compresses and waits on `syncfs`, all of it blocking (`offThePool`).
func snapshot(_ database: LiveDatabase, into repository: BackupRepository, time: Date = Date()) async throws -> SnapshotReport {
    let (root, source) = (repository.root, SnapshotSource(name: "ledger.sqlite", url: database.url))
    return try await offThePool { try Snapshotter(repository: BackupRepository.open(at: root)).snapshot([source], time: time) }
}

/// The file of one stored chunk that a restore point needs (not a list blob).
func someChunkFile(of point: RestorePoint, in repository: BackupRepository) throws -> URL {
    let codec = try ChunkCodec()
    let blob = try repository.chunks.read(point.databases[0].lists[0], codec: codec, neededBy: "test")
    let refs = try ChunkList.refs(in: blob, source: "test")
    return repository.chunks.url(of: refs[refs.count / 2].id)
}

func flipByte(in file: URL, at fraction: Double = 0.5) throws {
    var data = try Data(contentsOf: file)
    let index = min(data.count - 1, max(6, Int(Double(data.count) * fraction)))
    data[index] ^= 0x5A
    try data.write(to: file)
}

/// `count` restore points taken one after the other while `write` runs, which is awaited after them.
func snapshots(
    _ count: Int, whileWriting write: @escaping @Sendable () async throws -> Void, take: () async throws -> SnapshotReport
) async throws -> [RestorePoint] {
    let writer = Task.detached { try await write() }
    var points: [RestorePoint] = []
    for _ in 0..<count { points.append(try await take().point) }
    try await writer.value
    return points
}

/// The day's one call to the vendor at `url`: every restore point of the repository at `repositoryURL`.
func shipAll(from repositoryURL: URL, key: BackupKey, to url: URL) async throws -> ShipReport {
    try await HTTPBackupVendorClient.with(baseURL: url, token: vendorToken) { vendor in
        try await Shipper(
            repository: BackupRepository.open(at: repositoryURL), key: key, vendor: vendor, account: "acct", logger: quietLogger
        ).ship()
    }
}

/// The vendor's copy of the account, every pack opened with `key`, as a repository in `directory`.
func vendorCopy(from url: URL, key: BackupKey, into directory: URL) async throws -> (BackupRepository, ImportReport) {
    try await HTTPBackupVendorClient.with(baseURL: url, token: vendorToken) { vendor in
        try await VendorImporter(vendor: vendor, account: "acct", key: key).importAll(into: directory)
    }
}

/// Writes 5,000 transfers, takes a restore point, writes 20 more and takes another: the second must
/// store under a tenth of what it copied. Returns the second.
@discardableResult
func expectSecondSnapshotStoresLittle(
    write: (_ count: Int, _ seed: Int) async throws -> Void, snapshot: () async throws -> SnapshotReport
) async throws -> SnapshotReport {
    try await write(5000, 0)
    let first = try await snapshot()
    try await write(20, 3)
    let second = try await snapshot()
    #expect(first.bytesCopied > 1_000_000)
    #expect(second.newStoredBytes * 10 < second.bytesCopied, "stored \(second.newStoredBytes) of \(second.bytesCopied)")
    return second
}
