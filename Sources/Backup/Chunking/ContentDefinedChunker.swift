import WarehouseKit

/// FastCDC (Xia et al., USENIX ATC 2016): content-defined chunking with a gear rolling hash and
/// normalized chunk sizes.
///
/// A boundary falls where the hash of the bytes just before it matches a mask, so it depends on the
/// content around it, not on its offset: an insertion moves the boundaries near it and no others, and
/// every chunk after them keeps its name and is stored only once. Below the average size a stricter
/// mask applies and above it a looser one, which packs sizes tightly around the average.
///
/// The gear table and the masks decide every boundary; they are part of the repository's format
/// (`ChunkerParameters.version`) and never change under an existing repository.
package struct ContentDefinedChunker: Sendable {
    package let parameters: ChunkerParameters
    private let strictMask: UInt64
    private let looseMask: UInt64

    package init(parameters: ChunkerParameters) {
        self.parameters = parameters
        let bits = Int(parameters.averageSize.trailingZeroBitCount)
        // Normalization level 2: two bits more below the average, two fewer above. The mask takes the top
        // bits of the hash, which depend on the last 64 bytes; its low bits remember only a few.
        strictMask = Self.topBits(bits + 2)
        looseMask = Self.topBits(bits - 2)
    }

    /// The length of the chunk at the start of `bytes` (all of them when they end first).
    package func boundary(in bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        guard count > parameters.minimumSize else { return count }
        let end = min(count, parameters.maximumSize)
        let normal = min(end, parameters.averageSize)
        var hash: UInt64 = 0
        var index = parameters.minimumSize
        return Gear.table.withUnsafeBufferPointer { gear in
            while index < normal {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & strictMask == 0 { return index + 1 }
                index += 1
            }
            while index < end {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & looseMask == 0 { return index + 1 }
                index += 1
            }
            return end
        }
    }

    /// Splits `bytes` whole (tests and small inputs; files go through `FileChunkReader`).
    package func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        bytes.withUnsafeBytes { buffer in
            while start < buffer.count {
                let length = boundary(in: UnsafeRawBufferPointer(rebasing: buffer[start...]))
                result.append(bytes[start..<start + length])
                start += length
            }
        }
        return result
    }

    private static func topBits(_ count: Int) -> UInt64 {
        count <= 0 ? 0 : ~UInt64(0) << UInt64(64 - min(count, 64))
    }
}

/// Sizes of the chunks a repository cuts, fixed when it is created.
package struct ChunkerParameters: Codable, Sendable, Equatable {
    /// The gear table and mask layout; 1 is the only one so far.
    package var version = 1
    package var minimumSize: Int
    /// A power of two.
    package var averageSize: Int
    package var maximumSize: Int

    /// 4 KiB / 16 KiB / 64 KiB: a SQLite page is 4 KiB, and a few changed pages should cost a few chunks.
    package static let standard = ChunkerParameters(minimumSize: 4 * 1024, averageSize: 16 * 1024, maximumSize: 64 * 1024)

    package init(minimumSize: Int, averageSize: Int, maximumSize: Int) {
        self.minimumSize = minimumSize
        self.averageSize = averageSize
        self.maximumSize = maximumSize
    }

    package var isValid: Bool {
        version == 1 && minimumSize >= 64 && averageSize.nonzeroBitCount == 1 && minimumSize < averageSize
            && averageSize < maximumSize && maximumSize <= 16 * 1024 * 1024
    }
}

/// The gear table: 256 fixed pseudo-random words (the SplitMix64 sequence from a fixed seed), one per
/// byte value.
enum Gear {
    static let table: [UInt64] = (0..<256).map { index in
        SplitMix64.mix(0x5741_5245_484F_5553 &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)  // seed: "WAREHOUS"
    }
}
