import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The chunks of a local repository, one file each, named by their hash under a two-digit fan-out
/// directory: `chunks/3f/3fa9…`. A chunk file holds the chunk's stored form (`ChunkCodec`).
///
/// A new chunk is written under a temporary name, synced and renamed; `flush()` then syncs the
/// directories that gained names. A restore point is written only after `flush()`, so it never names a
/// chunk that a power cut could take back.
package final class ChunkStore {
    package let directory: URL
    private var known: Set<ChunkID>?
    private var dirtyDirectories: Set<String> = []

    package init(directory: URL) {
        self.directory = directory
    }

    package func url(of id: ChunkID) -> URL {
        let hex = id.hex
        return directory.appendingPathComponent(String(hex.prefix(2)), isDirectory: true).appendingPathComponent(hex)
    }

    /// Every chunk in the store (read from disk once, then kept up to date).
    package func ids() throws -> Set<ChunkID> {
        if let known { return known }
        var found = Set<ChunkID>()
        let manager = FileManager.default
        for fanOut in (try? manager.contentsOfDirectory(atPath: directory.path)) ?? [] where fanOut.count == 2 {
            let path = directory.appendingPathComponent(fanOut).path
            for name in try manager.contentsOfDirectory(atPath: path) {
                if let id = ChunkID(hex: name) { found.insert(id) }
            }
        }
        known = found
        return found
    }

    package func contains(_ id: ChunkID) throws -> Bool {
        try ids().contains(id)
    }

    /// Stores a chunk's sealed bytes unless the store has it; returns whether it was new.
    @discardableResult
    package func put(_ id: ChunkID, sealed: Data) throws -> Bool {
        guard try !contains(id) else { return false }
        let url = url(of: id)
        let fanOut = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: fanOut.path) {
            try DurableFile.makeDirectory(fanOut)
        }
        let staging = fanOut.appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(staging.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(staging.path)", errno: errno) }
        do {
            try DurableFile.writeAll(fd, sealed, path: staging.path)
            guard fsync(fd) == 0 else { throw BackupError.io("cannot sync \(staging.path)", errno: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(staging.path)
            throw error
        }
        guard rename(staging.path, url.path) == 0 else { throw BackupError.io("cannot store \(url.path)", errno: errno) }
        dirtyDirectories.insert(fanOut.path)
        known?.insert(id)
        return true
    }

    /// The sealed bytes of a chunk; `missingChunk` when the store does not have it.
    package func sealed(_ id: ChunkID, neededBy: String) throws -> Data {
        let url = url(of: id)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw BackupError.missingChunk(id, needed: neededBy)
        }
        return data
    }

    /// The raw bytes of a chunk, checked against its name.
    package func read(_ id: ChunkID, codec: ChunkCodec, neededBy: String) throws -> Data {
        try codec.open(try sealed(id, neededBy: neededBy), id: id, source: url(of: id).path)
    }

    package func remove(_ id: ChunkID) throws {
        let url = url(of: id)
        guard unlink(url.path) == 0 || errno == ENOENT else { throw BackupError.io("cannot remove \(url.path)", errno: errno) }
        dirtyDirectories.insert(url.deletingLastPathComponent().path)
        known?.remove(id)
    }

    /// Bytes the store takes on disk (file sizes).
    package func storedBytes() throws -> Int64 {
        var total: Int64 = 0
        for id in try ids() {
            var info = stat()
            if stat(url(of: id).path, &info) == 0 { total += Int64(info.st_size) }
        }
        return total
    }

    /// Syncs every directory that gained or lost a name since the last flush.
    package func flush() throws {
        for path in dirtyDirectories.sorted() {
            try DurableFile.syncDirectory(URL(fileURLWithPath: path, isDirectory: true))
        }
        if !dirtyDirectories.isEmpty { try DurableFile.syncDirectory(directory) }
        dirtyDirectories.removeAll()
    }
}
