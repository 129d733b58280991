import Foundation
import WarehouseKit

/// The request bodies of the notification API as `BodySchema`s, keyed by operation id. They mirror
/// `openapi.yaml`; the contract test checks that both say the same.
package enum NotificationBodySchemas {
    /// An absolute http or https URL with a host, without user info (a secret has no place in a URL
    /// that shows up in the deliveries list).
    package static func isWebhookURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil
        else { return false }
        return true
    }

    package static let byOperation: [String: BodySchema] = [
        "putSubscription": .object(required: [
            ("url", .string(minLength: 1, maxLength: 2048, pattern: isWebhookURL, patternText: "an http or https URL with a host"))
        ])
    ]

    /// What a customer id must be, in a path or a query: as `POST /orders` accepts it.
    package static func isCustomerId(_ text: String) -> Bool {
        (1...128).contains(text.count) && !text.allSatisfy(\.isWhitespace)
            && !text.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
    }
}
