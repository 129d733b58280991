import Backup
import Foundation
import Testing
import WarehouseTestSupport

@Suite("Content-defined chunking")
struct ChunkerTests {
    let chunker = ContentDefinedChunker(parameters: .standard)

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("chunks cover the input, stay within the size bounds, and average near the target")
    func bounds() async throws {
        let bytes = Self.randomBytes(1 << 20, seed: 1)
        let chunks = try await offThePool { [chunker] in chunker.chunks(of: bytes) }
        #expect(chunks.reduce(0) { $0 + $1.count } == bytes.count)
        #expect(Array(chunks.joined()) == bytes)
        for chunk in chunks.dropLast() {
            #expect((ChunkerParameters.standard.minimumSize...ChunkerParameters.standard.maximumSize).contains(chunk.count))
        }
        let average = bytes.count / chunks.count
        #expect((8 * 1024...32 * 1024).contains(average), "average chunk \(average) bytes")
    }

    @Test("an insertion changes only the chunks around it: the rest keep their names")
    func insertionResynchronises() async throws {
        let original = Self.randomBytes(1 << 20, seed: 2)
        var edited = original
        edited.insert(contentsOf: Self.randomBytes(100, seed: 3), at: 150_000)
        let (before, after) = try await offThePool { [chunker, edited] in
            (Set(chunker.chunks(of: original).map { ChunkID(hashing: Data($0)) }), chunker.chunks(of: edited).map { ChunkID(hashing: Data($0)) })
        }
        let shared = after.filter(before.contains).count
        // Fixed-size blocks would share only the ones before the insertion (about 15%).
        #expect(Double(shared) / Double(after.count) > 0.9, "\(shared) of \(after.count) chunks unchanged")
    }

    @Test("a file read through a small buffer gives the same chunks as the whole bytes")
    func fileReaderMatches() async throws {
        try await withTemporaryDirectory { directory in
            let bytes = Self.randomBytes(1 << 20, seed: 4)
            let file = directory.appendingPathComponent("data")
            try Data(bytes).write(to: file)
            let (fromFile, fromBytes) = try await offThePool { [chunker] in
                var reader = FileChunkReader(chunker: chunker)
                reader.readSize = 70_000
                var fromFile: [Data] = []
                try reader.forEachChunk(ofFileAt: file.path) { fromFile.append(Data($0)) }
                return (fromFile, chunker.chunks(of: bytes).map { Data($0) })
            }
            #expect(fromFile == fromBytes)
        }
    }

    @Test("the same bytes always cut the same way (the gear table is part of the format)")
    func stableBoundaries() {
        let bytes = Self.randomBytes(256 * 1024, seed: 5)
        let lengths = chunker.chunks(of: bytes).map(\.count)
        #expect(lengths == ContentDefinedChunker(parameters: .standard).chunks(of: bytes).map(\.count))
        #expect(lengths.count > 4)
    }
}

@Suite("Chunk ids and codec")
struct ChunkCodecTests {
    @Test("an id round-trips through hex and raw bytes")
    func idForms() throws {
        let id = ChunkID(hashing: Data("hello".utf8))
        #expect(id.hex == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(ChunkID(hex: id.hex) == id)
        #expect(ChunkID(rawBytes: id.rawBytes) == id)
        #expect(ChunkID(hex: "xyz") == nil)
    }

    @Test("compressible chunks are deflated, random ones stored, and both open to their bytes")
    func roundTrip() throws {
        let codec = try ChunkCodec()
        for raw in [Data(repeating: 7, count: 20_000), Data(ChunkerTests.randomBytes(20_000, seed: 9))] {
            let sealed = try raw.withUnsafeBytes { try codec.seal($0) }
            #expect(sealed.count <= raw.count + 5)
            #expect(try codec.open(sealed, id: ChunkID(hashing: raw), source: "test") == raw)
        }
        let compressible = try Data(repeating: 7, count: 20_000).withUnsafeBytes { try codec.seal($0) }
        #expect(compressible.count < 1000)
    }

    @Test("a damaged stored chunk, or one under another name, is refused as corrupt")
    func corruptionDetected() throws {
        let codec = try ChunkCodec()
        let raw = Data(ChunkerTests.randomBytes(5000, seed: 10))
        let id = ChunkID(hashing: raw)
        var sealed = try raw.withUnsafeBytes { try codec.seal($0) }
        sealed[sealed.count / 2] ^= 0x01
        #expect(throws: BackupError.corruptChunk(id, "here")) { try codec.open(sealed, id: id, source: "here") }
        let other = ChunkID(hashing: Data("other".utf8))
        let good = try raw.withUnsafeBytes { try codec.seal($0) }
        #expect(throws: BackupError.corruptChunk(other, "there")) { try codec.open(good, id: other, source: "there") }
        var compressed = try Data(repeating: 1, count: 9000).withUnsafeBytes { try codec.seal($0) }
        compressed[7] ^= 0xFF
        #expect(throws: BackupError.self) {
            try codec.open(compressed, id: ChunkID(hashing: Data(repeating: 1, count: 9000)), source: "x")
        }
    }
}
