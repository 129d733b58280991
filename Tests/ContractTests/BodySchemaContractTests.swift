import Foundation
import Inventory
import Notification
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// The request body schemas the services validate with (`BodySchema`, for 422s that list every bad
/// field) are written by hand beside the OpenAPI documents; these tests keep them saying the same.
@Suite("Request body schemas against the OpenAPI documents")
struct BodySchemaContractTests {
    static func document(_ service: String) throws -> String {
        try String(contentsOf: packageFile("Sources/\(service)/openapi.yaml"), encoding: .utf8)
    }

    /// Every operation's differences, empty when code and document agree.
    static func differences(_ schemas: [String: BodySchema], _ yaml: String) throws -> [String] {
        let documented = try documentedRequestBodies(yaml)
        var found: [String] = []
        for operation in Set(schemas.keys).union(documented.keys).sorted() {
            switch (schemas[operation], documented[operation]) {
            case let (schema?, document?):
                found += SchemaShape(schema).differences(from: document).map { "\(operation) \($0)" }
            case (_?, nil): found.append("\(operation): a schema in the code, no JSON request body in the document")
            case (nil, _?): found.append("\(operation): a JSON request body in the document, no schema in the code")
            case (nil, nil): break
            }
        }
        return found
    }

    @Test("the order service's body schemas are its document's")
    func order() throws {
        let differences = try Self.differences(OrderBodySchemas.byOperation, Self.document("Order"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test("the inventory service's body schemas are its document's")
    func inventory() throws {
        let differences = try Self.differences(InventoryBodySchemas.byOperation, Self.document("Inventory"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test("the notification service's body schemas are its document's")
    func notification() throws {
        let differences = try Self.differences(NotificationBodySchemas.byOperation, Self.document("Notification"))
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    /// The comparison itself: a document changed in any of the ways a schema can drift is caught.
    @Test(
        "a document that drifts from the code is caught",
        arguments: [
            ("maxLength: 128", "maxLength: 127", "createOrder /customerId"),
            ("maxItems: 50", "maxItems: 51", "createOrder /items"),
            ("minimum: 1\n          maximum: 1000\n", "minimum: 0\n          maximum: 1000\n", "createOrder /items/items/quantity"),
            ("required: [customerId, items]", "required: [items]", "createOrder /customerId"),
            ("x-rule: printable text that is not blank", "x-rule: anything", "createOrder /customerId"),
        ])
    func driftIsCaught(_ original: String, _ drifted: String, _ reported: String) throws {
        let yaml = try Self.document("Order")
        #expect(yaml.contains(original))
        let differences = try Self.differences(OrderBodySchemas.byOperation, yaml.replacingOccurrences(of: original, with: drifted))
        #expect(differences.contains { $0.hasPrefix(reported) }, "\(differences)")
    }

    @Test("a schema the document does not have is caught, and a body the code does not check")
    func missingOnEitherSide() throws {
        var schemas = OrderBodySchemas.byOperation
        schemas["listOrders"] = .object(required: [])
        schemas["createOrder"] = nil
        let differences = try Self.differences(schemas, Self.document("Order"))
        #expect(differences.contains("listOrders: a schema in the code, no JSON request body in the document"))
        #expect(differences.contains("createOrder: a JSON request body in the document, no schema in the code"))
    }
}
