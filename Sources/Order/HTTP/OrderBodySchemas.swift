import Foundation
import WarehouseKit

/// The request bodies of the order API as `BodySchema`s, keyed by operation id. They mirror
/// `OrderAPI/openapi.yaml`; `OrderContractTests` checks that both say the same.
package enum OrderBodySchemas {
    package static let customerId = BodySchema.string(
        minLength: 1,
        maxLength: 128,
        pattern: { text in
            !text.allSatisfy(\.isWhitespace) && !text.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }
        },
        patternText: "printable text that is not blank"
    )

    package static let byOperation: [String: BodySchema] = [
        "createOrder": .object(required: [
            ("customerId", customerId),
            ("items", .lines),
        ]),
        "putChaos": .object(required: [], optional: [("errorAfterStore", .chaosSelector)]),
    ]
}
