import Crypto
import Foundation

/// A database to snapshot: its name in the restore point (the file a restore writes) and where it is now.
package struct SnapshotSource: Sendable {
    package enum Origin: Sendable {
        /// An SQLite file a service serves, copied by `DatabaseCopier`.
        case sqliteFile(URL)
        /// The services' schemas in a PostgreSQL database, dumped by `PostgresDumper`.
        case postgres(PostgresDumper)
    }

    package var name: String
    package var origin: Origin

    /// The SQLite file at `url`.
    package init(name: String, url: URL) {
        self.name = name
        origin = .sqliteFile(url)
    }

    /// The dump of `dumper`'s schemas.
    package init(postgres dumper: PostgresDumper) {
        name = PostgresDumper.fileName
        origin = .postgres(dumper)
    }

    package var kind: RestorePoint.Kind {
        switch origin {
        case .sqliteFile: .sqlite
        case .postgres: .postgresDump
        }
    }

    /// Writes the consistent copy (or dump) to a new file at `destination`.
    func copy(to destination: URL) throws {
        switch origin {
        case .sqliteFile(let url): try DatabaseCopier.copy(from: url, to: destination)
        case .postgres(let dumper): try dumper.dump(to: destination)
        }
    }
}

/// What one snapshot cost.
package struct SnapshotReport: Sendable {
    package var point: RestorePoint
    /// Bytes of the consistent copies (a full copy of every database).
    package var bytesCopied: Int64 = 0
    package var chunks = 0
    /// Chunks and list blobs the repository did not have.
    package var newBlobs = 0
    /// Bytes those new blobs take on disk, compressed.
    package var newStoredBytes: Int64 = 0
    package var duration: Duration = .zero
}

/// Takes restore points: a consistent copy of each database (`DatabaseCopier`, or `PostgresDumper`), cut into
/// content-defined chunks, each stored once, compressed, by its hash, and a restore point naming them.
///
/// Databases are copied one after the other, in the order given, before any is chunked. Each copy is
/// consistent on its own; across databases the caller picks the order that a restore can make consistent
/// (see `RestoreRepair`).
package struct Snapshotter {
    package let repository: BackupRepository

    package init(repository: BackupRepository) {
        self.repository = repository
    }

    /// Takes one restore point of `sources`. `time` is when it begins: everything committed before it is
    /// in the restore point. Call under the repository's exclusive lock.
    package func snapshot(_ sources: [SnapshotSource], time: Date = Date(), host: String = ProcessInfo.processInfo.hostName)
        throws -> SnapshotReport
    {
        let started = ContinuousClock.now
        let codec = try ChunkCodec()
        let reader = FileChunkReader(chunker: repository.chunker)
        try DurableFile.makeDirectory(repository.temporaryDirectory)
        var report = SnapshotReport(
            point: RestorePoint(id: RestorePoint.makeID(time: time), time: time, host: host, databases: []))
        // Every copy first, back to back, so the databases' moments lie as close together as they can;
        // the chunking after them takes longer than the copies do.
        var copies: [(source: SnapshotSource, url: URL, copiedAt: Date)] = []
        defer { for copy in copies { try? FileManager.default.removeItem(at: copy.url) } }
        for source in sources {
            let url = repository.temporaryDirectory.appendingPathComponent("\(source.name).\(getpid()).copy")
            let copiedAt = Date()
            try source.copy(to: url)
            copies.append((source, url, copiedAt))
        }
        for copy in copies {
            var whole = SHA256()
            var refs: [ChunkRef] = []
            var bytes: Int64 = 0
            try reader.forEachChunk(ofFileAt: copy.url.path) { chunk in
                whole.update(bufferPointer: chunk)
                let id = ChunkID(hashing: chunk)
                refs.append(ChunkRef(id: id, length: UInt32(chunk.count)))
                bytes += Int64(chunk.count)
                if try !repository.chunks.contains(id) {
                    let sealed = try codec.seal(chunk)
                    try repository.chunks.put(id, sealed: sealed)
                    report.newBlobs += 1
                    report.newStoredBytes += Int64(sealed.count)
                }
            }
            var lists: [ChunkID] = []
            for blob in ChunkList.blobs(of: refs) {
                let id = ChunkID(hashing: blob)
                lists.append(id)
                if try !repository.chunks.contains(id) {
                    let sealed = try blob.withUnsafeBytes { try codec.seal($0) }
                    try repository.chunks.put(id, sealed: sealed)
                    report.newBlobs += 1
                    report.newStoredBytes += Int64(sealed.count)
                }
            }
            report.point.databases.append(
                RestorePoint.Database(
                    name: copy.source.name, kind: copy.source.kind, bytes: bytes, sha256: ChunkID(digest: whole.finalize()).hex, lists: lists,
                    chunkCount: refs.count, copiedAt: copy.copiedAt))
            report.bytesCopied += bytes
            report.chunks += refs.count
        }
        // Chunks first, durably; then the restore point that names them.
        try repository.chunks.flush()
        try repository.save(report.point)
        report.duration = ContinuousClock.now - started
        return report
    }
}
