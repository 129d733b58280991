import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The file the vendor receives once a day: what the vendor does not have yet of every restore point
/// since the last confirmed call, sealed so that only the key's holder can read it and any change to
/// it is detected.
///
/// ```
/// "WHPACK" 0x00 0x01           magic and format version
/// salt                         32 random bytes (HKDF salt of this pack's key)
/// frame*                       UInt32 big-endian length, then AES-256-GCM ciphertext and 16-byte tag
/// ```
///
/// Frame n is sealed with nonce n (the pack key is unique to the pack) and authenticates the account, the
/// pack id, n, and whether it is the last frame: a pack reordered, cut short, renamed or moved to another
/// account does not open. Each frame holds one record: the pack's header first, then list blobs and
/// chunks in their stored form (`ChunkCodec`), then restore points.
package enum Pack {
    static let magic: [UInt8] = Array("WHPACK".utf8) + [0, 1]
    static let saltSize = 32
    static let maximumFrame = 64 * 1024 * 1024

    enum RecordType: UInt8 {
        case header = 1
        case blob = 2
        case restorePoint = 3
    }

    /// The first record: enough to rebuild a repository that cuts chunks as this one does.
    package struct Header: Codable, Sendable, Equatable {
        package var packID: String
        package var account: String
        package var repositoryID: String
        package var chunker: ChunkerParameters
        package var createdAt: Date

        package init(packID: String, account: String, repositoryID: String, chunker: ChunkerParameters, createdAt: Date) {
            self.packID = packID
            self.account = account
            self.repositoryID = repositoryID
            self.chunker = chunker
            self.createdAt = createdAt
        }
    }

    static func additionalData(account: String, packID: String, frame: UInt64, isLast: Bool) -> Data {
        var data = Data("warehouse-pack-v1\0\(account)\0\(packID)\0".utf8)
        withUnsafeBytes(of: frame.bigEndian) { data.append(contentsOf: $0) }
        data.append(isLast ? 1 : 0)
        return data
    }

    static func nonce(_ frame: UInt64) throws -> AES.GCM.Nonce {
        var bytes = Data(repeating: 0, count: 4)
        withUnsafeBytes(of: frame.bigEndian) { bytes.append(contentsOf: $0) }
        return try AES.GCM.Nonce(data: bytes)
    }
}

/// Writes a pack to a file, frame by frame, and hashes the file as it goes (for `Content-Digest`).
package final class PackWriter {
    package let url: URL
    private let account: String
    private let packID: String
    private let key: SymmetricKey
    private let fd: Int32
    private var frame: UInt64 = 0
    private var pending: Data?
    private var hasher = SHA256()
    package private(set) var bytes: Int64 = 0

    package init(url: URL, header: Pack.Header, key: BackupKey) throws {
        self.url = url
        account = header.account
        packID = header.packID
        let salt = Data((0..<Pack.saltSize).map { _ in UInt8.random(in: .min ... .max) })
        self.key = key.packKey(salt: salt, account: header.account, packID: header.packID)
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(url.path)", errno: errno) }
        try write(Data(Pack.magic) + salt)
        try append(.header, try RestorePoint.encoder.encode(header))
    }

    deinit {
        close(fd)
    }

    package func append(blob id: ChunkID, sealed: Data) throws {
        var payload = id.rawBytes
        payload.append(sealed)
        try append(.blob, payload)
    }

    package func append(_ point: RestorePoint) throws {
        try append(.restorePoint, try point.encoded())
    }

    /// Seals the last frame, syncs the file, and returns its size and `sha-256` digest (base64).
    package func finish() throws -> (bytes: Int64, sha256: Data) {
        if let last = pending { try seal(last, isLast: true) }
        pending = nil
        guard fsync(fd) == 0 else { throw BackupError.io("cannot sync \(url.path)", errno: errno) }
        return (bytes, Data(hasher.finalize()))
    }

    private func append(_ type: Pack.RecordType, _ payload: Data) throws {
        // A frame is sealed once the next one is known to exist: only then is it known not to be the last.
        if let previous = pending { try seal(previous, isLast: false) }
        var record = Data([type.rawValue])
        record.append(payload)
        pending = record
    }

    private func seal(_ plaintext: Data, isLast: Bool) throws {
        let box = try AES.GCM.seal(
            plaintext, using: key, nonce: try Pack.nonce(frame),
            authenticating: Pack.additionalData(account: account, packID: packID, frame: frame, isLast: isLast))
        var framed = Data()
        let length = UInt32(box.ciphertext.count + box.tag.count)
        withUnsafeBytes(of: length.bigEndian) { framed.append(contentsOf: $0) }
        framed.append(box.ciphertext)
        framed.append(box.tag)
        try write(framed)
        frame += 1
    }

    private func write(_ data: Data) throws {
        try DurableFile.writeAll(fd, data, path: url.path)
        hasher.update(data: data)
        bytes += Int64(data.count)
    }
}

/// Reads a pack back, checking every frame: `packNotAuthentic` for the wrong key or any changed byte.
package struct PackReader {
    package enum Record {
        case blob(ChunkID, sealed: Data)
        case restorePoint(RestorePoint)
    }

    package private(set) var header: Pack.Header
    private let data: Data
    private let key: SymmetricKey
    private var offset: Int
    private var frame: UInt64

    /// Opens the pack in `data`, which the vendor keeps for `account` under `packID`.
    package init(data: Data, account: String, packID: String, key: BackupKey) throws {
        guard data.count >= Pack.magic.count + Pack.saltSize, Array(data.prefix(Pack.magic.count)) == Pack.magic else {
            throw BackupError.malformedPack("\(packID) is not a warehouse pack (no magic)")
        }
        let salt = data.subdata(in: data.startIndex + Pack.magic.count..<data.startIndex + Pack.magic.count + Pack.saltSize)
        self.data = data
        self.key = key.packKey(salt: salt, account: account, packID: packID)
        offset = Pack.magic.count + Pack.saltSize
        frame = 0
        header = Pack.Header(packID: packID, account: account, repositoryID: "", chunker: .standard, createdAt: .distantPast)
        guard case .header(let found)? = try nextFrame(account: account, packID: packID) else {
            throw BackupError.malformedPack("\(packID) does not begin with its header")
        }
        guard found.packID == packID, found.account == account else {
            throw BackupError.packNotAuthentic("\(packID) (its header names \(found.account)/\(found.packID))")
        }
        header = found
    }

    /// The next record, or nil after the last frame.
    package mutating func next() throws -> Record? {
        switch try nextFrame(account: header.account, packID: header.packID) {
        case nil: return nil
        case .header: throw BackupError.malformedPack("\(header.packID) has a second header")
        case .record(let record): return record
        }
    }

    private enum Frame {
        case header(Pack.Header)
        case record(Record)
    }

    private mutating func nextFrame(account: String, packID: String) throws -> Frame? {
        guard offset < data.count else { return nil }
        guard data.count - offset >= 4 else { throw BackupError.malformedPack("\(packID) ends inside a frame length") }
        let length = data[data.startIndex + offset..<data.startIndex + offset + 4].reduce(0) { $0 << 8 | Int($1) }
        let start = offset + 4
        guard length >= 16, length <= Pack.maximumFrame, data.count - start >= length else {
            throw BackupError.malformedPack("\(packID) is cut short (frame \(frame))")
        }
        let end = start + length
        let isLast = end == data.count
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: try Pack.nonce(frame), ciphertext: data[data.startIndex + start..<data.startIndex + end - 16],
                tag: data[data.startIndex + end - 16..<data.startIndex + end])
            plaintext = try AES.GCM.open(
                box, using: key,
                authenticating: Pack.additionalData(account: account, packID: packID, frame: frame, isLast: isLast))
        } catch {
            throw BackupError.packNotAuthentic("\(packID) (frame \(frame))")
        }
        offset = end
        frame += 1
        guard let typeByte = plaintext.first, let type = Pack.RecordType(rawValue: typeByte) else {
            throw BackupError.malformedPack("\(packID) frame \(frame - 1) has no record type")
        }
        let payload = plaintext.dropFirst()
        switch type {
        case .header:
            return .header(try RestorePoint.decoder.decode(Pack.Header.self, from: payload))
        case .blob:
            guard let id = ChunkID(rawBytes: Data(payload.prefix(ChunkID.byteCount))) else {
                throw BackupError.malformedPack("\(packID) frame \(frame - 1) is a blob without an id")
            }
            return .record(.blob(id, sealed: Data(payload.dropFirst(ChunkID.byteCount))))
        case .restorePoint:
            return .record(.restorePoint(try RestorePoint.decode(Data(payload), source: "pack \(packID)")))
        }
    }
}
