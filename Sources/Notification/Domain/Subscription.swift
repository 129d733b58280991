import Foundation

/// A customer's webhook: every notification made for them is POSTed to `url`, signed with `secret`.
package struct Subscription: Sendable, Equatable {
    package var customerId: String
    package var url: String
    /// `whsec_` and the base64 of 32 random bytes: one secret per subscription, so a receiver holds only
    /// its own and a leaked one is replaced without touching any other customer's.
    package var secret: WebhookSecret
    package var createdAt: Date
    package var updatedAt: Date

    package init(customerId: String, url: String, secret: WebhookSecret, createdAt: Date, updatedAt: Date) {
        self.customerId = customerId
        self.url = url
        self.secret = secret
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
