/// UUIDs as lowercase text, made without Foundation's `UUID`.
///
/// On Linux `UUID()` opens, reads and closes `/dev/urandom` for every id: three system calls per order
/// for its request id (strace under load). `SystemRandomNumberGenerator` asks the kernel with
/// `getrandom` instead, and the text is written digit by digit rather than through `String(format:)`.
package enum UUIDText {
    /// A random (version 4) UUID.
    package static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A version 4 UUID from `generator`'s bits.
    package static func random(using generator: inout some RandomNumberGenerator) -> String {
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        return format(
            (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000, (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex: `high` is the first 64 bits, `low` the rest.
    package static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                let value = Int((word >> UInt64(60 - 4 * (nibble % 16))) & 0xF)
                buffer[index] = digits.utf8Start[value]
                index += 1
            }
            return index
        }
    }
}
