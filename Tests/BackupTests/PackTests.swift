import Backup
import Crypto
import Foundation
import Testing
import WarehouseTestSupport

@Suite("Packs: sealed for the vendor", .timeLimit(.minutes(5)))
struct PackTests {
    let key: BackupKey

    init() {
        key = BackupKey(key: SymmetricKey(size: .bits256))
    }

    init(keyOverride: BackupKey) {
        key = keyOverride
    }

    func writePack(to url: URL, account: String = "acct", packID: String = "p1", blobs: [Data]) throws -> Data {
        let header = Pack.Header(packID: packID, account: account, repositoryID: "r", chunker: .standard, createdAt: Date())
        let writer = try PackWriter(url: url, header: header, key: key)
        let codec = try ChunkCodec()
        for blob in blobs {
            try writer.append(blob: ChunkID(hashing: blob), sealed: try blob.withUnsafeBytes { try codec.seal($0) })
        }
        try writer.append(RestorePoint(id: "20261203T101500Z-00000001", time: Date(), host: "h", databases: []))
        let (bytes, digest) = try writer.finish()
        let data = try Data(contentsOf: url)
        #expect(Int64(data.count) == bytes)
        #expect(Data(SHA256.hash(data: data)) == digest)
        return data
    }

    func records(_ data: Data, account: String = "acct", packID: String = "p1", key: BackupKey) throws -> [PackReader.Record] {
        var reader = try PackReader(data: data, account: account, packID: packID, key: key)
        var records: [PackReader.Record] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    @Test("what goes in comes out, in order, with the header first")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let blobs = [Data("one".utf8), Data(repeating: 9, count: 70_000)]
            let data = try writePack(to: directory.appendingPathComponent("p"), blobs: blobs)
            let records = try records(data, key: key)
            #expect(records.count == 3)
            let codec = try ChunkCodec()
            for (record, blob) in zip(records, blobs) {
                guard case .blob(let id, let sealed) = record else {
                    Issue.record("expected a blob")
                    continue
                }
                #expect(try codec.open(sealed, id: id, source: "pack") == blob)
            }
            guard case .restorePoint(let point) = records.last else { Issue.record("expected a restore point"); return }
            #expect(point.id == "20261203T101500Z-00000001")
        }
    }

    @Test("the wrong key, a changed byte, a cut, another pack id or account: none of them opens")
    func tamperingDetected() async throws {
        try await withTemporaryDirectory { directory in
            let data = try writePack(
                to: directory.appendingPathComponent("p"), blobs: [Data(repeating: 1, count: 5000), Data("x".utf8)])
            let wrongKey = BackupKey(key: SymmetricKey(size: .bits256))
            #expect(throws: BackupError.self) { try records(data, key: wrongKey) }
            var flipped = data
            flipped[flipped.count - 40] ^= 0x01
            #expect(throws: BackupError.self) { try records(flipped, key: key) }
            // Cut after a whole frame: every frame left is intact, but the last one was not sealed as last.
            let firstFrameEnd = 8 + 32 + 4 + Int(data[40..<44].reduce(0) { $0 << 8 | UInt32($1) })
            #expect(throws: BackupError.self) { try records(data.prefix(firstFrameEnd + 100), key: key) }
            #expect(throws: BackupError.self) { try records(data.prefix(firstFrameEnd), key: key) }
            #expect(throws: BackupError.self) { try records(data, packID: "p2", key: key) }
            #expect(throws: BackupError.self) { try records(data, account: "other", key: key) }
        }
    }

    @Test("the key is 32 bytes of base64, from the environment before the file")
    func keyLoading() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("key")
            let (made, created) = try BackupKey.loadOrCreate(file: file, environment: [:])
            #expect(created)
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect(try BackupKey.loadOrCreate(file: file, environment: [:]).created == false)
            #expect(throws: BackupError.self) {
                try BackupKey.load(file: directory.appendingPathComponent("none"), environment: [:])
            }
            #expect(throws: BackupError.self) {
                try BackupKey.load(file: file, environment: [BackupKey.environmentKey: "c2hvcnQ="])
            }
            // The key read back opens what the made one sealed.
            let data = try PackTests(keyOverride: made).writePack(
                to: directory.appendingPathComponent("p"), blobs: [Data("k".utf8)])
            #expect(try records(data, key: try BackupKey.load(file: file, environment: [:])).count == 2)
        }
    }
}
