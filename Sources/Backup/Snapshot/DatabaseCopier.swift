import Foundation
import GRDB

/// A transactionally consistent copy of a SQLite database that another process is serving.
///
/// SQLite's online backup API, in a single step: the whole copy is made inside one read transaction,
/// so it is the database as of one commit. In WAL mode a reader never blocks the writer, so the service
/// goes on committing while the copy is made. The copy keeps the source's page layout, page for page:
/// a page the service did not touch is byte for byte the same in the next copy, which is what lets the
/// chunker find it again (`VACUUM INTO` would repack the pages and move everything after a change).
package enum DatabaseCopier {
    /// Copies the database at `source` into a new file at `destination`.
    package static func copy(from source: URL, to destination: URL) throws {
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw BackupError.databaseCopyFailed(source.lastPathComponent, "\(source.path) does not exist")
        }
        try? FileManager.default.removeItem(at: destination)
        do {
            var sourceConfiguration = Configuration()
            // The service may hold the write lock for a moment when the copy starts; wait for it.
            sourceConfiguration.busyMode = .timeout(10)
            let reader = try DatabaseQueue(path: source.path, configuration: sourceConfiguration)
            var destinationConfiguration = Configuration()
            destinationConfiguration.prepareDatabase { db in
                // A scratch file: it is chunked and deleted, and the chunks are synced, not this.
                try db.execute(sql: "PRAGMA synchronous = OFF")
            }
            let copy = try DatabaseQueue(path: destination.path, configuration: destinationConfiguration)
            try reader.backup(to: copy, pagesPerStep: -1)
            try copy.close()
            try reader.close()
        } catch let error as DatabaseError {
            try? FileManager.default.removeItem(at: destination)
            throw BackupError.databaseCopyFailed(source.lastPathComponent, error.message ?? "\(error)")
        }
        // Closing the last connection folds any log into the file: everything the copy holds must be in it.
        for suffix in ["-wal", "-journal"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: destination.path + suffix))?[.size] as? Int ?? 0
            guard size == 0 else {
                throw BackupError.databaseCopyFailed(source.lastPathComponent, "the copy kept a \(suffix) file of \(size) bytes")
            }
        }
        try? FileManager.default.removeItem(atPath: destination.path + "-shm")
    }
}
