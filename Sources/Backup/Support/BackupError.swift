import Foundation
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// Everything that can go wrong with a backup, each worded for the operator who reads it.
package enum BackupError: Error, Equatable, CustomStringConvertible {
    case io(String, errno: Int32)
    case notARepository(String)
    case unsupportedRepository(String)
    case repositoryBusy(String)
    /// A chunk's bytes no longer hash to its name: the copy on disk (or in a pack) is damaged.
    case corruptChunk(ChunkID, String)
    case missingChunk(ChunkID, needed: String)
    case corruptManifest(String)
    case noRestorePoint(String)
    case restoredFileMismatch(String)
    case targetNotEmpty(String)
    /// None of the system's databases is in the directory.
    case noDatabases(String)
    case databaseCopyFailed(String, String)
    case integrityCheckFailed(String, String)
    case badKey(String)
    /// A pack the key does not open: the wrong key, or bytes altered after it was sealed.
    case packNotAuthentic(String)
    case malformedPack(String)
    case vendor(String)
    /// A PostgreSQL program (`pg_dump`, `psql`) failed or is missing: its name and its own words.
    case postgres(String, String)
    /// The database a dump is to be loaded into already holds some of its schemas.
    case targetDatabaseNotEmpty(String, [String])
    /// A load into a database of a restore point that holds no PostgreSQL dump.
    case noPostgresDump(String)

    package var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .notARepository(let path): "\(path) is not a backup repository (no config); take a snapshot to create one"
        case .unsupportedRepository(let detail): "unsupported repository: \(detail)"
        case .repositoryBusy(let path): "the repository \(path) is busy (another snapshot, ship or prune holds its lock)"
        case .corruptChunk(let id, let path):
            "chunk \(id) is corrupt: its bytes do not hash to its name (\(path)); the restore point that needs it "
                + "cannot be restored from this copy"
        case .missingChunk(let id, let needed): "chunk \(id) is missing (needed by \(needed))"
        case .corruptManifest(let detail): "corrupt restore point: \(detail)"
        case .noRestorePoint(let detail): "no restore point \(detail)"
        case .restoredFileMismatch(let detail): "restored file does not match its restore point: \(detail)"
        case .targetNotEmpty(let path): "\(path) already exists; restore into a directory without databases, or remove it first"
        case .noDatabases(let path):
            "none of the services' databases (\(SystemDeclaration.databasesInCopyOrder.compactMap(\.databaseFile).joined(separator: ", "))) is in \(path)"
        case .databaseCopyFailed(let name, let detail): "cannot copy \(name): \(detail)"
        case .integrityCheckFailed(let name, let detail): "restored \(name) fails SQLite's integrity check: \(detail)"
        case .badKey(let detail): "backup key: \(detail)"
        case .packNotAuthentic(let detail):
            "pack \(detail) does not authenticate: the key is not the one it was sealed with, or its bytes were altered"
        case .malformedPack(let detail): "malformed pack: \(detail)"
        case .vendor(let detail): "backup vendor: \(detail)"
        case .postgres(let program, let detail): "\(program) failed: \(detail)"
        case .targetDatabaseNotEmpty(let place, let schemas):
            "the database \(place) already holds the schemas \(schemas.joined(separator: ", ")): load a restore point into an "
                + "empty database (CREATE DATABASE), or drop them first"
        case .noPostgresDump(let id):
            "restore point \(id) holds SQLite files, not a PostgreSQL dump: restore it with --to and start `warehouse up --data-dir` on it"
        }
    }
}
