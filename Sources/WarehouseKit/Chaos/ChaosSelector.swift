/// Which requests a chaos rule hits, by their key (a deduction key, an order's idempotency key). Every
/// choice depends only on the key and on values that survive restarts, so the same seed and workload hit
/// the same requests on every run, after a restart, and on any replica.
package enum ChaosSelector: Sendable, Equatable {
    case none
    /// The n-th, 2n-th, … key by its persisted ordinal: the position at which the service's database
    /// first saw it (inventory: `InventoryRepository.ordinal(of:)`; order: the order's row).
    case everyNth(Int)
    /// A fraction of keys chosen by a seeded hash of the key: `StableHash.unit(key) < fraction`.
    case fraction(Double, seed: UInt64)

    package var needsOrdinal: Bool {
        if case .everyNth = self { return true }
        return false
    }

    /// Whether the rule hits `key`. `salt` keeps rules sharing a seed independent of each other.
    package func selects(key: String, ordinal: Int64?, salt: String) -> Bool {
        switch self {
        case .none:
            return false
        case .everyNth(let n):
            guard let ordinal, n > 0 else { return false }
            return ordinal % Int64(n) == 0
        case .fraction(let fraction, let seed):
            return StableHash.unit(salt + ":" + key, seed: seed) < fraction
        }
    }
}

extension BodySchema {
    /// A chaos selector in an admin request: `{"every": n}` or `{"fraction": p, "seed": s}` (that only one
    /// is given is checked where the selector is built).
    package static let chaosSelector = BodySchema.object(
        required: [],
        optional: [
            ("every", .integer(minimum: 1, maximum: 1_000_000)),
            ("fraction", .number(minimum: 0, maximum: 1)),
            ("seed", .integer(minimum: 0, maximum: .max)),
        ]
    )
}

extension ChaosSelector {
    /// Builds a selector from the optional fields of an admin request.
    ///
    /// - Throws: the violation, at `pointer`, when both `every` and `fraction` are given.
    package init(every: Int?, fraction: Double?, seed: Int64?, at pointer: String) throws(RequestError) {
        switch (every, fraction) {
        case (nil, nil): self = .none
        case (let every?, nil): self = .everyNth(every)
        case (nil, let fraction?): self = .fraction(fraction, seed: UInt64(max(0, seed ?? 0)))
        case (_?, _?): throw .invalidFields([FieldViolation(pointer, "give either every or fraction, not both")])
        }
    }

    /// The fields of an admin answer: `(every, fraction, seed)`.
    package var fields: (every: Int?, fraction: Double?, seed: Int64?) {
        switch self {
        case .none: (nil, nil, nil)
        case .everyNth(let n): (n, nil, nil)
        case .fraction(let fraction, let seed): (nil, fraction, Int64(clamping: seed))
        }
    }
}

extension Settings {
    /// The rule an every-n-th setting and a fraction setting give (the fraction with `--chaos-seed`).
    ///
    /// - Throws: `SettingsError.conflict` when both are given.
    package func chaosSelector(every: Setting<Int?>, fraction: Setting<Double?>) throws(SettingsError) -> ChaosSelector {
        switch (self[every], self[fraction]) {
        case (nil, nil): return .none
        case (let n?, nil): return .everyNth(n)
        case (nil, let p?): return .fraction(p, seed: self[CommonSettings.chaosSeed])
        case (_?, _?): throw .conflict("give \(every.flag) or \(fraction.flag), not both")
        }
    }
}
