/// The shape of an idempotency key, shared by order's `Idempotency-Key` header and inventory's deduction
/// keys: 1 to 255 printable ASCII characters (0x20 to 0x7E). No control characters, so a key can never
/// split a log line, a header or a terminal, and never anything a byte count and a character count would
/// disagree on.
package enum IdempotencyKey {
    package static let patternText = "^[\\x20-\\x7E]{1,255}$"

    package static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
