import Synchronization

/// Keeps secrets out of log lines: every token a process loads is registered here, and `JSONLogHandler`
/// passes each message and metadata value through `redact(_:)` before it writes the line.
///
/// Two nets, since a secret can reach a log line in ways nobody planned (an error's description that
/// quotes the request it failed on, say): the exact values of the registered secrets, wherever they
/// appear, and whatever follows `Bearer ` (any case), which covers a token this process does not know.
package enum LogRedaction {
    package static let mask = "[redacted]"

    private static let secrets = Mutex<[String]>([])
    private static let bearerWord: [UInt8] = Array("bearer ".utf8)

    /// Redacts `secret` from every line written from now on.
    package static func register(_ secret: String) {
        guard !secret.isEmpty else { return }
        secrets.withLock { known in
            if !known.contains(secret) { known.append(secret) }
        }
    }

    /// `text` with every registered secret and every bearer credential masked.
    ///
    /// Every log line passes through here, so the common case (nothing to mask) is a byte scan: short
    /// values (ids, counts) cannot hold a token of `BearerToken.minimumLength` at all.
    package static func redact(_ text: String) -> String {
        var result = text
        if text.utf8.count >= BearerToken.minimumLength {
            let known = secrets.withLock { $0 }
            for secret in known where result.contains(secret) {
                result = result.replacingOccurrences(of: secret, with: mask)
            }
        }
        return maskingBearerCredentials(result)
    }

    /// `Bearer <anything up to a space, quote, comma or the end>` with the credential masked.
    static func maskingBearerCredentials(_ text: String) -> String {
        guard mentionsBearer(text) else { return text }
        var output = ""
        var rest = Substring(text)
        while let found = rest.range(of: "bearer ", options: .caseInsensitive) {
            output += rest[..<found.upperBound]
            var index = found.upperBound
            while index < rest.endIndex, rest[index] == " " { index = rest.index(after: index) }
            output += rest[found.upperBound..<index]
            let end = rest[index...].firstIndex { $0 == " " || $0 == "\"" || $0 == "," || $0 == "'" || $0.isNewline } ?? rest.endIndex
            if end > index { output += mask }
            rest = rest[end...]
        }
        return output + rest
    }

    /// Whether `text` holds `bearer ` in any case: one pass over its bytes.
    private static func mentionsBearer(_ text: String) -> Bool {
        let word = bearerWord
        var matched = 0
        for byte in text.utf8 {
            let lower = byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0)
            if lower == word[matched] {
                matched += 1
                if matched == word.count { return true }
            } else {
                matched = lower == word[0] ? 1 : 0
            }
        }
        return false
    }
}
