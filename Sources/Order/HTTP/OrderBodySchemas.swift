import Foundation
import WarehouseKit

/// The request bodies of the order API as `BodySchema`s, keyed by operation id. They mirror
/// `OrderAPI/openapi.yaml`; `OrderContractTests` checks that both say the same.
package enum OrderBodySchemas {
    package static let byOperation: [String: BodySchema] = [
        "createOrder": .object(required: [
            ("customerId", CustomerID.schema),
            ("items", .lines),
        ]),
        "putChaos": .object(required: [], optional: [("errorAfterStore", .chaosSelector)]),
    ]
}
