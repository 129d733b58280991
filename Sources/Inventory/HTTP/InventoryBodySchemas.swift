import WarehouseKit

/// The request bodies of the inventory API as `BodySchema`s, keyed by operation id. They mirror
/// `InventoryAPI/openapi.yaml`; `InventoryContractTests` checks that both say the same.
package enum InventoryBodySchemas {
    package static let chaos = BodySchema.object(
        required: [],
        optional: [
            (
                "gremlin",
                .object(
                    required: [],
                    optional: [
                        ("select", .chaosSelector),
                        ("delayMs", .integer(minimum: 0, maximum: 60_000)),
                        ("placement", .oneOf(DelayPlacement.allCases.map(\.rawValue))),
                    ]
                )
            ),
            ("crashAfterCommit", .chaosSelector),
            ("errorAfterCommit", .chaosSelector),
        ]
    )

    package static let byOperation: [String: BodySchema] = [
        "putProduct": .object(required: [
            ("name", .string(minLength: 1, maxLength: 200)),
            ("stock", .integer(minimum: 0, maximum: 1_000_000_000)),
        ]),
        "deductStock": .object(required: [
            ("items", .lines)
        ]),
        "putChaos": chaos,
    ]
}
