import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What an import from the vendor brought back.
package struct ImportReport: Sendable {
    package var packs = 0
    package var bytesDownloaded: Int64 = 0
    package var restorePoints = 0
    package var blobs = 0
    package var duration: Duration = .zero
}

/// Rebuilds a local repository from the vendor's copy alone, for when the machine is gone: every pack
/// of the account is downloaded, checked against the vendor's digest, opened with the key (any changed
/// byte or the wrong key stops it), and its blobs (each checked against its hash) and restore points
/// are added to the repository at `root`, which is created with the chunker the packs were cut with.
package struct VendorImporter {
    package let vendor: any BackupVendorClient
    package let account: String
    package let key: BackupKey

    package init(vendor: any BackupVendorClient, account: String, key: BackupKey) {
        self.vendor = vendor
        self.account = account
        self.key = key
    }

    package func importAll(into root: URL) async throws -> (BackupRepository, ImportReport) {
        let started = ContinuousClock.now
        var report = ImportReport()
        let packs = try await vendor.listPacks(account: account)
        guard !packs.isEmpty else { throw BackupError.noRestorePoint("at the vendor for account \(account)") }
        try DurableFile.makeDirectory(root)
        let codec = try ChunkCodec()
        var repository: BackupRepository?
        for pack in packs {
            let file = root.appendingPathComponent(".\(pack.packID).download")
            defer { try? FileManager.default.removeItem(at: file) }
            try await vendor.download(account: account, packID: pack.packID, to: file)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw BackupError.io("cannot read \(file.path)", errno: EIO)
            }
            report.bytesDownloaded += Int64(data.count)
            var reader = try PackReader(data: data, account: account, packID: pack.packID, key: key)
            let target = try repository ?? BackupRepository.openOrCreate(at: root, chunker: reader.header.chunker)
            repository = target
            while let record = try reader.next() {
                switch record {
                case .blob(let id, let sealed):
                    // Sealed and authenticated, and still checked: the blob must be what its name says.
                    _ = try codec.open(sealed, id: id, source: "pack \(pack.packID)")
                    if try target.chunks.put(id, sealed: sealed) { report.blobs += 1 }
                case .restorePoint(let point):
                    try target.chunks.flush()
                    try target.save(point)
                    report.restorePoints += 1
                }
            }
            report.packs += 1
        }
        try repository?.chunks.flush()
        report.duration = ContinuousClock.now - started
        return (repository!, report)
    }
}
