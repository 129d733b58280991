import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A local backup repository:
///
/// ```
/// config.json                 format version, repository id, chunker parameters
/// key                         the pack key (mode 0600), unless kept elsewhere (`BackupKey`)
/// lock                        flock: exclusive for snapshot, ship and prune; shared for readers
/// chunks/3f/3fa9…             every chunk and list blob, once, by SHA-256 (`ChunkStore`)
/// snapshots/<id>.json         one restore point each (`RestorePoint`)
/// ship/ledger.jsonl           the vendor calls, before and after each (`ShipLedger`)
/// ship/packs/<pack>.contents  what each pack carried
/// ship/outgoing/<pack>.pack   a pack built and not yet settled
/// tmp/                        database copies being chunked
/// ```
///
/// Not `Sendable`: one command uses it from one task, under the repository lock.
package final class BackupRepository {
    package struct Config: Codable, Sendable, Equatable {
        package var version = 1
        package var id: String
        package var chunker: ChunkerParameters
        package var createdAt: Date
    }

    package let root: URL
    package let config: Config
    package let chunks: ChunkStore

    private init(root: URL, config: Config) {
        self.root = root
        self.config = config
        self.chunks = ChunkStore(directory: root.appendingPathComponent("chunks", isDirectory: true))
    }

    package var snapshotsDirectory: URL { root.appendingPathComponent("snapshots", isDirectory: true) }
    package var shipDirectory: URL { root.appendingPathComponent("ship", isDirectory: true) }
    package var temporaryDirectory: URL { root.appendingPathComponent("tmp", isDirectory: true) }
    package var chunker: ContentDefinedChunker { ContentDefinedChunker(parameters: config.chunker) }

    private static func configURL(_ root: URL) -> URL { root.appendingPathComponent("config.json") }

    /// Opens the repository at `root`; `notARepository` when there is none.
    package static func open(at root: URL) throws -> BackupRepository {
        guard let data = FileManager.default.contents(atPath: configURL(root).path) else {
            throw BackupError.notARepository(root.path)
        }
        let config: Config
        do {
            config = try RestorePoint.decoder.decode(Config.self, from: data)
        } catch {
            throw BackupError.unsupportedRepository("\(configURL(root).path) cannot be read (\(error))")
        }
        guard config.version == 1, config.chunker.isValid else {
            throw BackupError.unsupportedRepository("format \(config.version), chunker \(config.chunker)")
        }
        return BackupRepository(root: root, config: config)
    }

    /// Opens the repository at `root`, creating it first when there is none.
    package static func openOrCreate(at root: URL, chunker: ChunkerParameters = .standard) throws -> BackupRepository {
        if FileManager.default.fileExists(atPath: configURL(root).path) { return try open(at: root) }
        try DurableFile.makeDirectory(root)
        let config = Config(id: String(format: "%016llx", UInt64.random(in: .min ... .max)), chunker: chunker, createdAt: Date())
        // Two processes creating one repository at once: the config is written whole, and the second
        // rename leaves one valid config, which both then read.
        try DurableFile.write(try RestorePoint.encoder.encode(config), to: configURL(root))
        for directory in ["chunks", "snapshots", "ship", "tmp"] {
            try DurableFile.makeDirectory(root.appendingPathComponent(directory, isDirectory: true))
        }
        return try open(at: root)
    }

    // MARK: Locking

    /// Takes the repository lock, waiting up to `wait` for another process to release it. The lock
    /// goes with the process, so a killed process never leaves it held.
    package func lock(exclusive: Bool, wait: Duration = .seconds(60)) async throws -> RepositoryLock {
        let path = root.appendingPathComponent("lock").path
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot open \(path)", errno: errno) }
        let giveUp = ContinuousClock.now + wait
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < giveUp else {
                close(fd)
                throw BackupError.repositoryBusy(root.path)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return RepositoryLock(fd: fd)
    }

    // MARK: Restore points

    /// Every restore point, oldest first.
    package func restorePoints() throws -> [RestorePoint] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshotsDirectory.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { name in
            let url = snapshotsDirectory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw BackupError.corruptManifest("\(url.path) cannot be read")
            }
            return try RestorePoint.decode(data, source: url.path)
        }.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    /// Writes a restore point durably. Its chunks must be in the store and flushed first.
    package func save(_ point: RestorePoint) throws {
        try DurableFile.write(try point.encoded(), to: snapshotsDirectory.appendingPathComponent("\(point.id).json"))
    }

    package func removeRestorePoint(id: String) throws {
        let url = snapshotsDirectory.appendingPathComponent("\(id).json")
        guard unlink(url.path) == 0 || errno == ENOENT else { throw BackupError.io("cannot remove \(url.path)", errno: errno) }
    }

    /// Every blob a restore point needs: its list blobs and the chunks they name.
    package func blobs(of point: RestorePoint, codec: ChunkCodec) throws -> Set<ChunkID> {
        var needed = Set(point.listBlobs)
        for database in point.databases {
            for list in database.lists {
                let blob = try chunks.read(list, codec: codec, neededBy: "restore point \(point.id), \(database.name)")
                for ref in try ChunkList.refs(in: blob, source: list.hex) { needed.insert(ref.id) }
            }
        }
        return needed
    }
}

/// A held repository lock; released when dropped (or when the process ends, however it ends).
package final class RepositoryLock {
    private let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
