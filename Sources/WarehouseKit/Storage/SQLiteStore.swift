import Foundation
import GRDB

/// How hard a commit waits for the disk.
package enum Durability: String, Sendable, CaseIterable {
    /// `synchronous = FULL`: a committed transaction survives a power cut. The default.
    case full
    /// `synchronous = NORMAL`: survives any crash of the process, but the last commits may be lost
    /// if the machine itself loses power.
    case normal
}

extension Durability: SettingValue {}

/// Opens the SQLite database of one service: WAL mode, foreign keys on, a busy timeout, and the
/// chosen durability applied to the writer connection too (GRDB sets NORMAL there after
/// `prepareDatabase`, so FULL has to be set again once the pool is open).
package enum SQLiteStore {
    package static func open(path: String, durability: Durability = .full) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        return pool
    }

    /// A service's storage in the SQLite file at `path`: the file opened as `open` opens it, the
    /// repository `make` builds on it (and migrates), the health check of the file with `probe`, a
    /// cheap query on one of the service's own tables, and the feed of its outbox when `feed` makes one.
    package static func storage<Repository: Sendable>(
        path: String,
        durability: Durability,
        service: String,
        probe: String,
        repository make: (DatabasePool) throws -> Repository,
        feed: (DatabasePool) -> EventFeed? = { _ in nil }
    ) throws -> Storage<Repository> {
        let pool = try open(path: path, durability: durability)
        let repository = try make(pool)
        return Storage(
            repository: repository, health: try SQLiteHealthIndicator(service: service, path: path, probe: probe),
            feed: feed(pool))
    }
}
