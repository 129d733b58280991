import Foundation
import Testing
import WarehouseKit

/// The schemas below mirror the services' request bodies, so the tests read like real requests.
private let productUpdate = BodySchema.object(required: [
    ("name", .string(minLength: 1, maxLength: 200)),
    ("stock", .integer(minimum: 0, maximum: 1_000_000_000)),
])

private let newOrder = BodySchema.object(required: [
    ("customerId", .string(minLength: 1, maxLength: 128)),
    ("items", .lines),
])

private func violations(_ schema: BodySchema, _ json: String) throws -> [FieldViolation] {
    schema.violations(of: try JSONValue.parse(Data(json.utf8)))
}

@Suite("BodySchema")
struct BodySchemaTests {
    @Test("a conforming body has no violations")
    func conformingBody() throws {
        #expect(try violations(productUpdate, #"{"name": "Console", "stock": 3}"#).isEmpty)
        #expect(try violations(newOrder, #"{"customerId": "c-42", "items": [{"sku": "CONSOLE-PS5", "quantity": 2}]}"#).isEmpty)
    }

    @Test("unknown properties are ignored")
    func unknownPropertiesIgnored() throws {
        #expect(try violations(productUpdate, #"{"name": "Console", "stock": 3, "colour": "blue"}"#).isEmpty)
    }

    @Test("every missing field is listed, in declared order")
    func missingFields() throws {
        #expect(
            try violations(productUpdate, "{}") == [
                FieldViolation("/name", "is required"),
                FieldViolation("/stock", "is required"),
            ])
    }

    @Test("null counts as missing")
    func nullIsMissing() throws {
        #expect(try violations(productUpdate, #"{"name": null, "stock": 1}"#) == [FieldViolation("/name", "is required")])
    }

    @Test("wrong types are named with the type expected")
    func wrongTypes() throws {
        #expect(
            try violations(productUpdate, #"{"name": 12, "stock": "12"}"#) == [
                FieldViolation("/name", "must be a string"),
                FieldViolation("/stock", "must be an integer"),
            ])
        #expect(
            try violations(productUpdate, #"{"name": ["a"], "stock": true}"#) == [
                FieldViolation("/name", "must be a string"),
                FieldViolation("/stock", "must be an integer"),
            ])
        #expect(
            try violations(newOrder, #"{"customerId": {}, "items": {"sku": "A", "quantity": 1}}"#) == [
                FieldViolation("/customerId", "must be a string"),
                FieldViolation("/items", "must be an array"),
            ])
    }

    @Test("a body that is not an object is reported at the root")
    func rootNotObject() throws {
        for json in ["[]", "1", #""text""#, "true", "null"] {
            #expect(try violations(productUpdate, json) == [FieldViolation("/", "must be an object")], "\(json)")
        }
    }

    @Test("strings too short or too long")
    func stringLengths() throws {
        #expect(try violations(productUpdate, #"{"name": "", "stock": 1}"#) == [FieldViolation("/name", "must not be empty")])
        let long = String(repeating: "x", count: 201)
        #expect(
            try violations(productUpdate, #"{"name": "\#(long)", "stock": 1}"#) == [
                FieldViolation("/name", "must have at most 200 characters")
            ])
        let exactlyMax = String(repeating: "x", count: 200)
        #expect(try violations(productUpdate, #"{"name": "\#(exactlyMax)", "stock": 1}"#).isEmpty)

        let threeOrMore = BodySchema.string(minLength: 3)
        #expect(threeOrMore.violations(of: .string("ab")) == [FieldViolation("/", "must have at least 3 characters")])
        #expect(threeOrMore.violations(of: .string("abc")).isEmpty)
    }

    @Test("lengths count characters, not bytes")
    func lengthsCountCharacters() {
        let schema = BodySchema.string(minLength: 1, maxLength: 3)
        #expect(schema.violations(of: .string("äöü")).isEmpty)
        #expect(schema.violations(of: .string("äöüß")) == [FieldViolation("/", "must have at most 3 characters")])
    }

    @Test("integers out of range, at both ends")
    func integerRange() throws {
        #expect(
            try violations(productUpdate, #"{"name": "a", "stock": -1}"#) == [
                FieldViolation("/stock", "must be between 0 and 1000000000")
            ])
        #expect(
            try violations(productUpdate, #"{"name": "a", "stock": 1000000001}"#) == [
                FieldViolation("/stock", "must be between 0 and 1000000000")
            ])
        #expect(try violations(productUpdate, #"{"name": "a", "stock": 0}"#).isEmpty)
        #expect(try violations(productUpdate, #"{"name": "a", "stock": 1000000000}"#).isEmpty)
    }

    @Test("2.0 is an integer, 2.5 is not")
    func integralNumbers() throws {
        #expect(try violations(productUpdate, #"{"name": "a", "stock": 2.0}"#).isEmpty)
        #expect(
            try violations(productUpdate, #"{"name": "a", "stock": 2.5}"#) == [FieldViolation("/stock", "must be an integer")])
        // The range still applies to an integral number written with a fraction.
        #expect(
            try violations(productUpdate, #"{"name": "a", "stock": -3.0}"#) == [
                FieldViolation("/stock", "must be between 0 and 1000000000")
            ])
        // Also when the value reaches the schema as a JSON number rather than through the decoder.
        let quantity = BodySchema.integer(minimum: 1, maximum: 1000)
        #expect(quantity.violations(of: .number(2.0)).isEmpty)
        #expect(quantity.violations(of: .number(2.5)) == [FieldViolation("/", "must be an integer")])
        #expect(quantity.violations(of: .number(1e300)) == [FieldViolation("/", "must be an integer")])
    }

    @Test("pattern violations quote the documented pattern")
    func pattern() throws {
        #expect(
            try violations(newOrder, #"{"customerId": "c", "items": [{"sku": "-bad", "quantity": 1}]}"#) == [
                FieldViolation("/items/0/sku", "must match \(SKU.patternText)")
            ])
        let unnamed = BodySchema.string(pattern: { $0 == "yes" })
        #expect(unnamed.violations(of: .string("no")) == [FieldViolation("/", "must match the documented pattern")])
    }

    @Test("nested array items are reported with their index")
    func nestedItems() throws {
        let json = #"""
            {"customerId": "", "items": [
                {"sku": "OK-1", "quantity": 1},
                {"sku": "bad sku", "quantity": 0},
                {"quantity": 2.5},
                "not an object",
                {"sku": "OK-2", "quantity": 1001}
            ]}
            """#
        #expect(
            try violations(newOrder, json) == [
                FieldViolation("/customerId", "must not be empty"),
                FieldViolation("/items/1/sku", "must match \(SKU.patternText)"),
                FieldViolation("/items/1/quantity", "must be between 1 and 1000"),
                FieldViolation("/items/2/sku", "is required"),
                FieldViolation("/items/2/quantity", "must be an integer"),
                FieldViolation("/items/3", "must be an object"),
                FieldViolation("/items/4/quantity", "must be between 1 and 1000"),
            ])
    }

    @Test("array sizes: empty and too many")
    func arraySizes() throws {
        #expect(try violations(newOrder, #"{"customerId": "c", "items": []}"#) == [FieldViolation("/items", "must not be empty")])
        let line = #"{"sku": "A", "quantity": 1}"#
        let fifty = Array(repeating: line, count: 50).joined(separator: ",")
        let fiftyOne = Array(repeating: line, count: 51).joined(separator: ",")
        #expect(try violations(newOrder, #"{"customerId": "c", "items": [\#(fifty)]}"#).isEmpty)
        #expect(
            try violations(newOrder, #"{"customerId": "c", "items": [\#(fiftyOne)]}"#) == [
                FieldViolation("/items", "must have at most 50 items")
            ])
        let twoOrMore = BodySchema.array(of: .integer(), minItems: 2)
        #expect(twoOrMore.violations(of: .array([.integer(1)])) == [FieldViolation("/", "must have at least 2 items")])
    }

    @Test("optional fields are checked when present, and null is not a value they take")
    func optionalFields() {
        let schema = BodySchema.object(required: [], optional: [("note", .string(maxLength: 2))])
        #expect(schema.violations(of: .object([:])).isEmpty)
        #expect(schema.violations(of: .object(["note": .null])) == [FieldViolation("/note", "must be a string")])
        #expect(
            schema.violations(of: .object(["note": .string("long")])) == [
                FieldViolation("/note", "must have at most 2 characters")
            ])
    }

    @Test("keys are escaped in pointers as RFC 6901 says")
    func pointerEscaping() {
        let schema = BodySchema.object(required: [("a/b", .integer()), ("m~n", .string())])
        #expect(
            schema.violations(of: .object([:])) == [
                FieldViolation("/a~1b", "is required"),
                FieldViolation("/m~0n", "is required"),
            ])
    }

    @Test("malformed JSON is a 400 problem, not a violation")
    func malformedJSON() {
        #expect(throws: RequestError.malformedJSON("The body is not valid JSON: unexpected end of the body at byte 9.")) {
            try JSONValue.parse(Data(#"{"name": "#.utf8))
        }
        #expect(throws: RequestError.self) { try JSONValue.parse(Data()) }
    }
}
