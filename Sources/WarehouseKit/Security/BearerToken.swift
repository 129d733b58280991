/// A secret sent as `Authorization: Bearer <token>`: the admin token or the service token of one install.
///
/// The comparison takes the same time whatever the guess, so a token cannot be found byte by byte. The
/// scheme is matched without regard to case and may be followed by more than one space (RFC 9110,
/// 11.1 and 11.4: `credentials = auth-scheme [ 1*SP token68 ]`, the scheme case-insensitive).
package struct BearerToken: Sendable {
    /// The shortest token a service accepts from its configuration: 32 characters, 128 bits as hex.
    package static let minimumLength = 32

    private let value: [UInt8]

    /// A token as given, unchecked: for tests in process. Services load theirs through `Credential`,
    /// which holds every token to `validated(_:)`.
    package init(_ value: String) {
        self.value = Array(value.utf8)
    }

    /// The token's bytes, to derive keys from (`OrderIDKey`); never to be logged or sent.
    package var secret: [UInt8] { value }

    /// `Bearer <token>`: the `Authorization` value a client sends.
    package var authorization: String {
        "Bearer " + String(decoding: value, as: UTF8.self)
    }

    /// A token nobody knows: endpoints guarded by it refuse every call.
    package static func unguessable() -> BearerToken {
        BearerToken(SecretFile.randomHex(bytes: 32))
    }

    /// Why `text` cannot be a token, or nil when it can: at least `minimumLength` characters of
    /// printable ASCII without spaces (what fits in a header as a token68).
    package static func problem(with text: String) -> String? {
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return "must be printable ASCII without spaces"
        }
        guard text.utf8.count >= minimumLength else {
            return "must be at least \(minimumLength) characters long (it has \(text.utf8.count)); make one with `openssl rand -hex 32`"
        }
        return nil
    }

    /// Whether `header` (the whole `Authorization` value) carries this token.
    package func matches(_ header: String?) -> Bool {
        guard let given = Self.credentials(in: header) else { return false }
        return Self.constantTimeEquals(given, value)
    }

    /// The token of `Authorization: Bearer <token>`, nil for any other form.
    package static func credentials(in header: String?) -> ArraySlice<UInt8>? {
        guard let header else { return nil }
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " ") else { return nil }
        for index in scheme.indices where bytes[index] | 0x20 != scheme[index] { return nil }
        var start = scheme.count
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        guard start < bytes.count else { return nil }
        return bytes[start...]
    }

    private static func constantTimeEquals(_ given: ArraySlice<UInt8>, _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for (offset, byte) in expected.enumerated() {
            let index = given.startIndex + offset
            difference |= byte ^ (index < given.endIndex ? given[index] : 0)
        }
        return difference == 0
    }
}
