import WarehouseKit

/// Order ids. An order placed with an `Idempotency-Key` gets an id derived from the key (a stable
/// 128-bit hash in UUID form), so a seeded workload produces the same ids, and so the same inventory
/// deduction keys and chaos decisions, on every run. Without a key the id is random.
package enum OrderID {
    package static func make(idempotencyKey: String?) -> String {
        guard let idempotencyKey else { return random() }
        let input = "order-id:" + idempotencyKey
        let high = StableHash.hash(input, seed: 0x6f72_6465_7231)
        let low = StableHash.hash(input, seed: 0x6f72_6465_7232)
        // Version 8 ("custom") and the RFC 9562 variant, so it reads as a UUID and says what it is.
        let versioned = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_8000
        let varianted = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        return UUIDText.format(versioned, varianted)
    }

    package static func random() -> String {
        UUIDText.random()
    }
}
