/// The shape of a stock-keeping unit, shared by both services' contracts: 1 to 64 characters of
/// letters, digits, `.`, `_` and `-`, starting with a letter or digit (for example `CONSOLE-PS5`).
package enum SKU {
    package static let patternText = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

    package static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first) else { return false }
        return bytes.dropFirst().allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    /// The body schema of a SKU field.
    package static let schema = BodySchema.string(
        minLength: 1, maxLength: 64, pattern: { SKU.isValid($0) }, patternText: patternText)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
