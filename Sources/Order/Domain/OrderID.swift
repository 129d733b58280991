import Crypto
import WarehouseKit

/// Order ids. An order placed with an `Idempotency-Key` gets an id derived from the key by a keyed hash
/// (HMAC-SHA256 under the install's `OrderIDKey`, 122 of its bits in UUID form): the same key names the
/// same order on every replica and after every restart, and a seeded workload gets the same ids, and so
/// the same chaos decisions, on every run of one install. Without the key nobody can tell which id a
/// request will get, and so which deduction key inventory will see for it. Without an `Idempotency-Key`
/// the id is random.
package enum OrderID {
    package static func make(idempotencyKey: String?, key: OrderIDKey) -> String {
        guard let idempotencyKey else { return random() }
        let digest = Array(HMAC<SHA256>.authenticationCode(for: Array(idempotencyKey.utf8), using: key.key))
        let high = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // Version 8 ("custom") and the RFC 9562 variant, so it reads as a UUID and says what it is.
        let versioned = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_8000
        let varianted = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        return UUIDText.format(versioned, varianted)
    }

    package static func random() -> String {
        UUIDText.random()
    }
}

/// The per-install secret order ids are derived under: a key of its own, derived from the service token
/// (HMAC-SHA256 of a fixed label), so every replica of an install makes the same id for a key and no
/// further secret has to be deployed. Rotating the service token changes the ids later keys get; a key
/// already stored still finds its order, which is looked up by the key itself.
package struct OrderIDKey: Sendable {
    let key: SymmetricKey

    package init(serviceToken: BearerToken) {
        let derived = HMAC<SHA256>.authenticationCode(
            for: Array("warehouse order ids v1".utf8), using: SymmetricKey(data: serviceToken.secret))
        self.key = SymmetricKey(data: Array(derived))
    }

    /// A key nobody else has, for tests in process and services without a configured token.
    package static func random() -> OrderIDKey {
        OrderIDKey(serviceToken: .unguessable())
    }
}
