import Crypto
import Foundation

/// The name of a piece of content: its SHA-256. Equal content has one name, so it is stored once.
///
/// Kept as four words rather than an array: a repository holds hundreds of thousands of them in sets.
package struct ChunkID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The digest as four big-endian words, so comparing words compares the bytes.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    package static let byteCount = 32

    /// The SHA-256 of `bytes`.
    package init(hashing bytes: UnsafeRawBufferPointer) {
        self.init(digest: SHA256.hash(data: bytes))
    }

    package init(hashing data: Data) {
        self.init(digest: SHA256.hash(data: data))
    }

    package init(digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { ChunkID(rawBytes: $0)! }
    }

    /// Reads 32 raw bytes; nil when there are fewer.
    package init?(rawBytes: UnsafeRawBufferPointer) {
        guard rawBytes.count >= Self.byteCount else { return nil }
        func word(_ index: Int) -> UInt64 {
            var value: UInt64 = 0
            for offset in 0..<8 { value = value << 8 | UInt64(rawBytes[index * 8 + offset]) }
            return value
        }
        words = (word(0), word(1), word(2), word(3))
    }

    package init?(rawBytes data: Data) {
        guard let id = data.withUnsafeBytes({ ChunkID(rawBytes: $0) }) else { return nil }
        self = id
    }

    /// Parses 64 lowercase or uppercase hex digits.
    package init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == Self.byteCount * 2 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Self.byteCount)
        for index in 0..<Self.byteCount {
            guard let high = Self.nibble(digits[2 * index]), let low = Self.nibble(digits[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        self = bytes.withUnsafeBytes { ChunkID(rawBytes: $0)! }
    }

    /// The 32 bytes, appended to `data`.
    package func append(to data: inout Data) {
        for word in [words.0, words.1, words.2, words.3] {
            withUnsafeBytes(of: word.bigEndian) { data.append(contentsOf: $0) }
        }
    }

    package var rawBytes: Data {
        var data = Data(capacity: Self.byteCount)
        append(to: &data)
        return data
    }

    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(Self.byteCount * 2)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int(word >> UInt64(shift) & 0xF)]) }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The first 16 bits of the digest: a uniform number that chunk lists split on.
    package var leadingBits: UInt16 { UInt16(truncatingIfNeeded: words.0 >> 48) }

    package var description: String { hex }

    package static func == (lhs: ChunkID, rhs: ChunkID) -> Bool {
        lhs.words == rhs.words
    }

    package func hash(into hasher: inout Hasher) {
        // Already uniform: one word is as good a hash as all four.
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    package static func < (lhs: ChunkID, rhs: ChunkID) -> Bool {
        (lhs.words.0, lhs.words.1, lhs.words.2, lhs.words.3) < (rhs.words.0, rhs.words.1, rhs.words.2, rhs.words.3)
    }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ChunkID(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a chunk id: \(text)"))
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    /// Whether every character of `text` is a hex digit.
    package static func isHex(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { nibble($0) != nil }
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
