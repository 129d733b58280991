import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Checks a service's SQLite database for real, the way the service uses it: the file at its path is
/// still the one the service has open, a query on one of the service's own tables answers, and the
/// write lock can be taken (and given back at once; nothing is written).
///
/// The probes run on a connection of their own whose busy timeout is `lockWait`, so a database that
/// another process keeps locked is reported as locked quickly, instead of the probe queueing behind the
/// service's writer (busy timeout 5 s) until the monitor gives up on it. Concurrent checks share one
/// probe (`SingleFlight`), so a burst of `/health` requests does not queue up behind a held lock.
package struct SQLiteHealthIndicator: HealthIndicator {
    package let key = "database:responseTime"
    package let componentType = "datastore"
    /// `inventory database`: every output starts with it.
    package let displayName: String
    package let path: String
    /// A cheap query against the service's own tables, such as `SELECT 1 FROM products LIMIT 1`.
    package let probe: String
    package let lockWait: Duration
    private let service: String
    private let connection: DatabaseQueue
    /// The file the service opened; a different file at the path later means it was replaced.
    private let identity: FileIdentity?
    private let flight = SingleFlight<HealthCheckResult>()

    /// Opens the probe connection. Call it after the service has opened (and so created) the database.
    package init(service: String, path: String, probe: String, lockWait: Duration = .milliseconds(300)) throws {
        self.service = service
        self.displayName = "\(service) database"
        self.path = path
        self.probe = probe
        self.lockWait = lockWait
        var configuration = Configuration()
        configuration.label = "\(service).health"
        configuration.busyMode = .timeout(TimeInterval(lockWait.milliseconds / 1000))
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.identity = try? FileIdentity.of(path).get()
    }

    package func check() async -> HealthCheckResult {
        await flight.run { await probeOnce() }
    }

    private func probeOnce() async -> HealthCheckResult {
        await measure {
            try checkFile()
            let probe = self.probe
            do {
                try await connection.writeWithoutTransaction { db in
                    _ = try Row.fetchOne(db, sql: probe)
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    try db.execute(sql: "ROLLBACK")
                }
            } catch let error as DatabaseError {
                throw HealthProbeError("\(displayName): \(describe(error))")
            }
        }
    }

    private func checkFile() throws {
        let current: FileIdentity
        switch FileIdentity.of(path) {
        case .success(let found):
            current = found
        case .failure(let error) where error.code == ENOENT:
            throw HealthProbeError("\(displayName): file \(path) is missing")
        case .failure(let error):
            throw HealthProbeError("\(displayName): cannot examine file \(path): \(error.description)")
        }
        if let identity, identity != current {
            throw HealthProbeError(
                "\(displayName): file \(path) was replaced while \(service) had it open; restart \(service)")
        }
        guard access(path, R_OK | W_OK) == 0 else {
            throw HealthProbeError("\(displayName): file \(path) is not readable and writable by this process")
        }
    }

    private func describe(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "locked by another connection (no write lock within \(Int(lockWait.milliseconds)) ms)"
        default:
            error.message ?? error.description
        }
    }
}

/// Device and inode: which file a path names right now.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    struct StatError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    static func of(_ path: String) -> Result<FileIdentity, StatError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(StatError(code: errno)) }
        return .success(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}

/// A failed health probe; its description is the output a person reads.
package struct HealthProbeError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
