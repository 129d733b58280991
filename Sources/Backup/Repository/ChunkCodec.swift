import CompressNIO
import Foundation
import NIOCore

/// How a chunk is kept at rest and in a pack: one byte for the codec, the raw length (UInt32, big
/// endian), then the bytes, deflated when that makes them smaller.
///
/// Opening a stored chunk always checks that the raw bytes hash to the chunk's name, so a damaged copy
/// is an error (`BackupError.corruptChunk`), never restored silently.
///
/// Not `Sendable`: it holds zlib streams. Make one per task.
package final class ChunkCodec {
    enum Codec: UInt8 {
        case stored = 0
        case deflate = 1
    }

    static let headerSize = 5
    private let compressor: ZlibCompressor
    private let decompressor: ZlibDecompressor

    package init() throws {
        // The fastest level: a snapshot shares the cores with the services, and must not compete with
        // orders any longer than it has to.
        compressor = try ZlibCompressor(algorithm: .deflate, configuration: .init(compressionLevel: .fastestCompression))
        decompressor = try ZlibDecompressor(algorithm: .deflate)
    }

    /// The stored form of `raw`.
    package func seal(_ raw: UnsafeRawBufferPointer) throws -> Data {
        var input = ByteBuffer(bytes: raw)
        var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
        try compressor.reset()
        try compressor.deflate(from: &input, to: &output, flush: .finish)
        var sealed = Data(capacity: Self.headerSize + min(output.readableBytes, raw.count))
        let compressedIsSmaller = output.readableBytes < raw.count
        sealed.append((compressedIsSmaller ? Codec.deflate : Codec.stored).rawValue)
        withUnsafeBytes(of: UInt32(raw.count).bigEndian) { sealed.append(contentsOf: $0) }
        if compressedIsSmaller {
            sealed.append(contentsOf: output.readableBytesView)
        } else {
            sealed.append(contentsOf: raw)
        }
        return sealed
    }

    /// The raw bytes of a stored chunk, checked against its name. `source` says where it came from, for the error.
    package func open(_ sealed: Data, id: ChunkID, source: String) throws -> Data {
        let raw = try decode(sealed, id: id, source: source)
        guard ChunkID(hashing: raw) == id else { throw BackupError.corruptChunk(id, source) }
        return raw
    }

    private func decode(_ sealed: Data, id: ChunkID, source: String) throws -> Data {
        guard sealed.count >= Self.headerSize, let codec = Codec(rawValue: sealed[sealed.startIndex]) else {
            throw BackupError.corruptChunk(id, source)
        }
        let length = sealed.dropFirst().prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let payload = sealed.dropFirst(Self.headerSize)
        switch codec {
        case .stored:
            guard payload.count == length else { throw BackupError.corruptChunk(id, source) }
            return Data(payload)
        case .deflate:
            guard length <= 64 * 1024 * 1024 else { throw BackupError.corruptChunk(id, source) }
            var input = ByteBuffer(bytes: payload)
            // Room for one byte more than expected, so a stream that inflates too far is caught, not cut.
            var output = ByteBufferAllocator().buffer(capacity: length + 1)
            do {
                try decompressor.reset()
                try decompressor.inflate(from: &input, to: &output)
            } catch {
                throw BackupError.corruptChunk(id, source)
            }
            guard output.readableBytes == length else { throw BackupError.corruptChunk(id, source) }
            return Data(output.readableBytesView)
        }
    }
}
