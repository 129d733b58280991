import Foundation

/// One chunk of a file, as its restore point lists it.
package struct ChunkRef: Equatable, Sendable {
    package var id: ChunkID
    package var length: UInt32

    package init(id: ChunkID, length: UInt32) {
        self.id = id
        self.length = length
    }
}

/// The list of a file's chunks, itself stored as chunks ("list blobs"), so restore points share it the
/// way files share their data: a restore point names a few list blobs, not thousands of chunks.
///
/// The list is cut after every chunk whose name has its top eight bits zero (one in 256, about 256 refs
/// a blob) and after 4,096 refs at most: a cut that depends on the names, not on positions, so a change in
/// one part of a file changes the one or two list blobs around it and leaves the others as they were.
package enum ChunkList {
    static let recordSize = ChunkID.byteCount + 4
    static let maximumRefs = 4096

    /// The list blobs of `refs`, in order.
    package static func blobs(of refs: [ChunkRef]) -> [Data] {
        var blobs: [Data] = []
        var current = Data()
        var count = 0
        for ref in refs {
            ref.id.append(to: &current)
            withUnsafeBytes(of: ref.length.bigEndian) { current.append(contentsOf: $0) }
            count += 1
            if ref.id.leadingBits >> 8 == 0 || count == maximumRefs {
                blobs.append(current)
                current = Data()
                count = 0
            }
        }
        if count > 0 { blobs.append(current) }
        return blobs
    }

    /// The refs a list blob holds.
    package static func refs(in blob: Data, source: String) throws -> [ChunkRef] {
        guard blob.count % recordSize == 0 else { throw BackupError.corruptManifest("list blob \(source) has a partial record") }
        return blob.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count, by: recordSize).map { offset in
                let record = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + recordSize])
                let length = record[ChunkID.byteCount...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                return ChunkRef(id: ChunkID(rawBytes: record)!, length: length)
            }
        }
    }
}
