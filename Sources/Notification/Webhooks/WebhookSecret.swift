import Crypto
import Foundation

/// A webhook signing secret in the Standard Webhooks form: `whsec_` and the base64 of the key's bytes.
/// Its description is redacted, so a secret never reaches a log line by accident.
package struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    package static let prefix = "whsec_"

    /// The secret as a receiver is given it.
    package let text: String
    /// The HMAC key: the bytes the base64 part decodes to.
    package let key: SymmetricKey

    /// Reads `whsec_<base64>`; nil unless it is that, with at least 24 bytes of key.
    package init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let bytes = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
            bytes.count >= 24
        else { return nil }
        self.text = text
        self.key = SymmetricKey(data: bytes)
    }

    /// A new secret of 32 random bytes.
    package static func random() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSecret(Self.prefix + Data(bytes).base64EncodedString())!
    }

    package var description: String { "whsec_…" }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
}

/// Signs webhook requests as the Standard Webhooks convention says (standardwebhooks.com): the signed
/// content is `<webhook-id>.<webhook-timestamp>.<body>`, the signature `v1,<base64 HMAC-SHA256>`. A
/// receiver in any language recomputes it with the secret alone (`Tests/webhook/receiver.py` does).
package enum WebhookSignature {
    package static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: WebhookSecret) -> String {
        var hmac = HMAC<SHA256>(key: secret.key)
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The three headers of one attempt.
    package static func headers(id: String, timestamp: Int64, body: some DataProtocol, secret: WebhookSecret) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", sign(id: id, timestamp: timestamp, body: body, secret: secret)),
        ]
    }
}
