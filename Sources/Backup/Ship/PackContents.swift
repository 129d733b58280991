import Foundation

/// What one pack carried, kept next to the ledger (`ship/packs/<pack>.contents`): once the vendor
/// confirms the pack, these restore points and blobs are known to be at the vendor and are never sent
/// again. A JSON line with the restore points, then the blob ids, 32 raw bytes each.
package struct PackContents: Sendable, Equatable {
    package var restorePoints: [String]
    package var blobs: [ChunkID]

    package init(restorePoints: [String], blobs: [ChunkID]) {
        self.restorePoints = restorePoints
        self.blobs = blobs
    }

    private struct Head: Codable {
        var restorePoints: [String]
        var blobs: Int
    }

    package func encoded() throws -> Data {
        var data = try JSONEncoder().encode(Head(restorePoints: restorePoints, blobs: blobs.count))
        data.append(UInt8(ascii: "\n"))
        for id in blobs { id.append(to: &data) }
        return data
    }

    package static func decode(_ data: Data, source: String) throws -> PackContents {
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")),
            let head = try? JSONDecoder().decode(Head.self, from: data[..<newline])
        else { throw BackupError.corruptManifest("\(source) cannot be read") }
        let raw = data[data.index(after: newline)...]
        guard raw.count == head.blobs * ChunkID.byteCount else { throw BackupError.corruptManifest("\(source) is cut short") }
        let blobs = raw.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count, by: ChunkID.byteCount).map {
                ChunkID(rawBytes: UnsafeRawBufferPointer(rebasing: bytes[$0..<$0 + ChunkID.byteCount]))!
            }
        }
        return PackContents(restorePoints: head.restorePoints, blobs: blobs)
    }
}
