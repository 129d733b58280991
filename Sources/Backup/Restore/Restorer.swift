import Crypto
import Foundation
import GRDB
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// Which restore point to bring back.
package enum RestoreSelector: Sendable, Equatable, CustomStringConvertible {
    case latest
    /// The newest restore point taken at or before this instant.
    case at(Date)
    case id(String)

    /// `latest`, an ISO 8601 instant, or a restore point's id.
    package init?(_ text: String) {
        if text == "latest" {
            self = .latest
        } else if RestorePoint.isValidID(text) {
            self = .id(text)
        } else if let date = BackupTime.parse(text) {
            self = .at(date)
        } else {
            return nil
        }
    }

    package func select(from points: [RestorePoint]) throws -> RestorePoint {
        let chosen: RestorePoint? =
            switch self {
            case .latest: points.last
            case .at(let date): points.last { $0.time <= date }
            case .id(let id): points.first { $0.id == id }
            }
        guard let chosen else { throw BackupError.noRestorePoint(points.isEmpty ? "in the repository" : description) }
        return chosen
    }

    package var description: String {
        switch self {
        case .latest: "latest"
        case .at(let date): "at or before \(UTCTimestamp.iso8601(date))"
        case .id(let id): "with id \(id)"
        }
    }
}

/// What a restore brings the databases back to, once they are in place, before any service starts.
///
/// The databases of a restore point were copied one after the other, each at its own moment. A repair
/// takes them to one consistent cut across services (the warehouse's undoes what a later copy holds
/// about orders an earlier copy never saw). It returns what it did, one line per change, for the report.
package protocol RestoreRepair {
    func repair(databasesIn directory: URL) async throws -> [String]
}

/// What a restore did.
package struct RestoreReport: Sendable {
    package var point: RestorePoint
    package var files: [URL] = []
    package var bytes: Int64 = 0
    package var repairs: [String] = []
    package var duration: Duration = .zero
}

/// Brings a restore point back as files: every chunk is read, checked against its hash, and written in
/// order; each file is checked against the restore point's size and SHA-256 and, an SQLite file, SQLite's
/// integrity check (a PostgreSQL dump is then loaded by `PostgresLoader`). Files are written under temporary names and renamed into place only when all of them passed,
/// so a failed restore leaves no database behind.
package struct Restorer {
    package let repository: BackupRepository

    package init(repository: BackupRepository) {
        self.repository = repository
    }

    package func restore(_ point: RestorePoint, to directory: URL, repair: (any RestoreRepair)? = nil) async throws
        -> RestoreReport
    {
        let started = ContinuousClock.now
        try DurableFile.makeDirectory(directory)
        for database in point.databases {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = directory.appendingPathComponent(database.name + suffix).path
                if FileManager.default.fileExists(atPath: path) { throw BackupError.targetNotEmpty(path) }
            }
        }
        let codec = try ChunkCodec()
        var report = RestoreReport(point: point)
        var staged: [(staging: URL, final: URL)] = []
        do {
            for database in point.databases {
                let final = directory.appendingPathComponent(database.name)
                let staging = directory.appendingPathComponent(".\(database.name).restoring")
                staged.append((staging, final))
                try write(database, of: point, to: staging, codec: codec)
                // A dump is checked by its size and hash here, and by psql, statement by statement, when loaded.
                if database.kind == .sqlite { try Self.checkIntegrity(of: staging, name: database.name) }
                report.bytes += database.bytes
            }
        } catch {
            for file in staged { try? FileManager.default.removeItem(at: file.staging) }
            throw error
        }
        for file in staged {
            guard rename(file.staging.path, file.final.path) == 0 else {
                throw BackupError.io("cannot move \(file.staging.path) into place", errno: errno)
            }
            report.files.append(file.final)
        }
        try DurableFile.syncDirectory(directory)
        if let repair { report.repairs = try await repair.repair(databasesIn: directory) }
        report.duration = ContinuousClock.now - started
        return report
    }

    private func write(_ database: RestorePoint.Database, of point: RestorePoint, to url: URL, codec: ChunkCodec) throws {
        let neededBy = "restore point \(point.id), \(database.name)"
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(url.path)", errno: errno) }
        defer { close(fd) }
        var whole = SHA256()
        var bytes: Int64 = 0
        for list in database.lists {
            let blob = try repository.chunks.read(list, codec: codec, neededBy: neededBy)
            for ref in try ChunkList.refs(in: blob, source: list.hex) {
                let chunk = try repository.chunks.read(ref.id, codec: codec, neededBy: neededBy)
                guard chunk.count == Int(ref.length) else {
                    throw BackupError.corruptChunk(ref.id, repository.chunks.url(of: ref.id).path)
                }
                whole.update(data: chunk)
                try DurableFile.writeAll(fd, chunk, path: url.path)
                bytes += Int64(chunk.count)
            }
        }
        guard fsync(fd) == 0 else { throw BackupError.io("cannot sync \(url.path)", errno: errno) }
        let digest = ChunkID(digest: whole.finalize()).hex
        guard bytes == database.bytes, digest == database.sha256 else {
            throw BackupError.restoredFileMismatch(
                "\(database.name): \(bytes) bytes with SHA-256 \(digest), expected \(database.bytes) bytes with \(database.sha256)"
            )
        }
    }

    /// SQLite's own check of every page, index and constraint of the restored file.
    static func checkIntegrity(of url: URL, name: String) throws {
        do {
            let queue = try DatabaseQueue(path: url.path)
            let result = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            try queue.close()
            guard result == ["ok"] else { throw BackupError.integrityCheckFailed(name, result.prefix(5).joined(separator: "; ")) }
        } catch let error as DatabaseError {
            throw BackupError.integrityCheckFailed(name, error.message ?? "\(error)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) }
    }
}
